//! # Persistence: messages and keys that expire (nats-server 2.11)
//!
//! A stream's limits age every message alike (js-retention). A message can also carry its own
//! time to live, the header `Nats-TTL` (`PublishMessage::ttl`), once its stream allows it with
//! `allow_message_ttl`: without that, the server refuses such a message (error 10166). When
//! the last message of a subject expires, a stream with `subject_delete_marker_ttl` stores a
//! **delete marker** in its place, a message without payload whose header
//! `Nats-Marker-Reason: MaxAge` tells consumers that the subject is gone; the marker expires
//! after its own TTL. A key-value bucket with `limit_markers` gives a key a TTL
//! (`create_with_ttl`), and a watcher sees the expiry as a purge.
//!
//! A TTL is the earliest moment a message goes, not the moment: the server removes expired
//! messages in passes. This step logs how long each took. It needs nats-server 2.11 or newer.
//!
//! Run it (two terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server --jetstream
//! terminal 2:  cargo run -p js-ttl
//! ```

use std::time::{Duration, Instant};

use async_nats::ConnectOptions;
use async_nats::jetstream::consumer::pull;
use async_nats::jetstream::kv::{self, Operation};
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream::{Config, StorageType};
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_jetstream("js-ttl")?;
    let options = ConnectOptions::new().name(stepkit::connection_name("js-ttl"));
    let client = stepkit::in_class(options).connect(&url).await?;
    info!("Connected to {url}");
    // Message TTLs came with nats-server 2.11.
    stepkit::needs_server(&client, (2, 11), "js-ttl")?;
    let js = async_nats::jetstream::new(client);

    // In memory: sessions are meant to vanish. Each run starts from an empty stream.
    let _ = js.delete_stream("SESSIONS").await;
    let mut config = Config {
        name: "SESSIONS".into(),
        subjects: vec!["sessions.>".into()],
        storage: StorageType::Memory,
        ..Default::default()
    };
    js.create_stream(config.clone()).await.map_err(failed)?;
    let with_ttl = || {
        PublishMessage::build()
            .payload("signed in".into())
            .ttl(Duration::from_secs(1))
    };
    // The refusal comes in the acknowledgement: the message itself went out.
    let ack = js
        .send_publish("sessions.alice", with_ttl())
        .await
        .map_err(failed)?;
    match ack.await {
        Err(refused) => {
            info!("Without allow_message_ttl, a message with a TTL is refused: {refused}")
        }
        Ok(_) => info!("Stored with a TTL, though the stream does not allow TTLs"),
    }

    // Allowed now, with a marker for each subject whose last message expires (itself kept 2 s).
    config.allow_message_ttl = true;
    config.subject_delete_marker_ttl = Some(Duration::from_secs(2));
    js.update_stream(config).await.map_err(failed)?;
    let mut stream = js.get_stream("SESSIONS").await.map_err(failed)?;
    let sent = Instant::now();
    js.send_publish("sessions.alice", with_ttl())
        .await
        .map_err(failed)?
        .await
        .map_err(failed)?;
    js.publish("sessions.bob", "signed in".into())
        .await
        .map_err(failed)?
        .await
        .map_err(failed)?;
    info!("Published sessions.alice with a TTL of 1 s, and sessions.bob without one");

    // A consumer reads the stream as it goes: both sessions, then alice's marker.
    let consumer = stream
        .create_consumer(pull::OrderedConfig::default())
        .await
        .map_err(failed)?;
    let mut messages = consumer.messages().await.map_err(failed)?;
    while let Some(message) = messages.next().await {
        let message = message.map_err(failed)?;
        let marker = message
            .headers
            .as_ref()
            .and_then(|h| h.get("Nats-Marker-Reason"));
        match marker {
            None => info!(
                "{}: '{}'",
                message.subject,
                String::from_utf8_lossy(&message.payload)
            ),
            Some(reason) => {
                let after = sent.elapsed().as_secs_f64();
                info!(
                    "{}: a delete marker, Nats-Marker-Reason: {reason}, after {after:.1} s",
                    message.subject
                );
                break;
            }
        }
    }
    let left = stream.info().await.map_err(failed)?.state.messages;
    info!("  stream: {left} message(s): sessions.bob, and alice's marker until its own 2 s are up");

    // A key with a TTL: the bucket needs limit_markers (it sets the two stream settings above).
    let _ = js.delete_key_value("sessions").await;
    let bucket = kv::Config {
        bucket: "sessions".into(),
        storage: StorageType::Memory,
        limit_markers: Some(Duration::from_secs(2)),
        ..Default::default()
    };
    let bucket = js.create_key_value(bucket).await.map_err(failed)?;
    let mut watch = bucket.watch("carol").await.map_err(failed)?;
    let put = Instant::now();
    bucket
        .create_with_ttl("carol", "signed in".into(), Duration::from_secs(1))
        .await
        .map_err(failed)?;
    while let Some(entry) = watch.next().await {
        let entry = entry.map_err(failed)?;
        let after = put.elapsed().as_secs_f64();
        info!(
            "key {}: {:?} after {after:.1} s",
            entry.key, entry.operation
        );
        if entry.operation == Operation::Purge {
            break;
        }
    }
    info!(
        "The stream SESSIONS and the bucket sessions stay, to inspect; the next run starts afresh"
    );
    Ok(())
}

/// A JetStream request failed: usually a server without JetStream.
fn failed(err: impl std::fmt::Display) -> Problem {
    let hint = "is the server started with JetStream? `cargo xtask server --jetstream`";
    Problem::new(format!("JetStream failed: {err}.")).hint(hint)
}
