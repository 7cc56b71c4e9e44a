//! interest: a stream keeps a message only for the consumers that exist when it arrives, and
//! only until every one of them has acknowledged it. With no consumer, nothing is kept.

use async_nats::jetstream::Context;
use async_nats::jetstream::stream::{Config, RetentionPolicy};
use log::info;

use crate::{Problem, acknowledge, consumer, counts, failed, no_jetstream, publish};

pub async fn show(js: &Context, config: Config) -> Result<(), Problem> {
    let config = Config {
        retention: RetentionPolicy::Interest,
        ..config
    };
    let mut stream = js.create_stream(config).await.map_err(no_jetstream)?;
    info!("interest, no consumer yet: publishing 2 orders");
    publish(js, "retention.interest.orders", &[1, 2]).await?;
    counts(&mut stream, "no consumer was interested: not kept").await?;

    // Two consumers, two interests: a message stays until both have acknowledged it.
    let billing = consumer(&stream, "billing", "").await.map_err(failed)?;
    let shipping = consumer(&stream, "shipping", "").await.map_err(failed)?;
    info!("consumers billing and shipping: publishing 3 orders");
    publish(js, "retention.interest.orders", &[3, 4, 5]).await?;
    counts(&mut stream, "kept for both consumers").await?;
    acknowledge(&billing, "billing", 3).await?;
    counts(
        &mut stream,
        "billing acknowledged them; shipping has not yet",
    )
    .await?;
    acknowledge(&shipping, "shipping", 3).await?;
    counts(&mut stream, "acknowledged by every consumer: removed").await
}
