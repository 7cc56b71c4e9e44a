//! End-to-end tests of js-pub against a real nats-server with JetStream.
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use testkit::{ServerOptions, checks};

const BIN: &str = env!("CARGO_BIN_EXE_js-pub");

/// How many messages the server's streams hold, from its monitoring (`/jsz`).
fn stored(server: &testkit::NatsServer) -> u64 {
    let jsz: serde_json::Value = serde_json::from_str(&server.monitor("/jsz").unwrap()).unwrap();
    jsz["messages"].as_u64().unwrap_or(0)
}

#[test]
fn the_same_message_id_is_stored_once_and_the_ack_says_duplicate() {
    let server = checks::start(ServerOptions::new().jetstream(None));
    let out = checks::run(BIN, &server.url(), &[], &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(
        out.contains("Published 'one pizza': stored in ORDERS as #1"),
        "{}",
        out.all
    );
    assert!(
        out.contains("Published again 'one pizza': a duplicate of #1, stored once"),
        "{}",
        out.all
    );
    assert_eq!(stored(&server), 1);

    // Another message is another id: stored, as #2.
    let out = checks::run(BIN, &server.url(), &[], &["orders.new", "two pizzas"]);
    assert!(out.contains("stored in ORDERS as #2"), "{}", out.all);
    assert_eq!(stored(&server), 2);
}

#[test]
fn a_server_without_jetstream_is_explained() {
    let server = checks::start(ServerOptions::new());
    let out = checks::run(BIN, &server.url(), &[], &[]);
    checks::assert_error(
        &out,
        &["does not run JetStream", "cargo xtask server --jetstream"],
    );
}

#[test]
fn more_replicas_than_nodes_is_explained() {
    let server = checks::start(ServerOptions::new().jetstream(None));
    let out = checks::run(BIN, &server.url(), &[], &["orders.new", "big", "3"]);
    checks::assert_error(
        &out,
        &[
            "cannot have that many replicas",
            "non-clustered",
            "cargo xtask cluster --jetstream",
        ],
    );
}

#[test]
fn a_subject_no_stream_captures_is_explained() {
    let server = checks::start(ServerOptions::new().jetstream(None));
    let out = checks::run(BIN, &server.url(), &[], &["pizza.new", "lost"]);
    checks::assert_error(&out, &["no stream captures 'pizza.new'", "orders.>"]);
    assert_eq!(stored(&server), 0);
}

#[test]
fn an_acknowledgement_that_never_comes_is_retried_then_reported() {
    let server = checks::start(ServerOptions::new().jetstream(None));
    // A stream that stores without acknowledging (`no_ack`): the publisher waits in vain.
    let config = r#"{"name": "SILENT", "subjects": ["silent.>"], "no_ack": true}"#;
    testkit::jetstream_api(&server, "$JS.API.STREAM.CREATE.SILENT", config).unwrap();

    // Longer than checks::run waits: js-pub keeps trying for 15 s.
    let mut command = testkit::Step::command(BIN);
    command
        .env("NATS_URL", server.url())
        .args(["silent.new", "hello"]);
    let out = testkit::Step::run(&mut command, Duration::from_secs(60)).unwrap();
    assert!(
        out.contains("'hello' was not acknowledged (timed out: didn't receive ack in time); publishing it again"),
        "{}",
        out.all
    );
    checks::assert_error(
        &out,
        &[
            "'hello' was not acknowledged within 15 s",
            "may or may not be stored",
            "same Nats-Msg-Id",
        ],
    );
    // Offered several times, stored once: the id made the copies duplicates.
    assert_eq!(stored(&server), 1);
}

// The behaviours every step shares (no subject checks: the stream comes first), against a
// server with JetStream.
testkit::step_checks!(jetstream: BIN);

/// The guide's scene of a stream and a durable consumer.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::ServerOptions;
    use testkit::scene::{Script, ok, terminal};

    #[test]
    fn scene_persistence() {
        Script::play(persistence);
    }

    /// js-pub stores into the stream ORDERS, js-pull reads it with a durable consumer.
    fn persistence(s: &mut Script) -> Result<(), String> {
        s.heading("Persistence: a stream and a durable consumer (js-pub, js-pull)");
        let server = s.server(ServerOptions::new().jetstream(None))?;
        s.say("terminal 1 $ cargo xtask server --jetstream");
        let stored = ok("a duplicate of #1, stored once");
        s.run("js/pub", terminal(2, "js-pub"), stored);
        let more = ["orders.new", "two pizzas"];
        s.run(
            "js/pub-2",
            terminal(2, "js-pub").args(&more),
            ok("stored in ORDERS as #2"),
        );
        let caught_up = ok("processed 2 message(s)");
        s.run("js/pull", terminal(3, "js-pull"), caught_up);
        let nothing = ok("processed 0 message(s)");
        s.run("js/pull-again", terminal(3, "js-pull"), nothing);
        drop(server);
        Ok(())
    }
}
