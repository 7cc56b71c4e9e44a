//! Reference solution of the exercise "incr-counter" (exercises/incr-counter/README.md).

use async_nats::ConnectOptions;
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream::Config;
use async_nats::jetstream::{self, Context};
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_jetstream("solution-incr-counter")?;
    let count = stepkit::number_arg(1, "COUNT", 1)?;
    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("solution-incr-counter"))
        .connect(&url)
        .await?;
    info!("Connected to {url}");
    stepkit::needs_server(&client, (2, 12), "solution-incr-counter")?;
    let js = jetstream::new(client);
    // The count lives on the subject visits.total of the stream VISITS, a counter stream: the
    // server adds each increment to the subject's total.
    let config = Config {
        name: "VISITS".to_string(),
        subjects: vec!["visits.>".to_string()],
        allow_message_counter: true,
        ..Default::default()
    };
    js.get_or_create_stream(config).await.map_err(failed)?;

    for _ in 0..count {
        // Nothing is read: the increment goes to the server, which answers with the new total.
        let total = publish(&js, PublishMessage::build().header("Nats-Incr", "+1")).await?;
        info!("visits = {total}");
    }
    Ok(())
}

/// Publishes `message` on visits.total; the total the stream's acknowledgement gives.
async fn publish(js: &Context, message: PublishMessage) -> Result<String, Problem> {
    let ack = js
        .send_publish("visits.total", message)
        .await
        .map_err(failed)?;
    let stored = ack.await.map_err(failed)?;
    Ok(stored.value.unwrap_or_default())
}

/// A JetStream request failed (no JetStream, or the server went away, for example).
fn failed(err: impl std::fmt::Display) -> Problem {
    Problem::new(format!("JetStream did not do it: {err}."))
        .hint("the server must run JetStream: `cargo xtask server --jetstream` (2.12 or newer)")
}
