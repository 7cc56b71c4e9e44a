//! A nak with a delay: "not now, try again in 2 seconds". The server redelivers the message
//! after the delay, not at once, and delivers the other messages meanwhile. Right for a
//! failure that may pass: a service that is down, a lock that is held.

use std::time::{Duration, Instant};

use async_nats::jetstream::AckKind;
use async_nats::jetstream::consumer::pull;
use async_nats::jetstream::stream::Stream;
use futures_util::StreamExt;
use log::info;

use crate::{Problem, counts, delivery, failed, worker};

pub async fn show(stream: &Stream) -> Result<(), Problem> {
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
