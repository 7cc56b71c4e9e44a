//! Exercise "gather-quotes": see README.md in this folder, and check with
//! `cargo xtask check gather-quotes`.

use async_nats::{ConnectOptions, RequestErrorKind};
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

    // TODO: this keeps the first answer only. Gather every answer that arrives within 500 ms
    // instead, and keep the one with the highest score: one that comes later must not win.
    let answer = match client.request("quote", "{}".into()).await {
        Ok(answer) => answer,
        Err(err) if err.kind() == RequestErrorKind::NoResponders => {
            return Err(
                Problem::new("nobody answers on 'quote'.").hint("start cargo run -p quotes")
            );
        }
        Err(err) => return Err(Problem::new(format!("no answer on 'quote': {err}."))),
    };
    let best: Quote = serde_json::from_slice(&answer.payload)
        .map_err(|err| Problem::new(format!("an answer is not a quote: {err}.")))?;
    info!("Best: {} (score {})", best.author, best.score);
    Ok(())
}
