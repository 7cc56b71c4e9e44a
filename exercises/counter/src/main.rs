//! Exercise "counter": see README.md in this folder, and check with
//! `cargo xtask check counter`.

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

    let handler = tokio::spawn(async move {
        // TODO 1: count the messages, and log them as [#N] Received on [SUBJECT]: 'TEXT'
        while let Some(message) = subscriber.next().await {
            let text = String::from_utf8_lossy(&message.payload);
            info!("Received message '{text}'");
        }
        // TODO 2: return the count from the task
    });

    tokio::signal::ctrl_c()
        .await
        .map_err(|err| format!("cannot listen for Ctrl-C: {err}"))?;
    client
        .drain()
        .await
        .map_err(|err| format!("could not drain: {err}"))?;
    let _ = handler.await;
    // TODO 3: log the total: Received N message(s)
    info!("Bye!");
    Ok(())
}
