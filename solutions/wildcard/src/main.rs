//! Reference solution of the exercise "wildcard" (exercises/wildcard/README.md).

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

    // The first argument, or the default pattern.
    let subject = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "greetings.*".to_string());
    info!("Subscribing to '{subject}'");
    let mut subscriber = client
        .subscribe(subject.clone())
        .await
        .map_err(|err| format!("cannot subscribe to '{subject}': {err}"))?;

    let handler = tokio::spawn(async move {
        while let Some(message) = subscriber.next().await {
            let text = String::from_utf8_lossy(&message.payload);
            // With a pattern, the subject tells which one matched.
            info!("Received on [{}]: '{text}'", message.subject);
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
