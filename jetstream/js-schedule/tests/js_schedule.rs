//! End-to-end tests of js-schedule against a real nats-server with JetStream. What the server
//! published is read back from the stream itself, after the run.
#![allow(clippy::unwrap_used)]

use testkit::{ServerOptions, checks};

const BIN: &str = env!("CARGO_BIN_EXE_js-schedule");

testkit::step_checks!(jetstream: BIN);

/// How many messages the stream holds on `subject` (a filter), through the JetStream API.
fn count(server: &testkit::NatsServer, subject: &str) -> u64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let js = async_nats::jetstream::new(async_nats::connect(server.url()).await.unwrap());
        let stream = js.get_stream("REMINDERS").await.unwrap();
        let info = stream.info_with_subjects(subject).await.unwrap();
        use futures_util::StreamExt;
        let subjects: Vec<_> = info.collect().await;
        subjects.into_iter().flatten().map(|(_, n)| n as u64).sum()
    })
}

#[test]
fn an_at_schedule_publishes_once_and_is_removed_an_every_schedule_repeats_until_purged() {
    let server = checks::start(ServerOptions::new().jetstream(None));
    let out = checks::run(BIN, &server.url(), &[], &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains(" js_schedule] "))
        .collect();
    let expected = [
        "tea: reminders.schedule.tea (@at ",
        "reminders.due.tea: 'tea' (Nats-Scheduler: reminders.schedule.tea), received ",
        "  stream: schedules left: none",
        "stretch: reminders.schedule.stretch (@every 1s, to reminders.due.stretch) stored as #3",
        "reminders.due.stretch: 'stretch' (Nats-Scheduler: reminders.schedule.stretch), #1,",
        "reminders.due.stretch: 'stretch' (Nats-Scheduler: reminders.schedule.stretch), #2,",
        "reminders.due.stretch: 'stretch' (Nats-Scheduler: reminders.schedule.stretch), #3,",
        "Purged reminders.schedule.stretch: that schedule stops",
        "  stream: schedules left: none",
    ];
    let mut at = 0;
    for want in expected {
        let found = lines[at..].iter().position(|l| l.contains(want));
        let found = found.unwrap_or_else(|| panic!("no '{want}' after line {at}:\n{}", out.all));
        at += found + 1;
    }
    // Not before its time: the delay after the @at time is never negative.
    let tea = lines
        .iter()
        .find(|l| l.contains("after its @at time"))
        .unwrap();
    let late: f64 = tea
        .split("received ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(late >= 0.0, "{tea}");
    // In the stream: tea once; three stretches or more (one may come before the purge); no
    // schedule left.
    assert_eq!(count(&server, "reminders.due.tea"), 1);
    assert!(count(&server, "reminders.due.stretch") >= 3);
    assert_eq!(count(&server, "reminders.schedule.>"), 0);
}

#[test]
fn a_target_outside_the_stream_is_refused_with_10190() {
    let server = checks::start(ServerOptions::new().jetstream(None));
    let out = checks::run(BIN, &server.url(), &[], &[]);
    assert!(
        out.contains("elsewhere: refused (@every 1s, to elsewhere): publish failed: message schedules target is invalid (code 400, error code 10190)"),
        "{}",
        out.all
    );
}
