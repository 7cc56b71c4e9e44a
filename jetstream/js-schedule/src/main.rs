//! # Persistence: messages the server publishes later (nats-server 2.14)
//!
//! A stream that allows schedules (`allow_message_schedules`) holds a **schedule**: a message
//! whose headers say when the server is to publish its body, and on which subject. async-nats
//! has constants for the headers but no builder, so each is written out here:
//!
//! - `Nats-Schedule`: when. `@at 2026-12-03T10:00:00Z` publishes once at that time (RFC 3339,
//!   in UTC), and the schedule is removed; `@every 1s` publishes at that interval (2.14), as
//!   does a cron line of six fields (`0 30 9 * * mon-fri`) or `@hourly`;
//! - `Nats-Schedule-Target`: the subject the server publishes on, a subject of the same stream
//!   (any other is refused, error 10190).
//!
//! Each schedule is the last message on a subject of its own (here `reminders.schedule.NAME`);
//! a new one on the subject replaces it, and purging the subject stops it. What the server
//! publishes carries the header `Nats-Scheduler`, the subject of the schedule that made it.
//!
//! Run it (two terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server --jetstream
//! terminal 2:  cargo run -p js-schedule
//! ```

use std::time::{Duration, Instant};

use async_nats::ConnectOptions;
use async_nats::header::{NATS_SCHEDULE, NATS_SCHEDULE_TARGET, NATS_SCHEDULER};
use async_nats::jetstream::consumer::pull;
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream::{Config, Stream};
use async_nats::jetstream::{self, Context};
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;
use time::format_description::well_known::Rfc3339;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_jetstream("js-schedule")?;
    let options = ConnectOptions::new().name(stepkit::connection_name("js-schedule"));
    let client = stepkit::in_class(options).connect(&url).await?;
    info!("Connected to {url}");
    // Schedules came with nats-server 2.12, repeating ones with 2.14.
    stepkit::needs_server(&client, (2, 14), "js-schedule")?;
    let js = jetstream::new(client);

    // Schedules are allowed on a stream made empty: each run starts from a new one.
    let _ = js.delete_stream("REMINDERS").await;
    let config = Config {
        name: "REMINDERS".into(),
        subjects: vec!["reminders.>".into()],
        allow_message_schedules: true,
        ..Default::default()
    };
    let stream = js.create_stream(config).await.map_err(failed)?;
    let consumer = pull::OrderedConfig {
        filter_subject: "reminders.due.>".into(),
        ..Default::default()
    };
    let due = stream.create_consumer(consumer).await.map_err(failed)?;
    let mut due = due.messages().await.map_err(failed)?;

    // Once, two seconds from now (whole seconds: the server schedules to the second).
    let second = time::OffsetDateTime::now_utc().replace_nanosecond(0);
    let at = second.map_err(failed)? + Duration::from_secs(2);
    let when = format!("@at {}", at.format(&Rfc3339).map_err(failed)?);
    info!(
        "tea: {}",
        schedule(&js, "tea", &when, "reminders.due.tea").await
    );
    let tea = next(&mut due).await?;
    let late = (time::OffsetDateTime::now_utc() - at).as_seconds_f64();
    info!("{tea}, received {late:.1} s after its @at time");
    info!("  stream: schedules left: {}", schedules(&stream).await?);

    // A target outside the stream is refused; then one that repeats, every second.
    info!(
        "elsewhere: {}",
        schedule(&js, "elsewhere", "@every 1s", "elsewhere").await
    );
    info!(
        "stretch: {}",
        schedule(&js, "stretch", "@every 1s", "reminders.due.stretch").await
    );
    let mut last = Instant::now();
    for n in 1..=3 {
        let (stretch, after) = (next(&mut due).await?, last.elapsed().as_secs_f64());
        info!("{stretch}, #{n}, {after:.0} s after the last");
        last = Instant::now();
    }

    // A repeating schedule stops when its subject is purged; an @at one is gone once it ran.
    stream
        .purge()
        .filter("reminders.schedule.stretch")
        .await
        .map_err(failed)?;
    info!("Purged reminders.schedule.stretch: that schedule stops");
    info!("  stream: schedules left: {}", schedules(&stream).await?);
    info!("The stream REMINDERS stays, to inspect; the next run starts afresh");
    Ok(())
}

/// Publishes the schedule NAME: its name as the body, on `target`, `when` the header says. The
/// answer is JetStream's: the schedule's sequence, or why it was refused.
async fn schedule(js: &Context, name: &str, when: &str, target: &str) -> String {
    let message = PublishMessage::build()
        .payload(name.to_string().into())
        .header(NATS_SCHEDULE, when)
        .header(NATS_SCHEDULE_TARGET, target);
    let subject = format!("reminders.schedule.{name}");
    let ack = match js.send_publish(subject.clone(), message).await {
        Ok(ack) => ack.await,
        Err(err) => return format!("not sent: {err}"),
    };
    match ack {
        Ok(ack) => format!(
            "{subject} ({when}, to {target}) stored as #{}",
            ack.sequence
        ),
        Err(refused) => format!("refused ({when}, to {target}): {refused}"),
    }
}

/// The next message the server published on `reminders.due.>`, with the schedule that made it.
async fn next(due: &mut pull::Ordered) -> Result<String, Problem> {
    let message = due
        .next()
        .await
        .ok_or_else(|| failed("the consumer ended"))?;
    let message = message.map_err(failed)?;
    let by = message.headers.as_ref().and_then(|h| h.get(NATS_SCHEDULER));
    let by = by.map(|value| value.to_string()).unwrap_or_default();
    let text = String::from_utf8_lossy(&message.payload);
    Ok(format!(
        "{}: '{text}' (Nats-Scheduler: {by})",
        message.subject
    ))
}

/// The subjects that hold a schedule, from stream info.
async fn schedules(stream: &Stream) -> Result<String, Problem> {
    let subjects = stream
        .info_with_subjects("reminders.schedule.>")
        .await
        .map_err(failed)?;
    let subjects: Vec<_> = subjects.collect().await;
    let names: Vec<String> = subjects.into_iter().flatten().map(|(s, _)| s).collect();
    Ok(Some(names.join(", "))
        .filter(|names| !names.is_empty())
        .unwrap_or("none".into()))
}

/// A JetStream request failed: usually a server without JetStream.
fn failed(err: impl std::fmt::Display) -> Problem {
    let hint = "is the server started with JetStream? `cargo xtask server --jetstream`";
    Problem::new(format!("JetStream failed: {err}.")).hint(hint)
}
