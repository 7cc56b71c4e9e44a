//! Exercise "incr-counter": see README.md in this folder, and check with
//! `cargo xtask check incr-counter`.

use async_nats::ConnectOptions;
use async_nats::jetstream::stream::{Config, LastRawMessageErrorKind, Stream};
use async_nats::jetstream::{self, Context};
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_jetstream("exercise-incr-counter")?;
    let count = stepkit::number_arg(1, "COUNT", 1)?;
    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("exercise-incr-counter"))
        .connect(&url)
        .await?;
    info!("Connected to {url}");
    stepkit::needs_server(&client, (2, 12), "exercise-incr-counter")?;
    let js = jetstream::new(client);
    // The count lives on the subject visits.total of the stream VISITS.
    // TODO: make VISITS a counter stream (`allow_message_counter`).
    let config = Config {
        name: "VISITS".to_string(),
        subjects: vec!["visits.>".to_string()],
        ..Default::default()
    };
    let stream = js.get_or_create_stream(config).await.map_err(failed)?;

    for _ in 0..count {
        // TODO: do not read and write back: two counters that read the same total both write
        // total + 1, and one visit is lost. Publish an increment instead (the header
        // `Nats-Incr: +1`, no payload), and log the total its acknowledgement gives.
        let total = read(&stream).await? + 1;
        publish(&js, total.to_string()).await?;
        info!("visits = {total}");
    }
    Ok(())
}

/// The total stored last on visits.total (0 before the first visit).
async fn read(stream: &Stream) -> Result<u64, Problem> {
    match stream.get_last_raw_message_by_subject("visits.total").await {
        Ok(last) => Ok(String::from_utf8_lossy(&last.payload).parse().unwrap_or(0)),
        Err(err) if err.kind() == LastRawMessageErrorKind::NoMessageFound => Ok(0),
        Err(err) => Err(failed(err)),
    }
}

/// Publishes `total` on visits.total, and waits until the stream has stored it.
async fn publish(js: &Context, total: String) -> Result<(), Problem> {
    let ack = js
        .publish("visits.total", total.into())
        .await
        .map_err(failed)?;
    ack.await.map_err(failed)?;
    Ok(())
}

/// A JetStream request failed (no JetStream, or the server went away, for example).
fn failed(err: impl std::fmt::Display) -> Problem {
    Problem::new(format!("JetStream did not do it: {err}."))
        .hint("the server must run JetStream: `cargo xtask server --jetstream` (2.12 or newer)")
}
