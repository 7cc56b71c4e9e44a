//! Reference solution of the exercise "workqueue" (exercises/workqueue/README.md).

use std::time::Duration;

use async_nats::ConnectOptions;
use async_nats::jetstream::{self, consumer, stream};
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_jetstream("solution-workqueue")?;
    let name = stepkit::arg(1, "worker-1");
    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("solution-workqueue"))
        .connect(&url)
        .await?;
    info!("Connected to {url} as {name}");
    let js = jetstream::new(client);

    // A work queue: each job is for one worker, and leaves the stream once it is acknowledged.
    let config = stream::Config {
        name: "JOBS".to_string(),
        subjects: vec!["jobs.>".to_string()],
        retention: stream::RetentionPolicy::WorkQueue,
        ..Default::default()
    };
    let stream = js
        .get_or_create_stream(config)
        .await
        .map_err(|err| failed("create or find the stream JOBS", err))?;

    // One consumer that every worker shares: the server hands each job to one fetch only, so
    // the workers split the jobs between them (a consumer each would be refused: 10099).
    let config = consumer::pull::Config {
        durable_name: Some("workers".to_string()),
        ack_policy: consumer::AckPolicy::Explicit,
        ..Default::default()
    };
    let consumer = stream
        .get_or_create_consumer("workers", config)
        .await
        .map_err(|err| {
            Problem::new(format!(
                "could not create or find the consumer workers: {err}."
            ))
            .hint(WORK_QUEUE_HINT)
        })?;

    let mut handled = 0;
    loop {
        // One job at a time; an empty batch after a second means: caught up.
        let mut batch = consumer
            .fetch()
            .max_messages(1)
            .expires(Duration::from_secs(1))
            .messages()
            .await
            .map_err(|err| failed("fetch jobs", err))?;
        let Some(message) = batch.next().await else {
            break;
        };
        let message = message.map_err(|err| failed("receive", err))?;
        let text = String::from_utf8_lossy(&message.payload).to_string();
        tokio::time::sleep(Duration::from_millis(200)).await; // the work itself
        message
            .double_ack()
            .await
            .map_err(|err| failed("acknowledge", err))?;
        info!("{name} handled '{text}'");
        handled += 1;
    }
    info!("Caught up: {name} handled {handled} job(s)");
    Ok(())
}

/// Why a work queue refuses a consumer, most often: another one wants the same subjects.
const WORK_QUEUE_HINT: &str = "a work queue gives a subject to one consumer only (JetStream \
    error 10099 or 10100); the chapter \"Retention policies\" shows it";

/// A JetStream call failed, with what was being done.
fn failed(doing: &str, err: impl std::fmt::Display) -> Problem {
    Problem::new(format!("could not {doing}: {err}."))
        .hint("the server must run JetStream: `cargo xtask server --jetstream`")
}
