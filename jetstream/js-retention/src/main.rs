//! # Persistence: retention policies
//!
//! The first decision about a stream is how long it keeps a message. **limits** (the default)
//! keeps messages until a limit (a count, bytes, an age) pushes them out; with the discard
//! policy `new`, a full stream refuses new messages instead. **interest** keeps a message only
//! while a consumer still has to acknowledge it. **workqueue** keeps a message until one
//! consumer acknowledges it, and lets each subject have one consumer only. This step shows one
//! policy per run, on the stream `RETENTION_<MODE>` (subjects `retention.<mode>.>`), deleted and
//! made again at the start; it logs each claim with the stream's own counts (stream info), and
//! leaves the stream to be inspected.
//!
//! It reads top to bottom: `main` picks the policy and makes the stream's name and subjects;
//! then one function per policy, `limits`, `interest` and `workqueue`, each the whole of its
//! run; then the few helpers they share (publish, a consumer, acknowledge, the counts).
//!
//! Run it (two terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server --jetstream
//! terminal 2:  cargo run -p js-retention -- limits      # or interest, or workqueue
//! ```

use std::time::Duration;

use async_nats::ConnectOptions;
use async_nats::jetstream::consumer::{AckPolicy, PullConsumer, pull};
use async_nats::jetstream::stream::{
    Config, ConsumerError, ConsumerErrorKind, DiscardPolicy, RetentionPolicy, Stream,
};
use async_nats::jetstream::{self, Context, ErrorCode};
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_jetstream("js-retention")?;
    let hint = "cargo run -p js-retention -- limits (or interest, or workqueue)";
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = match args.as_slice() {
        [] => {
            info!("No policy named: limits, the default (the others: interest, workqueue)");
            "limits".to_string()
        }
        [mode] => mode.clone(),
        _ => {
            let sentence = "js-retention shows one retention policy a run, not several.";
            return Err(Problem::new(sentence).hint(hint));
        }
    };
    if !["limits", "interest", "workqueue"].contains(&mode.as_str()) {
        return Err(Problem::new(format!("'{mode}' is not a retention policy.")).hint(hint));
    }
    let options = ConnectOptions::new().name(stepkit::connection_name("js-retention"));
    let js = jetstream::new(stepkit::in_class(options).connect(&url).await?);
    info!("Connected to {url}");

    // Every run starts from zero: the stream goes, and comes back empty in the policy's function.
    let name = format!("RETENTION_{}", mode.to_uppercase());
    // Not found, the first time. (Had it failed otherwise, `create_stream` would say so.)
    let _ = js.delete_stream(&name).await;
    let config = Config {
        name: name.clone(),
        subjects: vec![format!("retention.{mode}.>")],
        ..Default::default()
    };
    match mode.as_str() {
        "limits" => limits(&js, config).await?,
        "interest" => interest(&js, config).await?,
        _ => workqueue(&js, config).await?,
    }
    info!("The stream {name} stays as it is, to inspect; the next run starts it afresh");
    Ok(())
}

/// limits: a stream keeps messages until one of its limits is reached (here 3 messages). Then
/// the discard policy decides: `old` (the default) drops the oldest to make room, `new` refuses
/// the message that does not fit, and the publisher learns it from the ack.
async fn limits(js: &Context, config: Config) -> Result<(), Problem> {
    let mut config = Config {
        max_messages: 3,
        ..config
    };
    let mut stream = js
        .create_stream(config.clone())
        .await
        .map_err(no_jetstream)?;
    info!("limits, at most 3 messages, discard old: publishing 5 orders");
    publish(js, "retention.limits.orders", &[1, 2, 3, 4, 5]).await?;
    counts(&mut stream, "the two oldest were discarded to make room").await?;

    // The same stream with the other discard policy: a full stream now says no.
    config.discard = DiscardPolicy::New;
    js.update_stream(config).await.map_err(failed)?;
    info!("discard new: a full stream refuses what comes");
    // The refusal comes in the ack: the publish itself went out.
    let subject = "retention.limits.orders";
    let ack = js
        .publish(subject, "order 6".into())
        .await
        .map_err(failed)?;
    match ack.await {
        Err(refused) => info!("order 6 refused: {refused}"),
        Ok(stored) => info!(
            "order 6 stored as #{}: a full stream should refuse it",
            stored.sequence
        ),
    }
    counts(&mut stream, "nothing dropped, nothing added").await
}

/// interest: a stream keeps a message only for the consumers that exist when it arrives, and
/// only until every one of them has acknowledged it. With no consumer, nothing is kept.
async fn interest(js: &Context, config: Config) -> Result<(), Problem> {
    let config = Config {
        retention: RetentionPolicy::Interest,
        ..config
    };
    let mut stream = js.create_stream(config).await.map_err(no_jetstream)?;
    info!("interest, no consumer yet: publishing 2 orders");
    publish(js, "retention.interest.orders", &[1, 2]).await?;
    counts(&mut stream, "no consumer was interested: not kept").await?;

    // Two consumers, two interests: a message stays until both have acknowledged it.
    let billing = consumer(&stream, "billing", "").await.map_err(failed)?;
    let shipping = consumer(&stream, "shipping", "").await.map_err(failed)?;
    info!("consumers billing and shipping: publishing 3 orders");
    publish(js, "retention.interest.orders", &[3, 4, 5]).await?;
    counts(&mut stream, "kept for both consumers").await?;
    acknowledge(&billing, "billing", 3).await?;
    counts(
        &mut stream,
        "billing acknowledged them; shipping has not yet",
    )
    .await?;
    acknowledge(&shipping, "shipping", 3).await?;
    counts(&mut stream, "acknowledged by every consumer: removed").await
}

