//! # Persistence: publishing into a JetStream stream
//!
//! Core NATS delivers at most once: a message goes to the subscribers connected at that moment,
//! or to nobody. JetStream, built into nats-server, adds **streams**: a stream stores every
//! message published on its subjects, and the server **acknowledges** each one once it is
//! stored. A publisher that got the acknowledgement knows the message is safe; one that did not
//! can publish again, and the `Nats-Msg-Id` header lets the stream drop the duplicate.
//!
//! This program creates the stream `ORDERS` (subjects `orders.>`), or updates it, and publishes
//! one message twice with the same `Nats-Msg-Id`: stored once, the second acknowledgement says
//! "duplicate".
//!
//! Run it (two terminals; `js-pull` reads what it stored):
//!
//! ```text
//! terminal 1:  cargo xtask server --jetstream      # JetStream on, its store in target/
//! terminal 2:  cargo run -p js-pub                 # this program
//! ```
//!
//! Arguments: `js-pub [SUBJECT] [MESSAGE] [REPLICAS]` (defaults `orders.new`, `one pizza`, 1;
//! 3 replicas need a cluster with JetStream).

use async_nats::jetstream::{self, stream};
use async_nats::{ConnectOptions, HeaderMap};
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("js-pub")?;
    let subject = stepkit::arg(1, "orders.new");
    let message = stepkit::arg(2, "one pizza");
    let replicas = stepkit::number_arg(3, "REPLICAS", 1)?;

    let client = ConnectOptions::new()
        .name(stepkit::connection_name("js-pub"))
        .connect(&url)
        .await?;
    info!("Connected to {url}");

    // The JetStream API is requests on the same connection (subjects under $JS.API).
    let js = jetstream::new(client);
    let config = stream::Config {
        name: "ORDERS".to_string(),
        subjects: vec!["orders.>".to_string()],
        num_replicas: replicas as usize,
        ..Default::default()
    };
    // Created the first time, updated to this configuration afterwards.
    js.create_or_update_stream(config)
        .await
        .map_err(|err| stepkit::jetstream::stream_error("ORDERS", err))?;
    info!("Stream ORDERS stores everything published on orders.>");

    // The message id: the same message published twice is stored once.
    let id = format!("{subject}:{message}");
    for attempt in ["Published", "Published again"] {
        let mut headers = HeaderMap::new();
        headers.insert("Nats-Msg-Id", id.as_str());
        // The first await sends the message; the second waits for the stream's acknowledgement.
        let ack = js
            .publish_with_headers(subject.clone(), headers, message.clone().into())
            .await
            .map_err(|err| stepkit::jetstream::publish_error(&subject, err))?
            .await
            .map_err(|err| stepkit::jetstream::publish_error(&subject, err))?;
        if ack.duplicate {
            info!(
                "{attempt} '{message}': a duplicate of #{}, stored once",
                ack.sequence
            );
        } else {
            info!(
                "{attempt} '{message}': stored in {} as #{}",
                ack.stream, ack.sequence
            );
        }
    }
    Ok(())
}
