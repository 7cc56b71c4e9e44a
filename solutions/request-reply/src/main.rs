//! Reference solution of the exercise "request-reply" (exercises/request-reply/README.md).

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

    // The task answers with its own handle to the connection.
    let responder = client.clone();
    let handler = tokio::spawn(async move {
        while let Some(request) = requests.next().await {
            let text = String::from_utf8_lossy(&request.payload);
            info!("Received request '{text}'");
            // A request carries the requester's inbox as its reply subject.
            let Some(reply_subject) = request.reply else {
                continue;
            };
            let answer = format!("pong: {text}");
            if responder
                .publish(reply_subject, answer.into())
                .await
                .is_ok()
            {
                info!("Answered '{text}'");
            }
        }
    });

    tokio::signal::ctrl_c()
        .await
        .map_err(|err| format!("cannot listen for Ctrl-C: {err}"))?;
    handler.abort();
    // Answers are buffered like any publish: flush them before exiting.
    client
        .flush()
        .await
        .map_err(|err| format!("the last answers could not be sent: {err}"))?;
    info!("Bye!");
    Ok(())
}
