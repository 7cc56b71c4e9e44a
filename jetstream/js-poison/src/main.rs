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
//! consumer's own counts and the stream's. It reads top to bottom: `main` makes the stream and
//! picks the way out; then one function per way out (`max_deliver`, `term`, `nak_delay`,
//! `backoff`, `progress`, `max_ack_pending`), each the whole of its run; then the helpers
//! they share.
//!
//! Run it (two terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server --jetstream
//! terminal 2:  cargo run -p js-poison -- max-deliver
//!              (or term, nak-delay, backoff, progress, max-ack-pending)
//! ```

use std::time::{Duration, Instant};

use async_nats::jetstream::consumer::{AckPolicy, PullConsumer, pull};
use async_nats::jetstream::stream::{Config, RetentionPolicy, Stream};
use async_nats::jetstream::{self, AckKind, Message};
use async_nats::{Client, ConnectOptions, Subscriber};
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
        "max-deliver" => max_deliver(&client, &stream).await,
        "term" => term(&client, &stream).await,
        "nak-delay" => nak_delay(&stream).await,
        "backoff" => backoff(&client, &stream).await,
        "progress" => progress(&stream).await,
        _ => max_ack_pending(&stream).await,
    }
}

/// max_deliver: the server delivers a message at most N times. After the last one fails, it
/// stops, leaves the message in the stream, and publishes an advisory on
/// `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<consumer>` for whoever must know.
async fn max_deliver(client: &Client, stream: &Stream) -> Result<(), Problem> {
    // Subscribed before the consumer exists, so that no advisory can be missed.
    let subject = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.POISON.worker";
    let mut advisories = client.subscribe(subject).await.map_err(failed)?;
    let config = pull::Config {
        max_deliver: 3,
        ..Default::default()
    };
    let mut consumer = worker(stream, config).await?;
    info!("consumer worker: max_deliver 3");

    let mut messages = consumer.messages().await.map_err(failed)?;
    let (mut done, mut failures) = (0, 0);
    while done < 4 || failures < 3 {
        let Some(message) = messages.next().await else {
            break;
        };
        let message = message.map_err(failed)?;
        let (job, delivered) = delivery(&message)?;
        if job == "job 2" {
            // A nak without a delay: the server delivers it again at once.
            message.ack_with(AckKind::Nak(None)).await.map_err(failed)?;
            info!("{job}: delivery {delivered} of at most 3, failed: nak");
            failures += 1;
        } else {
            message.double_ack().await.map_err(failed)?;
            info!("{job}: delivery {delivered}, done: ack");
            done += 1;
        }
    }
    // The third failure was the last: the server gives up on job 2 and says so.
    advisory(&mut advisories).await?;
    counts(&mut consumer, stream).await
}

/// Term: the worker knows a message will never succeed (it cannot be parsed, say) and tells
/// the server to stop delivering it: delivered once, never again. For the stream, a Term
/// counts as an acknowledgement: on this work queue job 2 is removed, as the jobs acked are
/// (a limits stream would keep both). What Term adds is an advisory on
/// `$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.<stream>.<consumer>`: whoever must know learns
/// which message was given up. To keep a poison job for a person to look at, copy it somewhere
/// before the Term, or let `max_deliver` stop it (which leaves it in the queue).
async fn term(client: &Client, stream: &Stream) -> Result<(), Problem> {
    let subject = "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.POISON.worker";
    let mut advisories = client.subscribe(subject).await.map_err(failed)?;
    let mut consumer = worker(stream, pull::Config::default()).await?;
    info!("consumer worker: job 2 is terminated at its first failure");

    let mut messages = consumer.messages().await.map_err(failed)?;
    for _ in 1..=5 {
        let Some(message) = messages.next().await else {
            break;
        };
        let message = message.map_err(failed)?;
        let (job, delivered) = delivery(&message)?;
        if job == "job 2" {
            message.ack_with(AckKind::Term).await.map_err(failed)?;
            info!("{job}: delivery {delivered}, failed for good: term");
        } else {
            message.double_ack().await.map_err(failed)?;
            info!("{job}: delivery {delivered}, done: ack");
        }
    }
    advisory(&mut advisories).await?;
    // Nothing waits for an ack, and the queue is empty: job 2 went with the others.
    counts(&mut consumer, stream).await
}

/// A nak with a delay: "not now, try again in 2 seconds". The server redelivers the message
/// after the delay, not at once, and delivers the other messages meanwhile. Right for a
/// failure that may pass: a service that is down, a lock that is held.
async fn nak_delay(stream: &Stream) -> Result<(), Problem> {
    let mut consumer = worker(stream, pull::Config::default()).await?;
    info!("consumer worker: job 2 fails once, and is nak'd with a delay of 2 s");

    let mut messages = consumer.messages().await.map_err(failed)?;
    let (mut done, mut nak_at) = (0, Instant::now());
    while done < 5 {
        let Some(message) = messages.next().await else {
            break;
        };
        let message = message.map_err(failed)?;
        let (job, delivered) = delivery(&message)?;
        if job == "job 2" && delivered == 1 {
            let delay = AckKind::Nak(Some(Duration::from_secs(2)));
            message.ack_with(delay).await.map_err(failed)?;
            nak_at = Instant::now();
            info!("{job}: delivery {delivered}, failed: nak with a delay of 2 s");
            continue;
        }
        message.double_ack().await.map_err(failed)?;
        if job == "job 2" {
            let after = nak_at.elapsed().as_secs_f64();
            info!("{job}: delivery {delivered}, {after:.1} s after its nak, done: ack");
        } else {
            info!("{job}: delivery {delivered}, done: ack");
        }
        done += 1;
    }
    counts(&mut consumer, stream).await
}

