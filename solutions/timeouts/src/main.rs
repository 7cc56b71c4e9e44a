//! Reference solution of the exercise "timeouts" (exercises/timeouts/README.md).

use std::process::ExitCode;
use std::time::Duration;

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

    // NextMsg(timeout) in a loop: each turn waits at most a second.
    let mut timeouts = 0;
    loop {
        match tokio::time::timeout(Duration::from_secs(1), subscriber.next()).await {
            Ok(Some(message)) => {
                timeouts = 0;
                let text = String::from_utf8_lossy(&message.payload);
                info!("Received message '{text}'");
            }
            Ok(None) => return Err("the subscription was closed".to_string()),
            Err(_) => {
                timeouts += 1;
                info!("No message for 1 s (timeout {timeouts} of 3)");
                if timeouts == 3 {
                    info!("Giving up after 3 timeouts");
                    break;
                }
            }
        }
    }
    Ok(())
}
