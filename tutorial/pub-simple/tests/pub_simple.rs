//! End-to-end tests of step 2 against a real nats-server.

use testkit::{Observer, PATIENCE, ServerOptions, checks};

const BIN: &str = env!("CARGO_BIN_EXE_pub-simple");

#[test]
fn publishes_hello_nats_on_foo() {
    let server = checks::start(ServerOptions::new());
    let observer = Observer::subscribe(&server, ">").unwrap();
    let out = checks::run(BIN, &server.url(), &[], &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert_eq!(out.all.lines().count(), 2, "{}", out.all);
    // What it logs, by the data each line carries (the wording is the guide's block's).
    out.assert_lines_in_order(&[&server.url(), "subject foo"]);

    let message = observer.next(PATIENCE).unwrap();
    assert_eq!(message.subject, "foo");
    assert_eq!(message.payload, "Hello NATS");
    assert_eq!(message.reply, None);
}

#[test]
fn every_run_delivers_its_message() {
    let server = checks::start(ServerOptions::new());
    checks::publishes_every_time(BIN, &server, &[], 20, "foo", "Hello NATS", None);
}

#[test]
fn arguments_choose_subject_and_message() {
    let server = checks::start(ServerOptions::new());
    let observer = Observer::subscribe(&server, ">").unwrap();
    let out = checks::run(BIN, &server.url(), &[], &["greetings.fr", "Bonjour NATS"]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(out.contains("subject greetings.fr"), "{}", out.all);
    let message = observer.next(PATIENCE).unwrap();
    assert_eq!(message.subject, "greetings.fr");
    assert_eq!(message.payload, "Bonjour NATS");
}

#[test]
fn oversized_payload_is_explained() {
    checks::explains_oversized_payload(BIN, &[], |payload| vec!["foo".into(), payload.into()]);
}

#[test]
fn a_server_that_requires_tls_is_explained() {
    // A plain step meets a TLS server: async-nats tries TLS, as the server asks, but trusts
    // only the system's CAs, which never signed a local server's certificate.
    let pki = testkit::pki::Pki::temporary(&["localhost", "127.0.0.1"]);
    let server = checks::start(ServerOptions::new().tls(&pki));
    let out = checks::run(BIN, &server.url(), &[], &[]);
    checks::assert_error(&out, &["requires TLS", "NATS_CA", "tls-pub"]);
}

// The behaviours every step shares: no server, a bad URL, a server that wants credentials,
// credentials in the URL, invalid subjects (see testkit::checks).
testkit::step_checks!(
    plain: BIN,
    auth_hint: "auth-pub",
    subject_args: |subject| vec![subject.to_string()],
);

/// A learner's shell may export any setting of the README's table: the tests above must not
/// care (each step they start gets only the settings the test gives it).
#[test]
fn the_tests_pass_whatever_the_shell_exports() {
    testkit::sealed::sealed_from_the_shell("the_tests_pass_whatever_the_shell_exports");
}
