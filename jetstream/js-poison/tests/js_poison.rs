//! End-to-end tests of js-poison against a real JetStream server: for each way out of a poison
//! message, the exact deliveries of every job, the advisory the server publishes, and the
//! consumer's own counts at the end.
// A panic is the test failing with its message.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use testkit::{NatsServer, Output, PATIENCE, ServerOptions, Step, checks};

const BIN: &str = env!("CARGO_BIN_EXE_js-poison");

fn run(server: &NatsServer, mode: &str) -> Output {
    let mut command = Step::command(BIN);
    command.env("NATS_URL", server.url()).arg(mode);
    let out = Step::run(&mut command, PATIENCE).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    out
}

fn jetstream() -> NatsServer {
    checks::start(ServerOptions::new().jetstream(None))
}

/// Each job's deliveries, as the step logged them ("job 2: delivery 3 ..."), in order.
fn deliveries(out: &Output) -> BTreeMap<String, Vec<u32>> {
    let mut jobs: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for line in out.all.lines() {
        let Some((_, rest)) = line.split_once("] job ") else {
            continue;
        };
        let Some((job, rest)) = rest.split_once(": delivery ") else {
            continue;
        };
        let number = rest.split([',', ' ', ':']).next().unwrap().parse().unwrap();
        jobs.entry(format!("job {job}")).or_default().push(number);
    }
    jobs
}

/// Every job delivered once, except job 2, delivered `poison` times.
fn expected(poison: &[u32]) -> BTreeMap<String, Vec<u32>> {
    (1..=5)
        .map(|n| {
            let times = if n == 2 { poison.to_vec() } else { vec![1] };
            (format!("job {n}"), times)
        })
        .collect()
}

/// The seconds the step logged before `marker` on each line that has it.
fn seconds_before(out: &Output, marker: &str) -> Vec<f64> {
    let seconds = |line: &str| {
        let before = line.split(marker).next()?;
        before.rsplit(", ").next()?.parse::<f64>().ok()
    };
    out.all
        .lines()
        .filter(|l| l.contains(marker))
        .filter_map(seconds)
        .collect()
}

#[test]
fn max_deliver_stops_after_three_deliveries_and_the_server_says_so() {
    let server = jetstream();
    let out = run(&server, "max-deliver");
    assert_eq!(deliveries(&out), expected(&[1, 2, 3]), "{}", out.all);
    let advisory = "MAX_DELIVERIES.POISON.worker: stream_seq 2, deliveries 3";
    assert!(out.contains(advisory), "{}", out.all);
    let counts = "consumer: 7 deliveries, 0 awaiting an ack, 0 not delivered";
    assert!(out.contains(counts), "{}", out.all);
    // The server gave up delivering job 2, not storing it: the stream still has all five.
    let kept = testkit::read_stream(&server, "POISON", 5, PATIENCE).unwrap();
    assert_eq!(kept[1].payload, "job 2");
}

#[test]
fn a_terminated_message_is_delivered_once_and_never_again() {
    let server = jetstream();
    let out = run(&server, "term");
    assert_eq!(deliveries(&out), expected(&[1]), "{}", out.all);
    let advisory = "MSG_TERMINATED.POISON.worker: stream_seq 2, deliveries 1";
    assert!(out.contains(advisory), "{}", out.all);
    let counts = "consumer: 5 deliveries, 0 awaiting an ack, 0 not delivered";
    assert!(out.contains(counts), "{}", out.all);
    // Terminated is not acknowledged as done: job 2 stays in the stream.
    let kept = testkit::read_stream(&server, "POISON", 5, PATIENCE).unwrap();
    assert_eq!(kept[1].payload, "job 2");
}

#[test]
fn a_backoff_longer_than_max_deliver_allows_is_refused_with_10116() {
    let server = jetstream();
    let stream = r#"{"name": "POISON", "subjects": ["poison.>"]}"#;
    testkit::jetstream_api(&server, "$JS.API.STREAM.CREATE.POISON", stream).unwrap();
    // Three backoff steps need at least four deliveries; two are refused.
    let consumer = r#"{"stream_name": "POISON", "config": {"durable_name": "worker",
        "ack_policy": "explicit", "max_deliver": 2,
        "backoff": [1000000000, 2000000000, 4000000000]}}"#;
    let subject = "$JS.API.CONSUMER.CREATE.POISON.worker";
    let answers = testkit::requests(&server, subject, &[consumer], PATIENCE).unwrap();
    let answer = answers[0].as_ref().unwrap();
    assert!(answer.contains("\"err_code\":10116"), "{answer}");
}

