//! # Persistence: a message that never succeeds
//!
//! A JetStream consumer delivers a message again until it is acknowledged: at least once. A
//! message that always makes its handler fail (a **poison** message) would come back forever.
//! The consumer and the acknowledgement give a worker ways out: `max_deliver` (the server gives
//! up after N deliveries and says so in an advisory), `Term` (the worker gives up at once), a
//! nak with a delay and a `backoff` schedule (try again later, not at once), progress acks (a
//! slow handler asks for more time) and `max_ack_pending` (how much may be in flight).
//!
//! Each run shows one of them on the stream `POISON` (subjects `poison.>`), made again with
//! `job 1` to `job 5` at the start; `job 2` is the one that fails. `POISON` is a work queue, as
//! a queue of jobs is: a job leaves the stream when it is acknowledged, so what is left at the
//! end is what nobody finished. Each run logs every delivery with its number, and ends with the
//! consumer's own counts and the stream's. This file is what the runs share; each
//! way out is a file of its own: `max_deliver.rs`, `term.rs`, `nak_delay.rs`, `backoff.rs`,
//! `progress.rs`, `max_ack_pending.rs`.
//!
//! Run it (two terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server --jetstream
//! terminal 2:  cargo run -p js-poison -- max-deliver
//!              (or term, nak-delay, backoff, progress, max-ack-pending)
//! ```

mod backoff;
mod max_ack_pending;
mod max_deliver;
mod nak_delay;
mod progress;
mod term;

use std::time::Duration;

use async_nats::jetstream::consumer::{AckPolicy, PullConsumer, pull};
use async_nats::jetstream::stream::{Config, RetentionPolicy, Stream};
use async_nats::jetstream::{self, Message};
use async_nats::{ConnectOptions, Subscriber};
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;

const MODES: [&str; 6] = [
    "max-deliver",
    "term",
    "nak-delay",
    "backoff",
    "progress",
    "max-ack-pending",
];

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_jetstream("js-poison")?;
    let mode = stepkit::arg(1, "max-deliver");
    if !MODES.contains(&mode.as_str()) {
        let hint = format!(
            "cargo run -p js-poison -- MODE, with MODE one of {}",
            MODES.join(", ")
        );
        return Err(
            Problem::new(format!("'{mode}' is not a way out for a poison message.")).hint(hint),
        );
    }
    let options = ConnectOptions::new().name(stepkit::connection_name("js-poison"));
    let client = stepkit::in_class(options).connect(&url).await?;
    info!("Connected to {url}");
    let js = jetstream::new(client.clone());

    // Every run starts from zero: the stream goes, and comes back with five jobs.
    // Not found, the first time. (Had it failed otherwise, `create_stream` would say so.)
    let _ = js.delete_stream("POISON").await;
    let config = Config {
        name: "POISON".to_string(),
        subjects: vec!["poison.>".to_string()],
        // A work queue: an acknowledged job is removed, so the stream keeps what is not done.
        retention: RetentionPolicy::WorkQueue,
        ..Default::default()
    };
    let stream = js.create_stream(config).await.map_err(no_jetstream)?;
    for n in 1..=5 {
        // Sent, then stored: the second await is JetStream's acknowledgement.
        let ack = js.publish("poison.jobs", format!("job {n}").into());
        async { ack.await?.await }.await.map_err(failed)?;
    }
    info!("Stream POISON holds job 1 to job 5");
    match mode.as_str() {
        "max-deliver" => max_deliver::show(&client, &stream).await,
        "term" => term::show(&client, &stream).await,
        "nak-delay" => nak_delay::show(&stream).await,
        "backoff" => backoff::show(&client, &stream).await,
        "progress" => progress::show(&stream).await,
        _ => max_ack_pending::show(&stream).await,
    }
}

/// The durable pull consumer `worker` with explicit acks; `config` sets the rest.
async fn worker(stream: &Stream, config: pull::Config) -> Result<PullConsumer, Problem> {
    let config = pull::Config {
        durable_name: Some("worker".to_string()),
        ack_policy: AckPolicy::Explicit,
        ..config
    };
    stream.create_consumer(config).await.map_err(failed)
}

/// A delivery's job, and its number: the server counts deliveries, 1 the first time.
fn delivery(message: &Message) -> Result<(String, i64), Problem> {
    let job = String::from_utf8_lossy(&message.payload).into_owned();
    Ok((job, message.info().map_err(failed)?.delivered))
}

/// Waits for the advisory the server published about `job 2`, and logs what it says.
async fn advisory(advisories: &mut Subscriber) -> Result<(), Problem> {
    let next = tokio::time::timeout(Duration::from_secs(10), advisories.next()).await;
    let Ok(Some(advisory)) = next else {
        return Err(Problem::new("no advisory came within 10 s."));
    };
    // The advisory is JSON: which message (its stream sequence), after how many deliveries.
    let subject = advisory.subject;
    let json: serde_json::Value = serde_json::from_slice(&advisory.payload).map_err(|err| {
        let text = String::from_utf8_lossy(&advisory.payload);
        Problem::new(format!(
            "the advisory on {subject} is not JSON ({err}): {text}."
        ))
    })?;
    let (seq, deliveries) = (&json["stream_seq"], &json["deliveries"]);
    info!("advisory on {subject}: stream_seq {seq}, deliveries {deliveries}");
    Ok(())
}

/// The consumer's own counts (consumer info): deliveries in all, what waits for an ack, and
/// what has not been delivered yet; then what the work queue still holds (stream info).
async fn counts(consumer: &mut PullConsumer, stream: &Stream) -> Result<(), Problem> {
    let info = consumer.info().await.map_err(failed)?;
    let (deliveries, pending) = (info.delivered.consumer_sequence, info.num_ack_pending);
    let waiting = info.num_pending;
    info!(
        "  consumer: {deliveries} deliveries, {pending} awaiting an ack, {waiting} not delivered"
    );
    let held = stream.get_info().await.map_err(failed)?.state.messages;
    info!("  stream: {held} job(s) left in POISON");
    Ok(())
}

/// A JetStream request or an acknowledgement failed once the stream existed.
fn failed(err: impl std::fmt::Display) -> Problem {
    let hint = "is the server still running? Run js-poison again: each run starts afresh";
    Problem::new(format!("JetStream failed: {err}.")).hint(hint)
}

/// The first JetStream request failed: usually a server without JetStream.
fn no_jetstream(err: impl std::fmt::Display) -> Problem {
    let hint = "is the server started with JetStream? `cargo xtask server --jetstream`";
    Problem::new(format!("JetStream refused the stream POISON: {err}.")).hint(hint)
}
