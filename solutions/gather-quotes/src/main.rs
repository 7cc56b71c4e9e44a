//! Reference solution of the exercise "gather-quotes".

use std::time::{Duration, Instant};

use async_nats::{ConnectOptions, StatusCode};
use futures_util::StreamExt;
use log::info;
use serde::Deserialize;
use stepkit::Problem;

/// A quote as the `quotes` responders send it.
#[derive(Deserialize)]
struct Quote {
    author: String,
    score: u64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("exercise-gather-quotes")?;
    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("exercise-gather-quotes"))
        .connect(&url)
        .await?;

    // Scatter with an inbox of our own, then gather until the deadline.
    let inbox = client.new_inbox();
    let mut answers = client
        .subscribe(inbox.clone())
        .await
        .map_err(|err| stepkit::subscribe_error(&inbox, err))?;
    client
        .publish_with_reply("quote", inbox, "{}".into())
        .await
        .map_err(|err| stepkit::publish_error(&client, &["quote"], 2, err))?;
    let deadline = Instant::now() + Duration::from_millis(500);
    let mut best: Option<Quote> = None;
    while let Ok(Some(answer)) = tokio::time::timeout_at(deadline.into(), answers.next()).await {
        if answer.status == Some(StatusCode::NO_RESPONDERS) {
            return Err(
                Problem::new("nobody answers on 'quote'.").hint("start cargo run -p quotes")
            );
        }
        let Ok(quote) = serde_json::from_slice::<Quote>(&answer.payload) else {
            continue;
        };
        if best.as_ref().is_none_or(|best| quote.score > best.score) {
            best = Some(quote);
        }
    }
    let best = best.ok_or_else(|| Problem::new("no quote arrived within 500 ms."))?;
    info!("Best: {} (score {})", best.author, best.score);
    Ok(())
}