/// workqueue: each message is for one consumer, and leaves the stream when it is acknowledged,
/// not before: a message that no consumer has taken yet waits in the queue. So two consumers
/// may not want the same subject: the server refuses the second with an error code. Consumers
/// filtered on disjoint subjects share the queue.
async fn workqueue(js: &Context, config: Config) -> Result<(), Problem> {
    let config = Config {
        retention: RetentionPolicy::WorkQueue,
        ..config
    };
    let mut stream = js.create_stream(config).await.map_err(no_jetstream)?;
    // Published before any consumer exists: the queue keeps them (interest would not).
    publish(js, "retention.workqueue.eu", &[1, 2]).await?;
    counts(&mut stream, "no consumer yet: both wait in the queue").await?;
    consumer(&stream, "all", "").await.map_err(failed)?;
    info!("workqueue: consumer all takes every subject; worker wants every subject too");

    // The server says why it refuses, with an error code: 10099, a second consumer without a
    // filter, would take the messages the first one takes.
    let second = consumer(&stream, "worker", "").await;
    match second.map_err(|err| err.kind()) {
        Err(ConsumerErrorKind::JetStream(err))
            if err.error_code() == ErrorCode::CONSUMER_WQ_MULTIPLE_UNFILTERED =>
        {
            info!("worker refused, JetStream error 10099: {err}")
        }
        other => info!(
            "worker: {:?}, where a work queue refuses it",
            other.map(|_| ())
        ),
    }

    // Without `all`, two consumers on disjoint subjects are both accepted.
    stream.delete_consumer("all").await.map_err(failed)?;
    let eu = consumer(&stream, "eu", "retention.workqueue.eu")
        .await
        .map_err(failed)?;
    let us = consumer(&stream, "us", "retention.workqueue.us")
        .await
        .map_err(failed)?;
    info!("consumers eu and us, on disjoint subjects: both accepted");
    publish(js, "retention.workqueue.us", &[3]).await?;
    counts(&mut stream, "three orders waiting").await?;
    acknowledge(&eu, "eu", 2).await?;
    counts(&mut stream, "eu's two acknowledged: gone from the stream").await?;
    acknowledge(&us, "us", 1).await?;
    counts(&mut stream, "the queue is empty").await
}

/// Publishes `order N` on `subject` for each N; JetStream acknowledges each with its sequence.
async fn publish(js: &Context, subject: &str, orders: &[u32]) -> Result<(), Problem> {
    for n in orders {
        // Sent, then stored: the second await is JetStream's acknowledgement.
        let ack = js.publish(subject.to_string(), format!("order {n}").into());
        let stored = async { ack.await?.await }.await.map_err(failed)?;
        info!("order {n} stored as #{}", stored.sequence);
    }
    Ok(())
}

/// A durable pull consumer with explicit acks, on `filter` (empty: every subject).
async fn consumer(
    stream: &Stream,
    name: &str,
    filter: &str,
) -> Result<PullConsumer, ConsumerError> {
    let config = pull::Config {
        durable_name: Some(name.to_string()),
        filter_subject: filter.to_string(),
        ack_policy: AckPolicy::Explicit,
        ..Default::default()
    };
    stream.create_consumer(config).await
}

/// Fetches `count` messages for `name`, and acknowledges each (double: the server confirms).
async fn acknowledge(consumer: &PullConsumer, name: &str, count: usize) -> Result<(), Problem> {
    let batch = consumer.fetch().max_messages(count);
    let batch = batch.expires(Duration::from_secs(1));
    let mut messages = batch.messages().await.map_err(failed)?;
    while let Some(message) = messages.next().await {
        let message = message.map_err(failed)?;
        message.double_ack().await.map_err(failed)?;
        let text = String::from_utf8_lossy(&message.payload);
        info!("{name} acknowledged '{text}'");
    }
    Ok(())
}

/// The stream's own counts, from stream info, with the claim they show.
async fn counts(stream: &mut Stream, claim: &str) -> Result<(), Problem> {
    let state = &stream.info().await.map_err(failed)?.state;
    let (messages, first, last) = (state.messages, state.first_sequence, state.last_sequence);
    info!("  stream: {messages} message(s), first #{first}, last #{last}: {claim}");
    Ok(())
}

/// A JetStream request or an acknowledgement failed once the stream existed.
fn failed(err: impl std::fmt::Display) -> Problem {
    let hint = "is the server still running? Run js-retention again: each run starts afresh";
    Problem::new(format!("JetStream failed: {err}.")).hint(hint)
}

/// The stream could not be made: usually a server without JetStream.
fn no_jetstream(err: impl std::fmt::Display) -> Problem {
    let hint = "is the server started with JetStream? `cargo xtask server --jetstream`";
    Problem::new(format!("JetStream refused the stream: {err}.")).hint(hint)
}
