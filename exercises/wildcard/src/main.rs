//! Exercise "wildcard": see README.md in this folder, and check with
//! `cargo xtask check wildcard`.

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

    // TODO 1: take the subject from the first argument, with `greetings.*` as the default.
    let subject = "foo".to_string();
    info!("Subscribing to '{subject}'");
    let mut subscriber = client
        .subscribe(subject.clone())
        .await
        .map_err(|err| stepkit::subscribe_error(&subject, err))?;

    let handler = tokio::spawn(async move {
        while let Some(message) = subscriber.next().await {
            let text = String::from_utf8_lossy(&message.payload);
            // TODO 2: log the subject too: Received on [SUBJECT]: 'TEXT'
            info!("Received message '{text}'");
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
