//! End-to-end tests of creds-pub against a real nats-server in operator mode: an operator, an
//! account and a user made by the test (testkit::pki::Credentials, with the nkeys crate).
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use testkit::pki::{Credentials, write_file};
use testkit::{ServerOptions, checks};

const BIN: &str = env!("CARGO_BIN_EXE_creds-pub");

/// A file holding `text`, in a folder of its own.
fn file(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("creds-pub-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("user.creds");
    write_file(&path, text, true).unwrap();
    path.display().to_string()
}

#[test]
fn a_user_signed_by_a_trusted_account_gets_in() {
    let credentials = Credentials::generate();
    let server = checks::start(ServerOptions::new().config(&credentials.server_config));
    let creds = file("ok", &credentials.creds);
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
    let trusted = Credentials::generate();
    let server = checks::start(ServerOptions::new().config(&trusted.server_config));
    let stranger = file("stranger", &Credentials::generate().creds);
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
    let credentials = Credentials::generate();
    let server = checks::start(ServerOptions::new().config(&credentials.server_config));
    let out = checks::run(BIN, &server.url(), &[], &[]);
    checks::assert_error(
        &out,
        &["NATS_CREDS is not set", "cargo xtask server --creds"],
    );
    let out = checks::run(
        BIN,
        &server.url(),
        &[("NATS_CREDS", "/nonexistent/u.creds")],
        &[],
    );
    checks::assert_error(
        &out,
        &["cannot read NATS_CREDS's file /nonexistent/u.creds"],
    );
    let garbage = file("garbage", "not a credentials file\n");
    let out = checks::run(BIN, &server.url(), &[("NATS_CREDS", &garbage)], &[]);
    checks::assert_error(
        &out,
        &[&format!("NATS_CREDS's file {garbage} is not a usable")],
    );
}

#[test]
fn no_server_and_an_invalid_url_are_explained() {
    let creds = file("none", &Credentials::generate().creds);
    checks::fails_clearly_without_server(BIN, &[("NATS_CREDS", &creds)]);
    checks::explains_invalid_url(BIN);
}

#[test]
fn names_its_connection_for_the_servers_monitoring() {
    let credentials = Credentials::generate();
    let creds = file("named", &credentials.creds);
    let options = ServerOptions::new().config(&credentials.server_config);
    checks::names_its_connection_with(BIN, options, &[("NATS_CREDS", &creds)]);
}
