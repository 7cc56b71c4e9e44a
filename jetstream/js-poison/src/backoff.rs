//! A backoff schedule: when a message is not acknowledged in time, the consumer waits longer
//! before each redelivery, here 1 s, then 2 s, then 4 s. `backoff` replaces `ack_wait`. A
//! backoff with more steps than `max_deliver` allows deliveries is refused (error 10116):
//! nats-server 2.14 and 2.15 take 3 steps with a `max_deliver` of 3 (the last step is then never
//! waited), and refuses them with 2. Here `max_deliver` 4 waits every step once.

use std::time::{Duration, Instant};

use async_nats::Client;
use async_nats::jetstream::consumer::pull;
use async_nats::jetstream::stream::Stream;
use futures_util::StreamExt;
use log::info;

use crate::{Problem, advisory, counts, delivery, failed, worker};

pub async fn show(client: &Client, stream: &Stream) -> Result<(), Problem> {
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
