//! workqueue: each message is for one consumer, and leaves the stream when it is acknowledged,
//! not before: a message that no consumer has taken yet waits in the queue. So two consumers
//! may not want the same subject: the server refuses the second with an error code. Consumers
//! filtered on disjoint subjects share the queue.

use async_nats::jetstream::stream::{Config, ConsumerErrorKind, RetentionPolicy};
use async_nats::jetstream::{Context, ErrorCode};
use log::info;

use crate::{Problem, acknowledge, consumer, counts, failed, no_jetstream, publish};

pub async fn show(js: &Context, config: Config) -> Result<(), Problem> {
    let config = Config {
        retention: RetentionPolicy::WorkQueue,
        ..config
    };
    let mut stream = js.create_stream(config).await.map_err(no_jetstream)?;
    // Published before any consumer exists: the queue keeps them (interest would not).
    publish(js, "retention.workqueue.eu", &[1, 2]).await?;
    counts(&mut stream, "no consumer yet: both wait in the queue").await?;
    consumer(&stream, "all", "").await.map_err(failed)?;
    info!("workqueue: consumer all takes every subject; worker wants every subject too");

    // The server says why it refuses, with an error code: 10099, a second consumer without a
    // filter, would take the messages the first one takes.
    let second = consumer(&stream, "worker", "").await;
    match second.map_err(|err| err.kind()) {
        Err(ConsumerErrorKind::JetStream(err))
            if err.error_code() == ErrorCode::CONSUMER_WQ_MULTIPLE_UNFILTERED =>
        {
            info!("worker refused, JetStream error 10099: {err}")
        }
        other => info!(
            "worker: {:?}, where a work queue refuses it",
            other.map(|_| ())
        ),
    }

    // Without `all`, two consumers on disjoint subjects are both accepted.
    stream.delete_consumer("all").await.map_err(failed)?;
    let eu = consumer(&stream, "eu", "retention.workqueue.eu")
        .await
        .map_err(failed)?;
    let us = consumer(&stream, "us", "retention.workqueue.us")
        .await
        .map_err(failed)?;
    info!("consumers eu and us, on disjoint subjects: both accepted");
    publish(js, "retention.workqueue.us", &[3]).await?;
    counts(&mut stream, "three orders waiting").await?;
    acknowledge(&eu, "eu", 2).await?;
    counts(&mut stream, "eu's two acknowledged: gone from the stream").await?;
    acknowledge(&us, "us", 1).await?;
    counts(&mut stream, "the queue is empty").await
}
