//! End-to-end tests of the wildcard subscriber against a real nats-server.

// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use testkit::{PATIENCE, ServerOptions, Step, checks, publish};

const BIN: &str = env!("CARGO_BIN_EXE_wildcard-sub");

/// Runs wildcard-sub with `pattern`, publishes on foo.a.b, bar and then foo.a (last, so that
/// once foo.a is logged every earlier match would have been too), and returns its output.
fn received_with(pattern: &str) -> testkit::Output {
    let server = checks::start(ServerOptions::new());
    let mut command = Step::command(BIN);
    command.env("NATS_URL", server.url()).arg(pattern);
    let mut sub = Step::start(&mut command).unwrap();
    server.wait_for_subscription(pattern, PATIENCE).unwrap();
    for subject in ["foo.a.b", "bar", "foo.a"] {
        publish(&server, subject, &format!("to {subject}")).unwrap();
    }
    sub.wait_for_line("[foo.a]: 'to foo.a'", PATIENCE).unwrap();
    sub.interrupt().unwrap();
    let out = sub.wait_exit(Duration::from_secs(2)).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    out
}

/// The subject of each message logged, from the `[subject]: 'text'` that each one carries.
fn subjects_received(out: &testkit::Output) -> Vec<String> {
    out.all
        .lines()
        .filter_map(|line| line.split_once("]: '")?.0.rsplit_once('['))
        .map(|(_, subject)| subject.to_string())
        .collect()
}

#[test]
fn a_star_matches_exactly_one_token() {
    let out = received_with("foo.*");
    assert!(out.contains("'foo.*'"), "{}", out.all);
    assert_eq!(subjects_received(&out), ["foo.a"], "{}", out.all);
}

#[test]
fn a_greater_than_matches_all_the_tokens_after_it() {
    let out = received_with("foo.>");
    assert_eq!(subjects_received(&out), ["foo.a.b", "foo.a"], "{}", out.all);
}

#[test]
fn foo_star_is_the_default() {
    let server = checks::start(ServerOptions::new());
    let mut sub = Step::start(Step::command(BIN).env("NATS_URL", server.url())).unwrap();
    server.wait_for_subscription("foo.*", PATIENCE).unwrap();
    // A message handled means the program is past setting up its Ctrl-C handler.
    publish(&server, "foo.x", "x").unwrap();
    sub.wait_for_line("[foo.x]", PATIENCE).unwrap();
    sub.interrupt().unwrap();
    assert_eq!(sub.wait_exit(Duration::from_secs(2)).unwrap().code, Some(0));
}

// The behaviours every step shares: no server, a bad URL, a server that wants credentials,
// credentials in the URL, invalid subjects (see testkit::checks).
testkit::step_checks!(
    plain: BIN,
    auth_hint: "cargo xtask server",
    subject_args: |subject| vec![subject.to_string()],
);

/// The guide's scene of the wildcard subscriber.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::scene::{Script, terminal};

    #[test]
    fn scene_wildcard() {
        Script::play(wildcard);
    }

    /// A wildcard subscriber, and the two subjects that it does and does not match.
    fn wildcard(s: &mut Script) -> Result<(), String> {
        s.heading("Beyond the tutorial: a wildcard subscriber (wildcard-sub)");
        let server = s.plain_server()?;
        let subscribing = "'foo.*'";
        let wildcard_sub = terminal(2, "wildcard-sub").args(&["foo.*"]);
        let mut sub = s.subscriber(
            wildcard_sub,
            &server,
            "foo.*",
            subscribing,
            "wildcard/start",
        );
        s.publish("wildcard/publish-two", 3, &["foo.a.b", "two tokens"], None);
        s.publish("wildcard/publish-one", 3, &["foo.a", "one token"], None);
        s.wait(&mut sub, "[foo.a]: 'one token'");
        s.show(&mut sub, "wildcard/received");
        s.refute(&sub, "two tokens");
        s.interrupt(&mut sub, "wildcard/ctrl-c", "reconnected 0 time(s)");
        Ok(())
    }
}
