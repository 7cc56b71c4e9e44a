//! End-to-end tests of step 4 against a real nats-server.

use std::time::Duration;

use testkit::{PATIENCE, ServerOptions, Step, checks, publish};

const BIN: &str = env!("CARGO_BIN_EXE_sync-sub");

#[test]
fn takes_messages_one_at_a_time_until_the_timeout() {
    let server = checks::start(ServerOptions::new());
    let mut sub = Step::start(
        Step::command(BIN)
            .env("NATS_URL", server.url())
            .args(["foo", "3"]),
    )
    .unwrap();
    server.wait_for_subscription("foo", PATIENCE).unwrap();
    publish(&server, "foo", "Hello NATS").unwrap();
    publish(&server, "foo", "second").unwrap();

    let out = sub.wait_exit(PATIENCE).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert_eq!(out.all.lines().count(), 5, "{}", out.all);
    // What it logs, by the data each line carries (the wording is the guide's block's).
    out.assert_lines_in_order(&[
        &server.url(),
        "'foo', waiting up to 3 s",
        "'Hello NATS'",
        "'second'",
        "within 3 s; received 2, done",
    ]);
    // It only stops after a full timeout without messages.
    assert!(
        out.elapsed >= Duration::from_secs(3),
        "stopped after {:?}",
        out.elapsed
    );
}

#[test]
fn a_timeout_without_any_message_is_explained() {
    let server = checks::start(ServerOptions::new());
    let out = checks::run(BIN, &server.url(), &[], &["foo", "1"]);
    checks::assert_error(
        &out,
        &[
            "no message arrived on 'foo' within 1 s",
            "cargo run -p pub-simple",
        ],
    );
    assert!(
        out.elapsed >= Duration::from_secs(1),
        "stopped after {:?}",
        out.elapsed
    );
}

#[test]
fn a_timeout_that_is_not_a_number_is_explained() {
    let server = checks::start(ServerOptions::new());
    let out = checks::run(BIN, &server.url(), &[], &["foo", "soon"]);
    checks::assert_error(&out, &["SECONDS must be a whole number, not 'soon'"]);
}

// The behaviours every step shares: no server, a bad URL, a server that wants credentials,
// credentials in the URL, invalid subjects (see testkit::checks).
testkit::step_checks!(
    plain: BIN,
    auth_hint: "cargo xtask server",
    subject_args: |subject| vec![subject.to_string(), "1".into()],
);
