//! End-to-end tests of js-pub against a real nats-server with JetStream.
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

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
fn a_subject_no_stream_captures_is_explained() {
    let server = checks::start(ServerOptions::new().jetstream(None));
    let out = checks::run(BIN, &server.url(), &[], &["pizza.new", "lost"]);
    checks::assert_error(&out, &["no stream captures 'pizza.new'", "orders.>"]);
    assert_eq!(stored(&server), 0);
}

// The behaviours every step shares (no subject checks: the stream comes first), against a
// server with JetStream.
testkit::step_checks!(
    plain: BIN,
    auth_hint: "cargo xtask server",
    server: ServerOptions::new().jetstream(None),
);