/// A backoff schedule: when a message is not acknowledged in time, the consumer waits longer
/// before each redelivery, here 1 s, then 2 s, then 4 s. `backoff` replaces `ack_wait`. A
/// backoff with more steps than `max_deliver` allows deliveries is refused (error 10116):
/// nats-server 2.14 and 2.15 take 3 steps with a `max_deliver` of 3 (the last step is then never
/// waited), and refuses them with 2. Here `max_deliver` 4 waits every step once.
async fn backoff(client: &Client, stream: &Stream) -> Result<(), Problem> {
    let subject = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.POISON.worker";
    let mut advisories = client.subscribe(subject).await.map_err(failed)?;
    let seconds = [1, 2, 4].map(Duration::from_secs);
    let config = pull::Config {
        backoff: seconds.to_vec(),
        max_deliver: 4,
        ..Default::default()
    };
    let mut consumer = worker(stream, config).await?;
    info!("consumer worker: backoff 1 s, 2 s, 4 s; max_deliver 4");

    let mut messages = consumer.messages().await.map_err(failed)?;
    let (mut done, mut failures, mut last) = (0, 0, Instant::now());
    while done < 4 || failures < 4 {
        let Some(message) = messages.next().await else {
            break;
        };
        let message = message.map_err(failed)?;
        let (job, delivered) = delivery(&message)?;
        if job == "job 2" {
            // No ack at all, as from a worker that hung or crashed: the server waits.
            let since = last.elapsed().as_secs_f64();
            if delivered == 1 {
                info!("{job}: delivery 1: no ack");
            } else {
                info!("{job}: delivery {delivered}, {since:.1} s after the one before: no ack");
            }
            (last, failures) = (Instant::now(), failures + 1);
        } else {
            message.double_ack().await.map_err(failed)?;
            info!("{job}: delivery {delivered}, done: ack");
            done += 1;
        }
    }
    advisory(&mut advisories).await?;
    counts(&mut consumer, stream).await
}

/// Progress acks: a handler that needs longer than `ack_wait` tells the server it is still at
/// work (`AckKind::Progress`, "+WPI"); each one gives it another `ack_wait`. Without them the
/// server would deliver the message again, to this worker or another, while it is still
/// being handled.
async fn progress(stream: &Stream) -> Result<(), Problem> {
    let config = pull::Config {
        ack_wait: Duration::from_secs(2),
        ..Default::default()
    };
    let mut consumer = worker(stream, config).await?;
    info!("consumer worker: ack_wait 2 s; job 1 takes 5 s");

    // One message at a time: a fetched message's ack_wait runs from its delivery, so one
    // waiting behind a slow job would run out before its turn.
    loop {
        let batch = consumer
            .fetch()
            .max_messages(1)
            .expires(Duration::from_secs(1));
        let Some(message) = batch.messages().await.map_err(failed)?.next().await else {
            break; // an empty batch: every job is done
        };
        let message = message.map_err(failed)?;
        let (job, delivered) = delivery(&message)?;
        if job == "job 1" {
            for second in 1..=5 {
                tokio::time::sleep(Duration::from_secs(1)).await; // the work, a second of it
                message.ack_with(AckKind::Progress).await.map_err(failed)?;
                info!("{job}: working, {second} s of 5: progress ack");
            }
        }
        message.double_ack().await.map_err(failed)?;
        info!("{job}: delivery {delivered}, done: ack");
    }
    // Five deliveries for five jobs: job 1 was never delivered again.
    counts(&mut consumer, stream).await
}

/// max_ack_pending: how many messages a consumer lets be delivered and not yet acknowledged.
/// At the cap it delivers nothing more, whatever a fetch asks for, until acks come back. It
/// keeps a worker (or all the workers sharing the consumer) from taking more than it can do.
async fn max_ack_pending(stream: &Stream) -> Result<(), Problem> {
    let config = pull::Config {
        max_ack_pending: 2,
        ..Default::default()
    };
    let mut consumer = worker(stream, config).await?;
    info!("consumer worker: max_ack_pending 2");

    loop {
        // Ask for 5; the server hands out at most 2 unacknowledged ones.
        let batch = consumer
            .fetch()
            .max_messages(5)
            .expires(Duration::from_secs(1));
        let mut messages = batch.messages().await.map_err(failed)?;
        let mut held = Vec::new();
        while let Some(message) = messages.next().await {
            held.push(message.map_err(failed)?);
        }
        if held.is_empty() {
            break; // every job is done
        }
        let jobs: Vec<String> = held
            .iter()
            .map(|m| String::from_utf8_lossy(&m.payload).into())
            .collect();
        info!("asked for 5, got {}: {}", held.len(), jobs.join(", "));
        counts(&mut consumer, stream).await?;
        for message in held {
            let (job, delivered) = delivery(&message)?;
            message.double_ack().await.map_err(failed)?;
            info!("{job}: delivery {delivered}, done: ack");
        }
    }
    counts(&mut consumer, stream).await
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
