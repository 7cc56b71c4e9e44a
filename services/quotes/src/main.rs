//! # Services: a responder for scatter-gather (quotes)
//!
//! A responder like `reply`, with two differences that make scatter-gather work: it subscribes
//! without a queue group, so every running copy receives each request and answers it; and its
//! answer is structured, a JSON object made by serde: `{"author": ..., "text": ..., "score": N}`.
//! Run several with different authors and scores, then `gather` collects all their answers.
//!
//! Run it (four terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server
//! terminal 2:  cargo run -p quotes -- ada 7
//! terminal 3:  cargo run -p quotes -- grace 9 300    # answers after 300 ms
//! terminal 4:  cargo run -p gather
//! ```
//!
//! Arguments: `quotes [AUTHOR] [SCORE] [DELAY_MS]` (defaults `ada`, 5 and 0). Each request is
//! answered in a task of its own, so a slow answer holds up neither the next request nor
//! Ctrl-C.

use std::time::Duration;

use async_nats::ConnectOptions;
use futures_util::StreamExt;
use log::{info, warn};
use serde::Serialize;
use stepkit::Problem;

/// The answer's JSON body.
#[derive(Serialize)]
struct Quote {
    author: String,
    text: &'static str,
    score: u64,
}

const TEXTS: [&str; 3] = [
    "Publish, and let the subjects find the listeners.",
    "A request is a message that waits for its answer.",
    "At most once is a promise too: keep it small.",
];

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("quotes")?;
    let author = stepkit::arg(1, "ada");
    let score = stepkit::number_arg(2, "SCORE", 5)?;
    let delay = Duration::from_millis(stepkit::number_arg(3, "DELAY_MS", 0)?);
    let options = stepkit::in_class(ConnectOptions::new()).name(stepkit::connection_name("quotes"));
    let client = options.connect(&url).await?;

    // No queue group: each copy receives every request on `quote`, as gather wants.
    let subscribed = client.subscribe("quote").await;
    let mut requests = subscribed.map_err(|err| stepkit::subscribe_error("quote", err))?;
    let when = if delay.is_zero() {
        "at once".to_string()
    } else {
        format!("after {} ms", delay.as_millis())
    };
    info!("{author} answers on 'quote' with score {score}, {when}");
    let text = TEXTS[author.len() % TEXTS.len()];
    let body = serde_json::to_vec(&Quote {
        author: author.clone(),
        text,
        score,
    });
    let body = body.map_err(|err| Problem::new(format!("cannot write the quote: {err}.")))?;

    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        tokio::select! {
            request = requests.next() => {
                let Some(request) = request else { break };
                let asked = String::from_utf8_lossy(&request.payload).to_string();
                let Some(reply) = request.reply else {
                    warn!("A message without a reply subject, {asked}: nobody to answer");
                    continue;
                };
                let (client, body) = (client.clone(), body.clone());
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await; // the pretend thinking
                    match client.publish(reply, body.into()).await {
                        Ok(()) => info!("Answered {asked}"),
                        Err(err) => warn!("Could not answer {asked}: {err}"),
                    }
                });
            }
            signal = &mut ctrl_c => {
                signal.map_err(stepkit::ctrl_c_failed)?;
                break;
            }
        }
    }
    // Drain flushes what was published; an answer still in its delay is not sent.
    client.drain().await?;
    info!("Ctrl-C: {author} stopped");
    Ok(())
}
