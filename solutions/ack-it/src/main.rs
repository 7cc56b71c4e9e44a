//! Reference solution of the exercise "ack-it" (exercises/ack-it/README.md).

use std::time::Duration;

use async_nats::ConnectOptions;
use async_nats::jetstream::{self, consumer};
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_jetstream("solution-ack-it")?;
    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("solution-ack-it"))
        .connect(&url)
        .await?;
    info!("Connected to {url}");
    let js = jetstream::new(client);
    let stream = js
        .get_stream("ORDERS")
        .await
        .map_err(|err| failed("find the stream ORDERS (js-pub creates it)", err))?;

    // The server waits one second for each acknowledgement before it delivers again.
    let config = consumer::pull::Config {
        durable_name: Some("kitchen".to_string()),
        ack_policy: consumer::AckPolicy::Explicit,
        ack_wait: Duration::from_secs(1),
        ..Default::default()
    };
    let consumer = stream
        .get_or_create_consumer("kitchen", config)
        .await
        .map_err(|err| failed("create or find the consumer kitchen", err))?;

    let mut handled = 0;
    loop {
        // Up to 10 messages; an empty batch after two seconds means: caught up.
        let mut batch = consumer
            .fetch()
            .max_messages(10)
            .expires(Duration::from_secs(2))
            .messages()
            .await
            .map_err(|err| failed("fetch messages", err))?;
        let mut got = 0;
        while let Some(message) = batch.next().await {
            let message = message.map_err(|err| failed("receive", err))?;
            let info = message.info().map_err(|err| failed("read the info", err))?;
            let text = String::from_utf8_lossy(&message.payload);
            info!("Cooked '{text}' (delivery {})", info.delivered);
            // Done with it: acknowledged, the server will not deliver it again.
            message
                .ack()
                .await
                .map_err(|err| failed("acknowledge", err))?;
            got += 1;
        }
        if got == 0 {
            break;
        }
        handled += got;
    }
    info!("Caught up: cooked {handled} order(s)");
    Ok(())
}

/// A JetStream call failed, with what was being done.
fn failed(doing: &str, err: impl std::fmt::Display) -> Problem {
    Problem::new(format!("could not {doing}: {err}."))
        .hint("the server must run JetStream: `cargo xtask server --jetstream`")
}
