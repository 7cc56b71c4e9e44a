//! Reference solution of the exercise "poison" (exercises/poison/README.md).

use std::time::Duration;

use async_nats::ConnectOptions;
use async_nats::jetstream::{self, AckKind, consumer, stream};
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_jetstream("solution-poison")?;
    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("solution-poison"))
        .connect(&url)
        .await?;
    info!("Connected to {url}");
    let js = jetstream::new(client);

    // The invoices: whatever is published on invoices.> is stored, with or without a worker.
    let config = stream::Config {
        name: "INVOICES".to_string(),
        subjects: vec!["invoices.>".to_string()],
        ..Default::default()
    };
    let stream = js
        .get_or_create_stream(config)
        .await
        .map_err(|err| failed("create or find the stream INVOICES", err))?;
    let config = consumer::pull::Config {
        durable_name: Some("billing".to_string()),
        ack_policy: consumer::AckPolicy::Explicit,
        ..Default::default()
    };
    let consumer = stream
        .get_or_create_consumer("billing", config)
        .await
        .map_err(|err| failed("create or find the consumer billing", err))?;

    let (mut billed, mut total) = (0, 0);
    loop {
        // Up to 10 invoices; an empty batch after a second means: caught up.
        let mut batch = consumer
            .fetch()
            .max_messages(10)
            .expires(Duration::from_secs(1))
            .messages()
            .await
            .map_err(|err| failed("fetch invoices", err))?;
        let mut got = 0;
        while let Some(message) = batch.next().await {
            let message = message.map_err(|err| failed("receive", err))?;
            got += 1;
            let delivered = message
                .info()
                .map_err(|err| failed("read the info", err))?
                .delivered;
            let text = String::from_utf8_lossy(&message.payload).to_string();
            match text.trim().parse::<u64>() {
                Ok(amount) => {
                    message
                        .double_ack()
                        .await
                        .map_err(|err| failed("acknowledge", err))?;
                    info!("Billed {amount} (delivery {delivered})");
                    (billed, total) = (billed + 1, total + amount);
                }
                Err(_) => {
                    info!("Cannot bill '{text}' (delivery {delivered}): it is not an amount");
                    // It will never be an amount: a nak would bring it back at once, forever.
                    // Term tells the server to stop delivering it; INVOICES, a limits stream, keeps it.
                    message
                        .ack_with(AckKind::Term)
                        .await
                        .map_err(|err| failed("terminate", err))?;
                }
            }
        }
        if got == 0 {
            break;
        }
    }
    info!("Caught up: billed {billed} invoice(s), {total} in all");
    Ok(())
}

/// A JetStream call failed, with what was being done.
fn failed(doing: &str, err: impl std::fmt::Display) -> Problem {
    Problem::new(format!("could not {doing}: {err}."))
        .hint("the server must run JetStream: `cargo xtask server --jetstream`")
}
