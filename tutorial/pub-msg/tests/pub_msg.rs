//! End-to-end tests of step 3 against a real nats-server.

use testkit::{Observer, PATIENCE, ServerOptions, checks};

const BIN: &str = env!("CARGO_BIN_EXE_pub-msg");

#[test]
fn publishes_hello_world_on_foo_with_reply_bar() {
    let server = checks::start(ServerOptions::new());
    let observer = Observer::subscribe(&server, ">").unwrap();
    let out = checks::run(BIN, &server.url(), &[], &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert_eq!(out.all.lines().count(), 3, "{}", out.all);
    // What it logs, by the data each line carries (the wording is the guide's block's).
    out.assert_lines_in_order(&[
        "Hello World",
        &server.url(),
        "msg.Subject = foo | msg.Reply = bar | msg.Data = Hello World",
    ]);

    let message = observer.next(PATIENCE).unwrap();
    assert_eq!(message.subject, "foo");
    assert_eq!(message.reply.as_deref(), Some("bar"));
    assert_eq!(message.payload, "Hello World");
}

#[test]
fn the_server_trace_shows_the_reply_subject() {
    let server = checks::start(ServerOptions::new().trace());
    let out = checks::run(BIN, &server.url(), &[], &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    // Flushed before exit, so the server has read the message (and traced it) or soon will.
    server.log().wait_for("[PUB foo bar 11]", PATIENCE).unwrap();
}

#[test]
fn every_run_delivers_its_message() {
    let server = checks::start(ServerOptions::new());
    checks::publishes_every_time(BIN, &server, &[], 20, "foo", "Hello World", Some("bar"));
}

#[test]
fn arguments_choose_subject_message_and_reply() {
    let server = checks::start(ServerOptions::new());
    let observer = Observer::subscribe(&server, ">").unwrap();
    let args = ["orders.new", "one pizza", "orders.replies"];
    let out = checks::run(BIN, &server.url(), &[], &args);
    assert_eq!(out.code, Some(0), "{}", out.all);
    let message = observer.next(PATIENCE).unwrap();
    assert_eq!(message.subject, "orders.new");
    assert_eq!(message.payload, "one pizza");
    assert_eq!(message.reply.as_deref(), Some("orders.replies"));
}

#[test]
fn invalid_reply_subjects_are_explained() {
    checks::explains_invalid_subjects(BIN, ServerOptions::new(), &[], |reply| {
        vec!["foo".into(), "Hello World".into(), reply.to_string()]
    });
}

#[test]
fn oversized_payload_is_explained() {
    checks::explains_oversized_payload(BIN, &[], |payload| vec!["foo".into(), payload.into()]);
}

// The behaviours every step shares: no server, a bad URL, a server that wants credentials,
// credentials in the URL, invalid subjects (see testkit::checks).
testkit::step_checks!(
    plain: BIN,
    auth_hint: "cargo xtask server",
    subject_args: |subject| vec![subject.to_string()],
);
