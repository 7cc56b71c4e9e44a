//! max_ack_pending: how many messages a consumer lets be delivered and not yet acknowledged.
//! At the cap it delivers nothing more, whatever a fetch asks for, until acks come back. It
//! keeps a worker (or all the workers sharing the consumer) from taking more than it can do.

use std::time::Duration;

use async_nats::jetstream::consumer::pull;
use async_nats::jetstream::stream::Stream;
use futures_util::StreamExt;
use log::info;

use crate::{Problem, counts, delivery, failed, worker};

pub async fn show(stream: &Stream) -> Result<(), Problem> {
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
