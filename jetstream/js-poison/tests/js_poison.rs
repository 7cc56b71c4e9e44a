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

/// What the work queue POISON still holds, from the server's stream info: how many messages,
/// and the sequence of the first (job N was published as sequence N).
fn left_in_queue(server: &NatsServer) -> (u64, u64) {
    let info = testkit::jetstream_api(server, "$JS.API.STREAM.INFO.POISON", "").unwrap();
    let state = &info["state"];
    (
        state["messages"].as_u64().unwrap(),
        state["first_seq"].as_u64().unwrap(),
    )
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
    let counts = "7 deliveries, 0 awaiting an ack, 0 not delivered";
    assert!(out.contains(counts), "{}", out.all);
    // The server gave up delivering job 2, not storing it: the work queue lost the four jobs
    // acked, and keeps job 2 (sequence 2) alone.
    assert_eq!(left_in_queue(&server), (1, 2), "{}", out.all);
    assert!(out.contains("1 job(s) left in POISON"), "{}", out.all);
}

#[test]
fn term_is_delivered_once_never_again_and_the_work_queue_removes_it_as_an_ack() {
    let server = jetstream();
    let out = run(&server, "term");
    assert_eq!(deliveries(&out), expected(&[1]), "{}", out.all);
    let advisory = "MSG_TERMINATED.POISON.worker: stream_seq 2, deliveries 1";
    assert!(out.contains(advisory), "{}", out.all);
    let counts = "5 deliveries, 0 awaiting an ack, 0 not delivered";
    assert!(out.contains(counts), "{}", out.all);
    // For retention a Term is an ack: the work queue removed job 2 with the four acked jobs.
    assert_eq!(left_in_queue(&server).0, 0, "{}", out.all);
    assert!(out.contains("0 job(s) left in POISON"), "{}", out.all);
}

/// Asks the server for the consumer `worker` with the backoff 1 s, 2 s, 4 s and `max_deliver`.
fn backoff_consumer(server: &NatsServer, max_deliver: u32) -> String {
    let consumer = format!(
        r#"{{"stream_name": "POISON", "config": {{"durable_name": "worker",
        "ack_policy": "explicit", "max_deliver": {max_deliver},
        "backoff": [1000000000, 2000000000, 4000000000]}}}}"#
    );
    let subject = "$JS.API.CONSUMER.CREATE.POISON.worker";
    let answers = testkit::requests(server, subject, &[&consumer], PATIENCE).unwrap();
    answers[0].clone().unwrap()
}

#[test]
fn a_backoff_with_more_steps_than_max_deliver_is_refused_with_10116_and_as_many_is_taken() {
    let server = jetstream();
    let stream = r#"{"name": "POISON", "subjects": ["poison.>"]}"#;
    testkit::jetstream_api(&server, "$JS.API.STREAM.CREATE.POISON", stream).unwrap();
    // Three steps and two deliveries: refused.
    let refused = backoff_consumer(&server, 2);
    assert!(refused.contains("\"err_code\":10116"), "{refused}");
    // Three steps and three deliveries: the boundary, taken by the pinned server.
    let taken = backoff_consumer(&server, 3);
    assert!(!taken.contains("\"error\""), "{taken}");
    assert!(taken.contains("\"max_deliver\":3"), "{taken}");
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
    let counts = "6 deliveries, 0 awaiting an ack, 0 not delivered";
    assert!(out.contains(counts), "{}", out.all);
    // Acked at its second delivery: nothing is left.
    assert_eq!(left_in_queue(&server).0, 0, "{}", out.all);
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
    assert!(out.contains("8 deliveries, 0 awaiting"), "{}", out.all);
    // Never acked, and no longer delivered: job 2 stays in the work queue.
    assert_eq!(left_in_queue(&server), (1, 2), "{}", out.all);
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
    let counts = "5 deliveries, 0 awaiting an ack, 0 not delivered";
    assert!(out.contains(counts), "{}", out.all);
    assert_eq!(left_in_queue(&server).0, 0, "{}", out.all);
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
    let capped = "2 deliveries, 2 awaiting an ack, 3 not delivered";
    assert!(out.contains(capped), "{}", out.all);
    // Delivered is not done: all five are in the queue while two await their acks.
    let first = out.all.find(capped).unwrap();
    let after = &out.all[first..];
    assert!(
        after
            .lines()
            .nth(1)
            .is_some_and(|l| l.ends_with("5 job(s) left in POISON")),
        "{}",
        out.all
    );
    assert_eq!(left_in_queue(&server).0, 0, "{}", out.all);
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

testkit::step_checks!(jetstream: BIN);

/// The guide's scene of a message that never succeeds.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::ServerOptions;
    use testkit::scene::{Script, terminal, whole_seconds};

    #[test]
    fn scene_poison() {
        Script::play(poison);
    }

    /// js-poison: each way out of a message that never succeeds, one run each.
    fn poison(s: &mut Script) -> Result<(), String> {
        s.heading("Persistence: a message that never succeeds (js-poison)");
        let server = s.server(ServerOptions::new().jetstream(None))?;
        s.say("terminal 1 $ cargo xtask server --jetstream");
        let modes = [
            "max-deliver",
            "term",
            "nak-delay",
            "backoff",
            "progress",
            "max-ack-pending",
        ];
        for mode in modes {
            let block = format!("poison/{mode}");
            let args = [mode];
            let program = terminal(2, "js-poison").args(&args);
            s.run_fixed(&block, program, "  consumer: ", whole_seconds);
        }
        drop(server);
        Ok(())
    }
}
