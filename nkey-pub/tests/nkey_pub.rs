//! End-to-end tests of nkey-pub against a real nats-server that knows one user nkey.
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use testkit::pki::{new_user_nkey, write_file};
use testkit::{ServerOptions, checks};

const BIN: &str = env!("CARGO_BIN_EXE_nkey-pub");

/// A seed file holding `text`, in a folder of its own.
fn seed_file(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("nkey-pub-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("user.nk");
    write_file(&path, text, true).unwrap();
    path.display().to_string()
}

/// A server that accepts one new user nkey, and that user's seed file.
fn server_and_seed(name: &str) -> (testkit::NatsServer, String, String) {
    let (seed, public) = new_user_nkey();
    let server = checks::start(ServerOptions::new().nkey(&public));
    (server, seed_file(name, &format!("{seed}\n")), public)
}

#[test]
fn it_signs_in_with_its_seed_and_shows_only_the_public_key() {
    let (server, seed, public) = server_and_seed("ok");
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
    let (server, _, _) = server_and_seed("listed");
    let (other_seed, other_public) = new_user_nkey();
    let seed = seed_file("stranger", &other_seed);
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
    let (server, _, _) = server_and_seed("files");
    let out = checks::run(BIN, &server.url(), &[], &[]);
    checks::assert_error(&out, &["NATS_NKEY is not set", "cargo xtask server --nkey"]);

    let out = checks::run(
        BIN,
        &server.url(),
        &[("NATS_NKEY", "/nonexistent/user.nk")],
        &[],
    );
    checks::assert_error(&out, &["cannot read NATS_NKEY's file /nonexistent/user.nk"]);

    let garbage = seed_file("garbage", "SUNOTAREALSEEDATALLBUTLONGENOUGHTOLOOKLIKEONE\n");
    let out = checks::run(BIN, &server.url(), &[("NATS_NKEY", &garbage)], &[]);
    checks::assert_error(
        &out,
        &[&format!(
            "NATS_NKEY's file {garbage} does not hold a user nkey seed"
        )],
    );
}

#[test]
fn no_server_and_an_invalid_url_are_explained() {
    checks::fails_clearly_without_server(
        BIN,
        &[("NATS_NKEY", &seed_file("none", &new_user_nkey().0))],
    );
    checks::explains_invalid_url(BIN);
}

#[test]
fn names_its_connection_for_the_servers_monitoring() {
    let (seed, public) = new_user_nkey();
    let seed = seed_file("named", &seed);
    checks::names_its_connection_with(
        BIN,
        ServerOptions::new().nkey(&public),
        &[("NATS_NKEY", &seed)],
    );
}
