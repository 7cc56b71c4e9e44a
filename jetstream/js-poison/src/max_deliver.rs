//! max_deliver: the server delivers a message at most N times. After the last one fails, it
//! stops, leaves the message in the stream, and publishes an advisory on
//! `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<consumer>` for whoever must know.

use async_nats::Client;
use async_nats::jetstream::AckKind;
use async_nats::jetstream::consumer::pull;
use async_nats::jetstream::stream::Stream;
use futures_util::StreamExt;
use log::info;

use crate::{Problem, advisory, counts, delivery, failed, worker};

pub async fn show(client: &Client, stream: &Stream) -> Result<(), Problem> {
    // Subscribed before the consumer exists, so that no advisory can be missed.
    let subject = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.POISON.worker";
    let mut advisories = client.subscribe(subject).await.map_err(failed)?;
    let config = pull::Config {
        max_deliver: 3,
        ..Default::default()
    };
    let mut consumer = worker(stream, config).await?;
    info!("consumer worker: max_deliver 3");

    let mut messages = consumer.messages().await.map_err(failed)?;
    let (mut done, mut failures) = (0, 0);
    while done < 4 || failures < 3 {
        let Some(message) = messages.next().await else {
            break;
        };
        let message = message.map_err(failed)?;
        let (job, delivered) = delivery(&message)?;
        if job == "job 2" {
            // A nak without a delay: the server delivers it again at once.
            message.ack_with(AckKind::Nak(None)).await.map_err(failed)?;
            info!("{job}: delivery {delivered} of at most 3, failed: nak");
            failures += 1;
        } else {
            message.double_ack().await.map_err(failed)?;
            info!("{job}: delivery {delivered}, done: ack");
            done += 1;
        }
    }
    // The third failure was the last: the server gives up on job 2 and says so.
    advisory(&mut advisories).await?;
    counts(&mut consumer, stream).await
}
