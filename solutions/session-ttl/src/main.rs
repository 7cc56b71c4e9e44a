//! Reference solution of the exercise "session-ttl" (exercises/session-ttl/README.md).

use std::time::Duration;

use async_nats::ConnectOptions;
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream::Config;
use async_nats::jetstream::{self, Context};
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_jetstream("solution-session-ttl")?;
    let user = stepkit::arg(1, "alice");
    let seconds = stepkit::number_arg(2, "SECONDS", 60)?;
    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("solution-session-ttl"))
        .connect(&url)
        .await?;
    info!("Connected to {url}");
    stepkit::needs_server(&client, (2, 11), "solution-session-ttl")?;
    let js = jetstream::new(client);
    // Each user's session is the last message on sessions.<user> in the stream SESSIONS,
    // which takes messages with a TTL of their own.
    let config = Config {
        name: "SESSIONS".to_string(),
        subjects: vec!["sessions.>".to_string()],
        allow_message_ttl: true,
        ..Default::default()
    };
    js.create_or_update_stream(config).await.map_err(failed)?;

    // The session ends by itself: the stream removes the message SECONDS after it stored it.
    let login = PublishMessage::build()
        .payload(format!("{user} logged in").into())
        .ttl(Duration::from_secs(seconds));
    let sequence = publish(&js, &format!("sessions.{user}"), login).await?;
    info!("{user}'s session is message {sequence} of SESSIONS, for {seconds} s");
    Ok(())
}

/// Publishes `message` on `subject`; the stream's sequence number for it, once stored.
async fn publish(js: &Context, subject: &str, message: PublishMessage) -> Result<u64, Problem> {
    let ack = js
        .send_publish(subject.to_string(), message)
        .await
        .map_err(failed)?;
    Ok(ack.await.map_err(failed)?.sequence)
}

/// A JetStream request failed (no JetStream, or the server went away, for example).
fn failed(err: impl std::fmt::Display) -> Problem {
    Problem::new(format!("JetStream did not do it: {err}."))
        .hint("the server must run JetStream: `cargo xtask server --jetstream` (2.11 or newer)")
}
