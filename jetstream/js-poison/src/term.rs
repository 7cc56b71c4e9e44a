//! Term: the worker knows a message will never succeed (it cannot be parsed, say) and tells
//! the server to stop delivering it: delivered once, never again. For the stream, a Term
//! counts as an acknowledgement: on this work queue job 2 is removed, as the jobs acked are
//! (a limits stream would keep both). What Term adds is an advisory on
//! `$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.<stream>.<consumer>`: whoever must know learns
//! which message was given up. To keep a poison job for a person to look at, copy it somewhere
//! before the Term, or let `max_deliver` stop it (which leaves it in the queue).

use async_nats::Client;
use async_nats::jetstream::AckKind;
use async_nats::jetstream::consumer::pull;
use async_nats::jetstream::stream::Stream;
use futures_util::StreamExt;
use log::info;

use crate::{Problem, advisory, counts, delivery, failed, worker};

pub async fn show(client: &Client, stream: &Stream) -> Result<(), Problem> {
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