#[test]
fn a_nak_with_a_delay_comes_back_after_the_delay_and_the_others_go_on_meanwhile() {
    let server = jetstream();
    let out = run(&server, "nak-delay");
    assert_eq!(deliveries(&out), expected(&[1, 2]), "{}", out.all);
    let after = seconds_before(&out, " s after its nak");
    assert!(
        matches!(after[..], [s] if s >= 1.9),
        "{after:?}\n{}",
        out.all
    );
    let job5 = out.all.find("job 5: delivery 1").unwrap();
    let again = out.all.find("job 2: delivery 2").unwrap();
    assert!(
        job5 < again,
        "job 2 came back before the others were done\n{}",
        out.all
    );
    let counts = "consumer: 6 deliveries, 0 awaiting an ack, 0 not delivered";
    assert!(out.contains(counts), "{}", out.all);
}

#[test]
fn a_backoff_spaces_the_redeliveries_one_two_then_four_seconds() {
    let server = jetstream();
    let out = run(&server, "backoff");
    assert_eq!(deliveries(&out), expected(&[1, 2, 3, 4]), "{}", out.all);
    let gaps = seconds_before(&out, " s after the one before");
    assert_eq!(gaps.len(), 3, "{}", out.all);
    for (gap, backoff) in gaps.iter().zip([1.0, 2.0, 4.0]) {
        assert!(
            *gap >= backoff - 0.1,
            "{gaps:?} for a backoff of 1, 2, 4 s\n{}",
            out.all
        );
    }
    let advisory = "MAX_DELIVERIES.POISON.worker: stream_seq 2, deliveries 4";
    assert!(out.contains(advisory), "{}", out.all);
    assert!(
        out.contains("consumer: 8 deliveries, 0 awaiting"),
        "{}",
        out.all
    );
}

#[test]
fn progress_acks_keep_a_slow_job_from_coming_back() {
    let server = jetstream();
    let out = run(&server, "progress");
    // Five seconds of work on job 1, with an ack_wait of two: delivered once all the same.
    assert_eq!(deliveries(&out), expected(&[1]), "{}", out.all);
    assert!(
        out.contains("job 1: working, 5 s of 5: progress ack"),
        "{}",
        out.all
    );
    let counts = "consumer: 5 deliveries, 0 awaiting an ack, 0 not delivered";
    assert!(out.contains(counts), "{}", out.all);
}

#[test]
fn max_ack_pending_caps_what_a_fetch_gets() {
    let server = jetstream();
    let out = run(&server, "max-ack-pending");
    assert_eq!(deliveries(&out), expected(&[1]), "{}", out.all);
    let batches: Vec<&str> = out
        .all
        .lines()
        .filter_map(|line| line.split_once("asked for 5, ").map(|(_, got)| got))
        .collect();
    assert_eq!(
        batches,
        ["got 2: job 1, job 2", "got 2: job 3, job 4", "got 1: job 5"]
    );
    let capped = "consumer: 2 deliveries, 2 awaiting an ack, 3 not delivered";
    assert!(out.contains(capped), "{}", out.all);
}

#[test]
fn an_unknown_mode_is_one_sentence() {
    let server = jetstream();
    let mut command = Step::command(BIN);
    command.env("NATS_URL", server.url()).arg("retry");
    let out = Step::run(&mut command, PATIENCE).unwrap();
    assert_eq!(out.code, Some(1), "{}", out.all);
    let sentence = "'retry' is not a way out for a poison message.";
    assert!(out.stderr.contains(sentence), "{}", out.all);
    assert!(out.stderr.contains("max-ack-pending"), "{}", out.all);
}

testkit::step_checks!(plain: BIN, auth_hint: "cargo xtask server", server: ServerOptions::new().jetstream(None));
