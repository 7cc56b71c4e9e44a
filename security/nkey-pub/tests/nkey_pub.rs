//! End-to-end tests of nkey-pub against a real nats-server that knows one user nkey.
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use testkit::pki::{ScratchDir, new_user_nkey};
use testkit::{ServerOptions, checks};

const BIN: &str = env!("CARGO_BIN_EXE_nkey-pub");

/// A server that accepts one new user nkey; that user's seed file, in `dir`; its public key.
fn server_and_seed(dir: &ScratchDir) -> (testkit::NatsServer, String, String) {
    let (seed, public) = new_user_nkey();
    let server = checks::start(ServerOptions::new().nkey(&public));
    (
        server,
        dir.secret_file("user.nk", &format!("{seed}\n")),
        public,
    )
}

/// Where no server listens: for mistakes found before connecting.
const NOWHERE: &str = "nats://127.0.0.1:1";

#[test]
fn it_signs_in_with_its_seed_and_shows_only_the_public_key() {
    let dir = ScratchDir::new("nkey-pub");
    let (server, seed, public) = server_and_seed(&dir);
    let out = checks::run(BIN, &server.url(), &[("NATS_NKEY", &seed)], &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(
        out.contains(&format!("Authenticating as the nkey {public}")),
        "{}",
        out.all
    );
    assert!(
        out.contains("the server checked the signature"),
        "{}",
        out.all
    );
}

#[test]
fn a_key_the_server_does_not_list_is_refused_by_its_public_key() {
    let dir = ScratchDir::new("nkey-pub");
    let (server, _, _) = server_and_seed(&dir);
    let (other_seed, other_public) = new_user_nkey();
    let seed = dir.secret_file("other.nk", &other_seed);
    let out = checks::run(BIN, &server.url(), &[("NATS_NKEY", &seed)], &[]);
    checks::assert_error(
        &out,
        &[
            &format!("refused the nkey {other_public}: authorization violation"),
            "--nkey",
        ],
    );
}

#[test]
fn missing_unreadable_and_malformed_seed_files_are_named() {
    // Each is found before connecting: no server needed.
    let out = checks::run(BIN, NOWHERE, &[], &[]);
    checks::assert_error(&out, &["NATS_NKEY is not set", "cargo xtask server --nkey"]);

    let out = checks::run(BIN, NOWHERE, &[("NATS_NKEY", "/nonexistent/user.nk")], &[]);
    checks::assert_error(&out, &["cannot read NATS_NKEY's file /nonexistent/user.nk"]);

    let dir = ScratchDir::new("nkey-pub");
    let garbage = dir.secret_file("user.nk", "SUNOTAREALSEEDATALLBUTLONGENOUGHTOLOOKLIKEONE\n");
    let out = checks::run(BIN, NOWHERE, &[("NATS_NKEY", &garbage)], &[]);
    checks::assert_error(
        &out,
        &[&format!(
            "NATS_NKEY's file {garbage} does not hold a user nkey seed"
        )],
    );
}

#[test]
fn no_server_and_an_invalid_url_are_explained() {
    let dir = ScratchDir::new("nkey-pub");
    let seed = dir.secret_file("user.nk", &new_user_nkey().0);
    checks::fails_clearly_without_server(BIN, &[("NATS_NKEY", &seed)]);
    checks::explains_invalid_url(BIN);
}

#[test]
fn names_its_connection_for_the_servers_monitoring() {
    let dir = ScratchDir::new("nkey-pub");
    let (seed, public) = new_user_nkey();
    let seed = dir.secret_file("user.nk", &seed);
    checks::names_its_connection_with(
        BIN,
        ServerOptions::new().nkey(&public),
        &[("NATS_NKEY", &seed)],
    );
}
