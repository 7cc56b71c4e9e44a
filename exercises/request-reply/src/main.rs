//! Exercise "request-reply": see README.md in this folder, and check with
//! `cargo xtask check request-reply`.

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
    let mut requests = client
        .subscribe("ping")
        .await
        .map_err(|err| format!("cannot subscribe: {err}"))?;
    info!("Answering requests on 'ping'");

    let handler = tokio::spawn(async move {
        while let Some(request) = requests.next().await {
            let text = String::from_utf8_lossy(&request.payload);
            info!("Received request '{text}'");
            // TODO: answer "pong: TEXT" on the request's reply subject, then log
            // Answered 'TEXT'
        }
    });

    tokio::signal::ctrl_c()
        .await
        .map_err(|err| format!("cannot listen for Ctrl-C: {err}"))?;
    handler.abort();
    // TODO: make sure the answers have left before exiting
    info!("Bye!");
    Ok(())
}
