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

/// The guide's scene of a credentials file.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::ServerOptions;
    use testkit::pki::{Credentials, ScratchDir};
    use testkit::scene::{Script, ok, terminal};

    #[test]
    fn scene_credentials() {
        Script::play(credentials);
    }

    /// A secret file the tour writes into `dir`: its real path, shown in recordings as `shown`.
    fn tour_file(s: &mut Script, dir: &ScratchDir, name: &str, text: &str, shown: &str) -> String {
        let real = dir.secret_file(name, text);
        s.alias(&real, shown);
        real
    }

    /// creds-pub with a user JWT from an account the server's operator signed.
    fn credentials(s: &mut Script) -> Result<(), String> {
        s.heading("Security: a credentials file (creds-pub)");
        let credentials = Credentials::generate();
        let server = s.server(ServerOptions::new().config(&credentials.server_config))?;
        s.say("terminal 1 $ cargo xtask server --creds");
        let dir = ScratchDir::new("tour");
        let shown = "target/secrets/user.creds";
        let path = tour_file(s, &dir, "user.creds", &credentials.creds, shown);
        let env = [("NATS_CREDS", path.as_str())];
        s.run(
            "creds/run",
            terminal(2, "creds-pub").env(&env),
            ok("vouched for it"),
        );
        drop(server);
        Ok(())
    }
}
