//! Exercise "timeouts": see README.md in this folder, and check with
//! `cargo xtask check timeouts`.

use std::process::ExitCode;

use futures_util::StreamExt;
use log::info;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("error: {problem}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://localhost:4222".to_string());
    let client = async_nats::connect(url.as_str())
        .await
        .map_err(|err| format!("cannot connect to {url}: {err}"))?;
    info!("Connected to {url}");
    let mut subscriber = client
        .subscribe("foo")
        .await
        .map_err(|err| format!("cannot subscribe: {err}"))?;
    info!("Waiting for messages on 'foo'");

    // TODO: wait at most 1 s for each message; log each timeout as
    // "No message for 1 s (timeout N of 3)", and give up after 3 timeouts in a row.
    while let Some(message) = subscriber.next().await {
        let text = String::from_utf8_lossy(&message.payload);
        info!("Received message '{text}'");
    }
    Ok(())
}
