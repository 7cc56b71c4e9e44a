//! End-to-end tests of step 2 against a real nats-server.

use testkit::{Observer, PATIENCE, ServerOptions, checks};

const BIN: &str = env!("CARGO_BIN_EXE_pub-simple");

#[test]
fn publishes_hello_nats_on_foo() {
    let server = checks::start(ServerOptions::new());
    let observer = Observer::subscribe(&server, ">").unwrap();
    let out = checks::run(BIN, &server.url(), &[], &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    let lines: Vec<&str> = out.all.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.all);
    assert!(lines[0].ends_with(&format!("Connected to {}", server.url())));
    assert!(lines[1].ends_with("Published message on subject foo"));

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
    assert!(out.contains("Published message on subject greetings.fr"));
    let message = observer.next(PATIENCE).unwrap();
    assert_eq!(message.subject, "greetings.fr");
    assert_eq!(message.payload, "Bonjour NATS");
}

#[test]
fn no_server_is_one_clear_sentence_and_exit_1() {
    checks::fails_clearly_without_server(BIN, &[]);
}

#[test]
fn invalid_url_is_explained() {
    checks::explains_invalid_url(BIN);
}

#[test]
fn auth_server_refuses_it_with_a_hint() {
    checks::refused_by_auth_server(BIN, "auth-pub");
}

#[test]
fn credentials_in_the_url_are_refused_not_dropped() {
    checks::refuses_credentials_in_url(BIN);
}

#[test]
fn invalid_subjects_are_explained() {
    checks::explains_invalid_subjects(BIN, ServerOptions::new(), &[], |subject| {
        vec![subject.to_string()]
    });
}

#[test]
fn oversized_payload_is_explained() {
    checks::explains_oversized_payload(BIN, &[], |payload| vec!["foo".into(), payload.into()]);
}
