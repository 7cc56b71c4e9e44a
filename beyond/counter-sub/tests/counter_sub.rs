//! End-to-end tests of the counting subscriber against a real nats-server.

use std::time::Duration;

use testkit::{PATIENCE, ServerOptions, Step, checks, publish, publish_all};

const BIN: &str = env!("CARGO_BIN_EXE_counter-sub");

#[test]
fn numbers_every_message_and_reports_the_total_on_ctrl_c() {
    let server = checks::start(ServerOptions::new());
    let mut sub = Step::start(Step::command(BIN).env("NATS_URL", server.url())).unwrap();
    server.wait_for_subscription("foo", PATIENCE).unwrap();
    for text in ["Hello NATS", "second", "third"] {
        publish(&server, "foo", text).unwrap();
    }
    sub.wait_for_line("[#3]", PATIENCE).unwrap();
    sub.interrupt().unwrap();
    let out = sub.wait_exit(Duration::from_secs(2)).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    // Each message numbered, by the data its line carries (the wording is the guide's block's).
    for (number, text) in [(1, "Hello NATS"), (2, "second"), (3, "third")] {
        let (number, text) = (format!("[#{number}]"), format!("[foo]: '{text}'"));
        let numbered = |line: &&str| line.contains(&number) && line.contains(&text);
        assert!(out.all.lines().any(|line| numbered(&line)), "{}", out.all);
    }
    let last = out.all.lines().last().unwrap();
    assert!(last.ends_with("3 message(s) in all"), "{}", out.all);
    assert!(!out.contains("dropped"), "{}", out.all);
}

#[test]
fn a_slow_subscriber_is_told_that_messages_were_dropped() {
    let server = checks::start(ServerOptions::new());
    // 20 ms of work per message and room for 16 waiting messages: 200 messages at once
    // cannot all fit.
    let mut command = Step::command(BIN);
    command
        .env("NATS_URL", server.url())
        .args(["foo", "20", "16"]);
    let mut sub = Step::start(&mut command).unwrap();
    server.wait_for_subscription("foo", PATIENCE).unwrap();
    let payloads: Vec<String> = (1..=200).map(|n| format!("message {n}")).collect();
    publish_all(&server, "foo", &payloads).unwrap();
    sub.wait_for_line("Slow consumer", PATIENCE).unwrap();

    sub.interrupt().unwrap();
    let out = sub.wait_exit(PATIENCE).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    // The number just before "message(s)" on the summary line that contains `marker`.
    let number = |marker: &str| -> u64 {
        let line = out.all.lines().find(|line| line.contains(marker)).unwrap();
        let words: Vec<&str> = line.split_whitespace().collect();
        let at = words.iter().position(|word| *word == "message(s)").unwrap();
        words[at - 1].parse().unwrap()
    };
    let received = number("in all");
    let dropped = number("were dropped");
    assert!(
        received < 200,
        "received all 200 despite the small queue:\n{}",
        out.all
    );
    assert!(dropped >= 1 && received + dropped <= 200, "{}", out.all);
    assert_eq!(
        out.all.matches("Slow consumer").count(),
        1,
        "warned more than once"
    );
}

#[test]
fn arguments_that_are_not_numbers_are_explained() {
    let server = checks::start(ServerOptions::new());
    let out = checks::run(BIN, &server.url(), &[], &["foo", "slow"]);
    checks::assert_error(&out, &["WORK_MS must be a whole number, not 'slow'"]);
    let out = checks::run(BIN, &server.url(), &[], &["foo", "0", "-1"]);
    checks::assert_error(&out, &["CAPACITY must be a whole number, not '-1'"]);
}

// The behaviours every step shares: no server, a bad URL, a server that wants credentials,
// credentials in the URL, invalid subjects (see testkit::checks).
testkit::step_checks!(
    plain: BIN,
    auth_hint: "cargo xtask server",
    subject_args: |subject| vec![subject.to_string()],
);

/// The guide's scene of the counter, counting and then too slow.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::scene::{Script, terminal};

    #[test]
    fn scene_counter() {
        Script::play(counters);
    }

    /// counter-sub counting, then counting too slowly: 200 messages at once for a subscriber that
    /// takes 20 ms a message and has room for 16 waiting.
    fn counters(s: &mut Script) -> Result<(), String> {
        s.heading("Beyond the tutorial: a message counter (counter-sub)");
        let server = &s.plain_server()?;
        let subscribing = "'foo'";
        let mut sub = s.subscriber(
            terminal(2, "counter-sub"),
            server,
            "foo",
            subscribing,
            "counter/start",
        );
        for block in ["counter/publish-1", "counter/publish-2"] {
            s.publish(block, 3, &[], None);
        }
        s.wait(&mut sub, "[#2]");
        s.show(&mut sub, "counter/received");
        s.interrupt(&mut sub, "counter/ctrl-c", "message(s) in all");

        let slow = terminal(2, "counter-sub").args(&["foo", "20", "16"]);
        let mut sub = s.subscriber(slow, server, "foo", subscribing, "counter/slow-start");
        let payloads: Vec<String> = (1..=200).map(|n| format!("message {n}")).collect();
        testkit::publish_all(server, "foo", &payloads).map_err(|err| err.0)?;
        s.wait(&mut sub, "Slow consumer");
        s.interrupt(
            &mut sub,
            "counter/slow",
            "were dropped because this subscriber was too slow",
        );
        Ok(())
    }
}
