//! Reference solution of the exercise "wildcard" (exercises/wildcard/README.md).

use async_nats::ConnectOptions;
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("exercise-wildcard")?;
    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("exercise-wildcard"))
        .connect(&url)
        .await?;
    info!("Connected to {url}");

    // The first argument, or the default pattern.
    let subject = stepkit::arg(1, "greetings.*");
    info!("Subscribing to '{subject}'");
    let mut subscriber = client
        .subscribe(subject.clone())
        .await
        .map_err(|err| stepkit::subscribe_error(&subject, err))?;

    let handler = tokio::spawn(async move {
        while let Some(message) = subscriber.next().await {
            let text = String::from_utf8_lossy(&message.payload);
            // With a pattern, the subject tells which one matched.
            info!("Received on [{}]: '{text}'", message.subject);
        }
    });

    tokio::signal::ctrl_c()
        .await
        .map_err(stepkit::ctrl_c_failed)?;
    client.drain().await?;
    stepkit::wait_drained(&client, handler).await;
    info!("Bye!");
    Ok(())
}
