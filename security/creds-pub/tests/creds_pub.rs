//! End-to-end tests of creds-pub against a real nats-server in operator mode: an operator, an
//! account and a user made by the test (testkit::pki::Credentials, with the nkeys crate).
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use testkit::pki::{Credentials, ScratchDir};
use testkit::{ServerOptions, checks};

const BIN: &str = env!("CARGO_BIN_EXE_creds-pub");

/// Where no server listens: for mistakes found before connecting.
const NOWHERE: &str = "nats://127.0.0.1:1";

#[test]
fn a_user_signed_by_a_trusted_account_gets_in() {
    let dir = ScratchDir::new("creds-pub");
    let credentials = Credentials::generate();
    let server = checks::start(ServerOptions::new().config(&credentials.server_config));
    let creds = dir.secret_file("user.creds", &credentials.creds);
    let out = checks::run(BIN, &server.url(), &[("NATS_CREDS", &creds)], &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(
        out.contains("the account's signature vouched for it"),
        "{}",
        out.all
    );
}

#[test]
fn a_user_of_another_operator_is_refused() {
    let dir = ScratchDir::new("creds-pub");
    let trusted = Credentials::generate();
    let server = checks::start(ServerOptions::new().config(&trusted.server_config));
    let stranger = dir.secret_file("user.creds", &Credentials::generate().creds);
    let out = checks::run(BIN, &server.url(), &[("NATS_CREDS", &stranger)], &[]);
    checks::assert_error(
        &out,
        &[
            &format!("refused the user in {stranger}: authorization violation"),
            "--creds",
        ],
    );
}

#[test]
fn missing_unreadable_and_malformed_credentials_files_are_named() {
    // Each is found before connecting: no server needed.
    let out = checks::run(BIN, NOWHERE, &[], &[]);
    checks::assert_error(
        &out,
        &["NATS_CREDS is not set", "cargo xtask server --creds"],
    );
    let out = checks::run(BIN, NOWHERE, &[("NATS_CREDS", "/nonexistent/u.creds")], &[]);
    checks::assert_error(
        &out,
        &["cannot read NATS_CREDS's file /nonexistent/u.creds"],
    );
    let dir = ScratchDir::new("creds-pub");
    let garbage = dir.secret_file("user.creds", "not a credentials file\n");
    let out = checks::run(BIN, NOWHERE, &[("NATS_CREDS", &garbage)], &[]);
    checks::assert_error(
        &out,
        &[&format!("NATS_CREDS's file {garbage} is not a usable")],
    );
}

#[test]
fn no_server_and_an_invalid_url_are_explained() {
    let dir = ScratchDir::new("creds-pub");
    let creds = dir.secret_file("user.creds", &Credentials::generate().creds);
    checks::fails_clearly_without_server(BIN, &[("NATS_CREDS", &creds)]);
    checks::explains_invalid_url(BIN);
}

#[test]
fn names_its_connection_for_the_servers_monitoring() {
    let dir = ScratchDir::new("creds-pub");
    let credentials = Credentials::generate();
    let creds = dir.secret_file("user.creds", &credentials.creds);
    let options = ServerOptions::new().config(&credentials.server_config);
    checks::names_its_connection_with(BIN, options, &[("NATS_CREDS", &creds)]);
}
