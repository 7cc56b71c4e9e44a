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
//! This file is what the three runs share; each policy is a file of its own, read top to
//! bottom: `limits.rs`, `interest.rs`, `workqueue.rs`.
//!
//! Run it (two terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server --jetstream
//! terminal 2:  cargo run -p js-retention -- limits      # or interest, or workqueue
//! ```

mod interest;
mod limits;
mod workqueue;

use std::time::Duration;

use async_nats::ConnectOptions;
use async_nats::jetstream::consumer::{AckPolicy, PullConsumer, pull};
use async_nats::jetstream::stream::{Config, ConsumerError, Stream};
use async_nats::jetstream::{self, Context};
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

    // Every run starts from zero: the stream goes, and comes back empty in the policy's file.
    let name = format!("RETENTION_{}", mode.to_uppercase());
    // Not found, the first time. (Had it failed otherwise, `create_stream` would say so.)
    let _ = js.delete_stream(&name).await;
    let config = Config {
        name: name.clone(),
        subjects: vec![format!("retention.{mode}.>")],
        ..Default::default()
    };
    match mode.as_str() {
        "limits" => limits::show(&js, config).await?,
        "interest" => interest::show(&js, config).await?,
        _ => workqueue::show(&js, config).await?,
    }
    info!("The stream {name} stays as it is, to inspect; the next run starts it afresh");
    Ok(())
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
