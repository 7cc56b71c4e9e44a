//! End-to-end tests of js-retention against a real JetStream server: each policy's claims with
//! the stream's exact counts, a second run that starts from zero, and the stream left behind.
// A panic is the test failing with its message.
#![allow(clippy::unwrap_used)]

use testkit::{NatsServer, Output, PATIENCE, ServerOptions, Step, checks};

const BIN: &str = env!("CARGO_BIN_EXE_js-retention");

fn run(server: &NatsServer, mode: &str) -> Output {
    let out = Step::run(
        Step::command(BIN).env("NATS_URL", server.url()).arg(mode),
        PATIENCE,
    )
    .unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    out
}

/// The stream's counts as the step logged them, in order: (messages, first, last).
fn counts(out: &Output) -> Vec<(u64, u64, u64)> {
    let numbers = |line: &str| -> Option<(u64, u64, u64)> {
        let (before, rest) = line.split_once(" message(s), ")?;
        let messages = before.rsplit(' ').next()?.parse().ok()?;
        let first = rest
            .split("first #")
            .nth(1)?
            .split(',')
            .next()?
            .parse()
            .ok()?;
        let last = rest
            .split("last #")
            .nth(1)?
            .split(':')
            .next()?
            .parse()
            .ok()?;
        Some((messages, first, last))
    };
    out.all.lines().filter_map(numbers).collect()
}

#[test]
fn limits_discards_the_oldest_then_refuses_the_newest() {
    let server = checks::start(ServerOptions::new().jetstream(None));
    for _ in 0..2 {
        // The second run starts from zero as well: the same counts.
        let out = run(&server, "limits");
        assert_eq!(counts(&out), [(3, 3, 5), (3, 3, 5)], "{}", out.all);
        assert!(out.contains("order 6 refused: "), "{}", out.all);
        assert!(out.contains("maximum messages"), "{}", out.all);
    }
    // Left to be inspected: orders 3 to 5.
    let kept = testkit::read_stream(&server, "RETENTION_LIMITS", 3, PATIENCE).unwrap();
    let texts: Vec<String> = kept.iter().map(|m| m.payload.clone()).collect();
    assert_eq!(texts, ["order 3", "order 4", "order 5"]);
}

#[test]
fn interest_keeps_a_message_until_every_consumer_acknowledged_it() {
    let server = checks::start(ServerOptions::new().jetstream(None));
    let out = run(&server, "interest");
    let messages: Vec<u64> = counts(&out).iter().map(|c| c.0).collect();
    assert_eq!(messages, [0, 3, 3, 0], "{}", out.all);
    assert!(out.has_line_with(&["billing", "'order 5'"]), "{}", out.all);
    assert!(out.has_line_with(&["shipping", "'order 5'"]), "{}", out.all);
}

#[test]
fn a_work_queue_refuses_an_overlapping_consumer_and_forgets_what_is_acknowledged() {
    let server = checks::start(ServerOptions::new().jetstream(None));
    let out = run(&server, "workqueue");
    assert!(out.has_line_with(&["worker", "10099"]), "{}", out.all);
    assert!(out.has_line_with(&["eu and us", "accepted"]), "{}", out.all);
    let messages: Vec<u64> = counts(&out).iter().map(|c| c.0).collect();
    assert_eq!(messages, [2, 3, 1, 0], "{}", out.all);
}

#[test]
fn a_work_queue_keeps_what_no_consumer_has_taken_yet() {
    let server = checks::start(ServerOptions::new().jetstream(None));
    let out = run(&server, "workqueue");
    // Two orders before any consumer: both kept (an interest stream drops them: see above).
    assert_eq!(counts(&out)[0], (2, 1, 2), "{}", out.all);
    let kept = "2 message(s), first #1, last #2: no consumer yet: both wait in the queue";
    assert!(out.contains(kept), "{}", out.all);
}

#[test]
fn two_policies_are_refused_and_none_says_it_shows_the_default() {
    let server = checks::start(ServerOptions::new().jetstream(None));
    let mut command = Step::command(BIN);
    command
        .env("NATS_URL", server.url())
        .args(["limits", "interest"]);
    let out = Step::run(&mut command, PATIENCE).unwrap();
    assert_eq!(out.code, Some(1), "{}", out.all);
    let sentence = "js-retention shows one retention policy a run, not several.";
    assert!(out.stderr.contains(sentence), "{}", out.all);
    assert!(!out.contains("Connected"), "{}", out.all);
    let out = Step::run(Step::command(BIN).env("NATS_URL", server.url()), PATIENCE).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    let default = "limits, the default (the others: interest, workqueue)";
    assert!(out.contains(default), "{}", out.all);
    assert!(out.contains("RETENTION_LIMITS"), "{}", out.all);
}

#[test]
fn an_unknown_policy_is_one_sentence() {
    let server = checks::start(ServerOptions::new().jetstream(None));
    let out = Step::run(
        Step::command(BIN)
            .env("NATS_URL", server.url())
            .arg("forever"),
        PATIENCE,
    )
    .unwrap();
    assert_eq!(out.code, Some(1), "{}", out.all);
    assert!(
        out.stderr.contains("'forever' is not a retention policy."),
        "{}",
        out.all
    );
}

testkit::step_checks!(jetstream: BIN);

/// The guide's scene of the retention policies.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::ServerOptions;
    use testkit::scene::{Script, ok, terminal};

    #[test]
    fn scene_retention() {
        Script::play(retention);
    }

    /// js-retention: one run per retention policy, each from an empty stream.
    fn retention(s: &mut Script) -> Result<(), String> {
        s.heading("Persistence: retention policies (js-retention)");
        let server = s.server(ServerOptions::new().jetstream(None))?;
        s.say("terminal 1 $ cargo xtask server --jetstream");
        let runs = [
            (
                "limits",
                "order 6 refused: publish failed: maximum messages",
            ),
            (
                "interest",
                "0 message(s), first #6, last #5: acknowledged by",
            ),
            ("workqueue", "worker refused, JetStream error 10099"),
        ];
        for (mode, says) in runs {
            let block = format!("retention/{mode}");
            s.run(&block, terminal(2, "js-retention").args(&[mode]), ok(says));
        }
        drop(server);
        Ok(())
    }
}
