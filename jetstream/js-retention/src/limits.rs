//! limits: a stream keeps messages until one of its limits is reached (here 3 messages). Then
//! the discard policy decides: `old` (the default) drops the oldest to make room, `new` refuses
//! the message that does not fit, and the publisher learns it from the ack.

use async_nats::jetstream::Context;
use async_nats::jetstream::stream::{Config, DiscardPolicy};
use log::info;

use crate::{Problem, counts, failed, no_jetstream, publish};

pub async fn show(js: &Context, config: Config) -> Result<(), Problem> {
    let mut config = Config {
        max_messages: 3,
        ..config
    };
    let mut stream = js
        .create_stream(config.clone())
        .await
        .map_err(no_jetstream)?;
    info!("limits, at most 3 messages, discard old: publishing 5 orders");
    publish(js, "retention.limits.orders", &[1, 2, 3, 4, 5]).await?;
    counts(&mut stream, "the two oldest were discarded to make room").await?;

    // The same stream with the other discard policy: a full stream now says no.
    config.discard = DiscardPolicy::New;
    js.update_stream(config).await.map_err(failed)?;
    info!("discard new: a full stream refuses what comes");
    // The refusal comes in the ack: the publish itself went out.
    let subject = "retention.limits.orders";
    let ack = js
        .publish(subject, "order 6".into())
        .await
        .map_err(failed)?;
    match ack.await {
        Err(refused) => info!("order 6 refused: {refused}"),
        Ok(stored) => info!(
            "order 6 stored as #{}: a full stream should refuse it",
            stored.sequence
        ),
    }
    counts(&mut stream, "nothing dropped, nothing added").await
}
