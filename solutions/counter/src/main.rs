//! Reference solution of the exercise "counter" (exercises/counter/README.md).

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
        // Only this task touches the count, so a plain variable is enough.
        let mut count = 0;
        while let Some(message) = subscriber.next().await {
            count += 1;
            let text = String::from_utf8_lossy(&message.payload);
            info!("[#{count}] Received on [{}]: '{text}'", message.subject);
        }
        // The stream ends after the drain: hand the total back to main.
        count
    });

    tokio::signal::ctrl_c()
        .await
        .map_err(|err| format!("cannot listen for Ctrl-C: {err}"))?;
    client
        .drain()
        .await
        .map_err(|err| format!("could not drain: {err}"))?;
    let count = handler
        .await
        .map_err(|err| format!("the handler failed: {err}"))?;
    info!("Received {count} message(s)");
    Ok(())
}
