//! End-to-end tests of step 1 against a real nats-server.
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use testkit::{NatsServer, PATIENCE, ServerOptions, Step, checks, publish};

const BIN: &str = env!("CARGO_BIN_EXE_async-sub");

fn start(server: &NatsServer, args: &[&str]) -> Step {
    Step::start(Step::command(BIN).env("NATS_URL", server.url()).args(args)).unwrap()
}

#[test]
fn receives_what_is_published_and_exits_cleanly_on_ctrl_c() {
    let server = checks::start(ServerOptions::new());
    let mut sub = start(&server, &[]);
    sub.wait_for_line("Subscribing to subject 'foo'", PATIENCE)
        .unwrap();
    server.wait_for_subscription("foo", PATIENCE).unwrap();

    publish(&server, "foo", "Hello NATS").unwrap();
    publish(&server, "other", "not for us").unwrap();
    publish(&server, "foo", "second").unwrap();
    sub.wait_for_line("Received message 'second'", PATIENCE)
        .unwrap();

    sub.interrupt().unwrap();
    // Ctrl-C must end it promptly: exit 0 within 2 seconds, with a last log line.
    let out = sub.wait_exit(Duration::from_secs(2)).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    out.assert_first_lines(&[
        &format!("Connected to {}", server.url()),
        "Subscribing to subject 'foo'",
        "Received message 'Hello NATS'",
        "Received message 'second'",
    ]);
    let lines: Vec<&str> = out.all.lines().collect();
    assert!(!out.contains("not for us"), "{}", out.all);
    // Then the client's own counters: the two messages of 'foo'.
    let [.., drained, statistics] = lines[..] else {
        panic!("{}", out.all)
    };
    assert!(drained.contains("Subscription drained"), "{}", out.all);
    assert!(
        statistics.contains("Statistics: received 2 message(s), sent 0;")
            && statistics.ends_with("reconnected 0 time(s)"),
        "{}",
        out.all
    );
}

#[test]
fn subject_argument_changes_what_it_listens_to() {
    let server = checks::start(ServerOptions::new());
    let mut sub = start(&server, &["greetings.*"]);
    server
        .wait_for_subscription("greetings.*", PATIENCE)
        .unwrap();
    publish(&server, "foo", "on foo").unwrap();
    publish(&server, "greetings.en", "hello").unwrap();
    sub.wait_for_line("Received message 'hello'", PATIENCE)
        .unwrap();
    sub.interrupt().unwrap();
    let out = sub.wait_exit(Duration::from_secs(2)).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(
        out.contains("Subscribing to subject 'greetings.*'"),
        "{}",
        out.all
    );
    assert!(!out.contains("on foo"), "{}", out.all);
}

#[test]
fn with_nats_wait_for_server_it_starts_before_the_server_and_waits() {
    let port = testkit::free_port().unwrap();
    let mut sub = Step::start(
        Step::command(BIN)
            .env("NATS_URL", format!("nats://127.0.0.1:{port}"))
            .env("NATS_WAIT_FOR_SERVER", "1"),
    )
    .unwrap();
    // About two seconds of attempts (one every half second), then the server comes up.
    sub.wait_for_line("Trying to connect (attempt 5)", PATIENCE)
        .unwrap();
    let so_far = sub.output_so_far();
    assert!(
        !so_far.contains("Connected to"),
        "connected before any server:\n{so_far}"
    );
    let server = checks::start(ServerOptions::new().port(port));
    sub.wait_for_line("Connected to", PATIENCE).unwrap();
    server.wait_for_subscription("foo", PATIENCE).unwrap();
    publish(&server, "foo", "you waited").unwrap();
    sub.wait_for_line("Received message 'you waited'", PATIENCE)
        .unwrap();
    sub.interrupt().unwrap();
    let out = sub.wait_exit(Duration::from_secs(2)).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
}

#[test]
fn survives_a_server_restart() {
    checks::survives_a_server_restart(BIN, ServerOptions::new(), &[]);
}

#[test]
fn ctrl_c_while_the_server_is_down_still_exits_cleanly() {
    let mut server = checks::start(ServerOptions::new());
    let mut sub = start(&server, &[]);
    server.wait_for_subscription("foo", PATIENCE).unwrap();
    server.stop();
    sub.wait_for_line("Disconnected from the server", PATIENCE)
        .unwrap();

    sub.interrupt().unwrap();
    // Nobody can confirm the drain; it gives up after a second and still exits 0.
    let out = sub.wait_exit(Duration::from_secs(2)).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    let lines: Vec<&str> = out.all.lines().collect();
    let [.., gave_up, _statistics] = lines[..] else {
        panic!("{}", out.all)
    };
    assert!(gave_up.contains("exiting anyway"), "{}", out.all);
}

#[test]
fn subscribing_with_malformed_dots_is_explained() {
    let server = checks::start(ServerOptions::new());
    for subject in ["foo..bar", ".foo", "foo."] {
        let out = checks::run(BIN, &server.url(), &[], &[subject]);
        checks::assert_error(&out, &[&format!("'{subject}' is not a valid subject")]);
    }
}

// The behaviours every step shares: no server, a bad URL, a server that wants credentials,
// credentials in the URL, invalid subjects (see testkit::checks).
testkit::step_checks!(
    plain: BIN,
    auth_hint: "auth-sub",
    subject_args: |subject| vec![subject.to_string()],
);

/// A learner's shell may export any setting of the README's table: the tests above must not
/// care (each step they start gets only the settings the test gives it).
#[test]
fn the_tests_pass_whatever_the_shell_exports() {
    testkit::sealed::sealed_from_the_shell("the_tests_pass_whatever_the_shell_exports");
}
