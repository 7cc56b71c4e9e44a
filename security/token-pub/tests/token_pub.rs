//! End-to-end tests of token-pub against a real nats-server that requires a token.
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use testkit::{Observer, PATIENCE, ServerOptions, checks};

const BIN: &str = env!("CARGO_BIN_EXE_token-pub");
const TOKEN: &str = "tok-7e11c0de";

#[test]
fn publishes_with_the_token_from_nats_token() {
    let server = checks::start(ServerOptions::new().token(TOKEN));
    let observer = Observer::subscribe(&server, ">").unwrap();
    // Every run fails its test if the token shows (testkit::checks::assert_secrets_kept).
    let out = checks::run(BIN, &server.url(), &[("NATS_TOKEN", TOKEN)], &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(out.contains(&server.url()), "{}", out.all);
    let message = observer.next(PATIENCE).unwrap();
    assert_eq!(
        (message.subject.as_str(), message.payload.as_str()),
        ("foo", "Hello NATS")
    );
}

#[test]
fn a_token_written_in_the_url_is_used_and_not_shown() {
    let server = checks::start(ServerOptions::new().token(TOKEN));
    let observer = Observer::subscribe(&server, ">").unwrap();
    let url = format!("nats://{TOKEN}@127.0.0.1:{}", server.port());
    let out = checks::run(BIN, &url, &[], &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(out.contains("token written in NATS_URL"), "{}", out.all);
    observer.next(PATIENCE).unwrap();
}

#[test]
fn a_wrong_token_is_refused_with_a_hint_and_never_shown() {
    let server = checks::start(ServerOptions::new().token(TOKEN));
    let out = checks::run(BIN, &server.url(), &[("NATS_TOKEN", "tok-wrong-55aa")], &[]);
    checks::assert_error(
        &out,
        &[
            "refused the token",
            "authorization violation",
            "cargo xtask server --token",
        ],
    );
    assert!(!out.contains(TOKEN), "{}", out.all);
}

#[test]
fn without_a_token_it_says_how_to_get_one() {
    let server = checks::start(ServerOptions::new().token(TOKEN));
    let out = checks::run(BIN, &server.url(), &[], &[]);
    checks::assert_error(
        &out,
        &["NATS_TOKEN is not set", "cargo xtask server --token"],
    );
}

// The behaviours every step shares, with the token in NATS_TOKEN.
testkit::step_checks!(
    token: BIN,
    token: TOKEN,
    subject_args: |subject| vec![subject.to_string()],
);

/// The guide's scene of a token.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::ServerOptions;
    use testkit::scene::{Script, fails, ok, terminal};

    #[test]
    fn scene_token() {
        Script::play(tokens);
    }

    /// token-pub against a server that wants a token.
    fn tokens(s: &mut Script) -> Result<(), String> {
        s.heading("Security: a token (token-pub)");
        // A token of the recording's own, never shown: the command line reads it from its file.
        let token = "tutorial-token-4f1d9a";
        let server = s.server(ServerOptions::new().token(token))?;
        s.say("terminal 1 $ cargo xtask server --token");
        let secret = ("NATS_TOKEN", token, "$(cat target/secrets/token)");
        let program = terminal(2, "token-pub").secret(secret.0, secret.1, secret.2);
        s.run("token/run", program, ok("Published message on subject foo"));
        let wrong = terminal(2, "token-pub").secret("NATS_TOKEN", "not-the-token", "not-the-token");
        s.run("token/wrong", wrong, fails("refused the token"));
        drop(server);
        Ok(())
    }
}
