//! End-to-end tests of the requester against a real nats-server.

use std::time::Duration;

use testkit::{Observer, ServerOptions, checks};

const BIN: &str = env!("CARGO_BIN_EXE_request");

#[test]
fn prints_the_answer_of_a_responder() {
    let server = checks::start(ServerOptions::new());
    let _responder = Observer::respond(&server, "help", "I can help!").unwrap();

    let out = checks::run(BIN, &server.url(), &[], &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert_eq!(out.all.lines().count(), 3, "{}", out.all);
    // What it logs, by the data each line carries (the wording is the guide's block's).
    out.assert_lines_in_order(&[
        &server.url(),
        "'help me' on 'help', waiting up to 2 s",
        "'I can help!'",
    ]);
}

#[test]
fn no_responders_is_told_apart_from_a_timeout() {
    let server = checks::start(ServerOptions::new());
    let out = checks::run(BIN, &server.url(), &[], &[]);
    checks::assert_error(
        &out,
        &[
            "nobody answers on 'help': no responder subscribes to it",
            "cargo run -p reply",
        ],
    );
    assert!(
        out.elapsed < Duration::from_secs(2),
        "waited {:?} for nobody",
        out.elapsed
    );

    // A subscriber that never answers: the request times out instead.
    let _silent = Observer::subscribe(&server, "help").unwrap();
    let out = checks::run(BIN, &server.url(), &[], &["help", "anyone?", "1"]);
    checks::assert_error(
        &out,
        &["no reply on 'help' within 1 s", "did not answer in time"],
    );
    assert!(
        out.elapsed >= Duration::from_secs(1),
        "gave up after {:?}",
        out.elapsed
    );
}

#[test]
fn a_timeout_that_is_not_a_number_is_explained() {
    let server = checks::start(ServerOptions::new());
    let out = checks::run(BIN, &server.url(), &[], &["help", "x", "soon"]);
    checks::assert_error(&out, &["SECONDS must be a whole number, not 'soon'"]);
}

// The behaviours every step shares: no server, a bad URL, a server that wants credentials,
// credentials in the URL, invalid subjects (see testkit::checks).
testkit::step_checks!(
    plain: BIN,
    auth_hint: "cargo xtask server",
    subject_args: |subject| vec![subject.to_string()],
);
