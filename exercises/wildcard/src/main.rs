//! Exercise "wildcard": see README.md in this folder, and check with
//! `cargo xtask check wildcard`.

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

    // TODO 1: take the subject from the first argument, with `greetings.*` as the default.
    let subject = "foo".to_string();
    info!("Subscribing to '{subject}'");
    let mut subscriber = client
        .subscribe(subject.clone())
        .await
        .map_err(|err| format!("cannot subscribe to '{subject}': {err}"))?;

    let handler = tokio::spawn(async move {
        while let Some(message) = subscriber.next().await {
            let text = String::from_utf8_lossy(&message.payload);
            // TODO 2: log the subject too: Received on [SUBJECT]: 'TEXT'
            info!("Received message '{text}'");
        }
    });

    tokio::signal::ctrl_c()
        .await
        .map_err(|err| format!("cannot listen for Ctrl-C: {err}"))?;
    client
        .drain()
        .await
        .map_err(|err| format!("could not drain: {err}"))?;
    let _ = handler.await;
    info!("Bye!");
    Ok(())
}
