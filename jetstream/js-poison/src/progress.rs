//! Progress acks: a handler that needs longer than `ack_wait` tells the server it is still at
//! work (`AckKind::Progress`, "+WPI"); each one gives it another `ack_wait`. Without them the
//! server would deliver the message again, to this worker or another, while it is still
//! being handled.

use std::time::Duration;

use async_nats::jetstream::AckKind;
use async_nats::jetstream::consumer::pull;
use async_nats::jetstream::stream::Stream;
use futures_util::StreamExt;
use log::info;

use crate::{Problem, counts, delivery, failed, worker};

pub async fn show(stream: &Stream) -> Result<(), Problem> {
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
