//! # Persistence: a counter stream (nats-server 2.12)
//!
//! A counter in a key-value bucket is read, added to and written back: two writers that read
//! the same value lose an increment unless they compare-and-set and retry (the kv-counter
//! exercise). A **counter stream** (`allow_message_counter`) adds on the server instead. A
//! message with the header `Nats-Incr: +N` (or `-N`) and no payload increments its subject's
//! counter; the server stores the new total as `{"val":"..."}`, and the acknowledgement carries
//! it (`PublishAck::value`). Nobody reads before writing, so nothing races: writers at once
//! give the exact total. async-nats has no builder for it, so the header is written out here.
//! Without the header, a counter stream refuses a message (10169); a stream without the setting
//! refuses the header (10168). It needs nats-server 2.12 or newer.
//!
//! Run it (two terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server --jetstream
//! terminal 2:  cargo run -p js-counter -- [WRITERS] [EACH]     # default: 4 writers, 25 each
//! ```

use std::future::IntoFuture;
use std::time::Instant;

use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream::Config;
use async_nats::jetstream::{self, Context};
use async_nats::{Client, ConnectOptions};
use futures_util::future::join_all;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_jetstream("js-counter")?;
    let (writers, each) = (
        stepkit::number_arg(1, "WRITERS", 4)?,
        stepkit::number_arg(2, "EACH", 25)?,
    );
    let client = connect(&url).await?;
    info!("Connected to {url}");
    // Counter streams came with nats-server 2.12.
    stepkit::needs_server(&client, (2, 12), "js-counter")?;
    let js = jetstream::new(client);

    // A plain stream first: it refuses an increment. Then the counter stream, made afresh.
    let _ = js.delete_stream("COUNTERS").await;
    let mut config = Config {
        name: "COUNTERS".into(),
        subjects: vec!["counters.>".into()],
        ..Default::default()
    };
    js.create_stream(config.clone()).await.map_err(failed)?;
    info!(
        "Without allow_message_counter: {}",
        stored(&js, increment("+1")).await
    );
    js.delete_stream("COUNTERS").await.map_err(failed)?;
    config.allow_message_counter = true;
    js.create_stream(config).await.map_err(failed)?;
    let plain = PublishMessage::build().payload("1".into());
    info!("A message without Nats-Incr: {}", stored(&js, plain).await);

    // The writers, each with a connection of its own, all at once: every increment is sent
    // before any acknowledgement is awaited.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..writers {
        let js = jetstream::new(connect(&url).await?);
        tasks.push(tokio::spawn(async move {
            let mut acks = Vec::new();
            for _ in 0..each {
                acks.push(js.send_publish("counters.views", increment("+1")).await?);
            }
            let stored = join_all(acks.into_iter().map(IntoFuture::into_future)).await;
            stored
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
                .map(|acks| acks.len())
        }));
    }
    let mut acknowledged = 0;
    for task in join_all(tasks).await {
        acknowledged += task.map_err(failed)?.map_err(failed)?;
    }
    let took = started.elapsed().as_millis();
    info!(
        "{writers} writers sent {each} increments each at once: {acknowledged} acknowledged in {took} ms"
    );

    // The total, as the stream keeps it: the subject's last message is `{"val":"..."}`.
    let stream = js.get_stream("COUNTERS").await.map_err(failed)?;
    let last = stream
        .get_last_raw_message_by_subject("counters.views")
        .await
        .map_err(failed)?;
    let total: serde_json::Value = serde_json::from_slice(&last.payload).unwrap_or_default();
    info!(
        "counters.views = {} (stored as {}), none lost",
        total["val"].as_str().unwrap_or("?"),
        String::from_utf8_lossy(&last.payload)
    );
    info!(
        "A decrement, Nats-Incr: -10: {}",
        stored(&js, increment("-10")).await
    );
    info!("The stream COUNTERS stays, to inspect; the next run starts afresh");
    Ok(())
}

/// An increment: the header `Nats-Incr` with a signed whole number, and no payload.
fn increment(by: &str) -> PublishMessage {
    PublishMessage::build().header("Nats-Incr", by)
}

/// Publishes on `counters.views`; what the acknowledgement says: the new total, or the refusal.
async fn stored(js: &Context, message: PublishMessage) -> String {
    let ack = match js.send_publish("counters.views", message).await {
        Ok(ack) => ack.await,
        Err(err) => return format!("not sent: {err}"),
    };
    match ack {
        Ok(ack) => format!("the total is now {}", ack.value.unwrap_or_default()),
        Err(refused) => format!("refused: {refused}"),
    }
}

async fn connect(url: &stepkit::NatsUrl) -> Result<Client, Problem> {
    let options = ConnectOptions::new().name(stepkit::connection_name("js-counter"));
    Ok(stepkit::in_class(options).connect(url).await?)
}

/// A JetStream request failed: usually a server without JetStream.
fn failed(err: impl std::fmt::Display) -> Problem {
    let hint = "is the server started with JetStream? `cargo xtask server --jetstream`";
    Problem::new(format!("JetStream failed: {err}.")).hint(hint)
}
