//! End-to-end tests of js-schedule against a real nats-server with JetStream. What the server
//! published is read back from the stream itself, after the run.
#![allow(clippy::unwrap_used)]

use testkit::scene::Played;

const BIN: &str = env!("CARGO_BIN_EXE_js-schedule");

testkit::step_checks!(jetstream: BIN, needs: ("js-schedule", "2.14"));

/// How many messages the stream holds on `subject` (a filter), through the JetStream API.
fn count(server: &testkit::NatsServer, subject: &str) -> u64 {
    testkit::with_client(server, async |client| {
        use futures_util::StreamExt;
        let js = async_nats::jetstream::new(client);
        let stream = js.get_stream("REMINDERS").await.unwrap();
        let subjects: Vec<_> = stream
            .info_with_subjects(subject)
            .await
            .unwrap()
            .collect()
            .await;
        subjects.into_iter().flatten().map(|(_, n)| n as u64).sum()
    })
    .unwrap()
}

/// What the lesson's header says besides `@at` and `@every`: a cron line of six fields and
/// `@hourly` are schedules too. A cron line for every second has the server store a message on
/// its target within three seconds, with `Nats-Scheduler` (the server writes it into the stream
/// itself, so it is read from the stream); `@hourly` is stored as a schedule.
#[test]
fn a_cron_line_and_hourly_are_schedules_too() {
    use async_nats::header::{NATS_SCHEDULE, NATS_SCHEDULE_TARGET, NATS_SCHEDULER};
    use async_nats::jetstream::{self, message::PublishMessage, stream::Config};

    let server = testkit::checks::start(testkit::ServerOptions::new().jetstream(None));
    let (scheduler, hourly) = testkit::with_client(&server, async |client| {
        let js = jetstream::new(client);
        let config = Config {
            name: "CRON".to_string(),
            subjects: vec!["cron.>".to_string()],
            allow_message_schedules: true,
            ..Default::default()
        };
        let stream = js.create_stream(config).await.unwrap();
        let schedule = |when: &str, target: &str| {
            PublishMessage::build()
                .header(NATS_SCHEDULE, when)
                .header(NATS_SCHEDULE_TARGET, target)
                .payload("tick".into())
        };
        let every_second = schedule("* * * * * *", "cron.due.second");
        let ack = js.send_publish("cron.schedule.second", every_second).await;
        ack.unwrap().await.unwrap();
        let hourly = schedule("@hourly", "cron.due.hourly");
        let ack = js.send_publish("cron.schedule.hourly", hourly).await;
        let hourly = ack.unwrap().await.map(|ack| ack.sequence);
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(3);
        let published = loop {
            match stream
                .get_last_raw_message_by_subject("cron.due.second")
                .await
            {
                Ok(message) => break message,
                Err(_) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(err) => panic!("nothing on cron.due.second within 3 s: {err}"),
            }
        };
        let by = published.headers.get(NATS_SCHEDULER).map(|v| v.to_string());
        (by, hourly.map_err(|err| err.to_string()))
    })
    .unwrap();
    assert_eq!(scheduler.as_deref(), Some("cron.schedule.second"));
    assert!(hourly.is_ok(), "@hourly was refused: {hourly:?}");
}

/// Checked on the guide scene's run (`guide::scene_schedule`).
fn an_at_schedule_publishes_once_and_is_removed_an_every_schedule_repeats_until_purged(
    played: &Played,
) {
    let (out, server) = (&played.out, &played.server);
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
    out.assert_lines_in_order(&expected);
    // Not before its time: the delay after the @at time is never negative.
    let tea = out
        .all
        .lines()
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
    assert_eq!(count(server, "reminders.due.tea"), 1);
    assert!(count(server, "reminders.due.stretch") >= 3);
    assert_eq!(count(server, "reminders.schedule.>"), 0);
}

/// Checked on the guide scene's run (`guide::scene_schedule`).
fn a_target_outside_the_stream_is_refused_with_10190(played: &Played) {
    let out = &played.out;
    assert!(
        out.contains("elsewhere: refused (@every 1s, to elsewhere): publish failed: message schedules target is invalid (code 400, error code 10190)"),
        "{}",
        out.all
    );
}

/// The guide's scene of messages the server publishes later.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::scene::Script;

    #[test]
    fn scene_schedule() {
        Script::play(schedule);
    }

    /// js-schedule, in one run, and the lesson's claims checked on that run.
    fn schedule(s: &mut Script) -> Result<(), String> {
        let played = s.one_run(
            "Persistence: messages the server publishes later (js-schedule)",
            "schedule/run",
            "js-schedule",
            at_time,
        )?;
        super::an_at_schedule_publishes_once_and_is_removed_an_every_schedule_repeats_until_purged(
            &played,
        );
        super::a_target_outside_the_stream_is_refused_with_10190(&played);
        Ok(())
    }

    /// A line with the time after `@at ` (RFC 3339, up to the comma) written as `<now + 2 s>`.
    fn at_time(line: &str) -> String {
        match line.split_once("@at ") {
            Some((before, after)) if after.starts_with(|c: char| c.is_ascii_digit()) => {
                let rest = after.find(',').map_or("", |comma| &after[comma..]);
                format!("{before}@at <now + 2 s>{rest}")
            }
            _ => line.to_string(),
        }
    }
}
