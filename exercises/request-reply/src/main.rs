//! Exercise "request-reply": see README.md in this folder, and check with
//! `cargo xtask check request-reply`.

use async_nats::ConnectOptions;
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("exercise-request-reply")?;
    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("exercise-request-reply"))
        .connect(&url)
        .await?;
    info!("Connected to {url}");
    let mut requests = client
        .subscribe("ping")
        .await
        .map_err(|err| stepkit::subscribe_error("ping", err))?;
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
        .map_err(stepkit::ctrl_c_failed)?;
    handler.abort();
    // TODO: make sure the answers have left before exiting
    info!("Bye!");
    Ok(())
}
