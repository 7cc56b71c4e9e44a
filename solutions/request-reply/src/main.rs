//! Reference solution of the exercise "request-reply" (exercises/request-reply/README.md).

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
        .map_err(stepkit::ctrl_c_failed)?;
    handler.abort();
    // Answers are buffered like any publish: flush them before exiting.
    client.flush().await?;
    info!("Bye!");
    Ok(())
}
