//! Term: the worker knows a message will never succeed (it cannot be parsed, say) and tells
//! the server to stop delivering it: delivered once, never again, without being acknowledged
//! as done. The server publishes an advisory on
//! `$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.<stream>.<consumer>`.

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
    // Nothing waits for an ack: job 2 will not come back.
    counts(&mut consumer).await
}
