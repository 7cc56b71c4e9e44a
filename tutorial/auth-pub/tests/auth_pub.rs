//! End-to-end tests of step 6 against a real nats-server that requires credentials.

use testkit::{Observer, PATIENCE, ServerOptions, checks};

const BIN: &str = env!("CARGO_BIN_EXE_auth-pub");

#[test]
fn the_tutorials_credentials_are_the_default() {
    let server = checks::start(ServerOptions::new().auth("foo", "bar"));
    let observer = Observer::subscribe(&server, ">").unwrap();
    let out = checks::run(BIN, &server.url(), &[], &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert_eq!(out.all.lines().count(), 2, "{}", out.all);
    // What it logs, by the data each line carries (the wording is the guide's block's).
    let connected = format!("{} as user 'foo'", server.url());
    out.assert_lines_in_order(&[&connected, "subject foo as user 'foo'"]);
    let message = observer.next(PATIENCE).unwrap();
    assert_eq!(
        (message.subject.as_str(), message.payload.as_str()),
        ("foo", "Hello NATS")
    );
}

#[test]
fn every_run_delivers_its_message_and_never_shows_the_password() {
    let password = "env-secret-b0b0";
    let server = checks::start(ServerOptions::new().auth("alice", password));
    let env = [("NATS_USER", "alice"), ("NATS_PASSWORD", password)];
    // Every run fails its test if this password shows (testkit::checks::assert_secrets_kept).
    checks::publishes_every_time(BIN, &server, &env, 20, "foo", "Hello NATS", None);
    let out = checks::run(BIN, &server.url(), &env, &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
}

#[test]
fn credentials_in_the_url_are_applied_and_never_shown() {
    let password = "url-secret-7e7e";
    let server = checks::start(ServerOptions::new().auth("alice", password));
    let observer = Observer::subscribe(&server, ">").unwrap();
    let url = format!("nats://alice:{password}@127.0.0.1:{}", server.port());
    // Every run fails its test if this password shows (testkit::checks::assert_secrets_kept).
    let out = checks::run(BIN, &url, &[], &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(
        out.contains("user and password written in NATS_URL"),
        "{}",
        out.all
    );
    assert!(out.contains(&server.url()), "{}", out.all);
    assert_eq!(observer.next(PATIENCE).unwrap().payload, "Hello NATS");
}

#[test]
fn oversized_payload_is_explained() {
    checks::explains_oversized_payload(BIN, &[], |payload| vec!["foo".into(), payload.into()]);
}

// The behaviours every authenticating step shares: no server, a bad URL, a wrong password,
// URL credentials it cannot use, invalid subjects (see testkit::checks).
testkit::step_checks!(auth: BIN, subject_args: |subject| vec![subject.to_string()]);
