//! Exercise "counter": see README.md in this folder, and check with
//! `cargo xtask check counter`.

use async_nats::ConnectOptions;
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("exercise-counter")?;
    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("exercise-counter"))
        .connect(&url)
        .await?;
    info!("Connected to {url}");
    let mut subscriber = client
        .subscribe("foo")
        .await
        .map_err(|err| stepkit::subscribe_error("foo", err))?;

    let handler = tokio::spawn(async move {
        // TODO 1: count the messages, and log them as [#N] Received on [SUBJECT]: 'TEXT'
        while let Some(message) = subscriber.next().await {
            let text = String::from_utf8_lossy(&message.payload);
            info!("Received message '{text}'");
        }
        // TODO 2: return the count from the task
    });

    tokio::signal::ctrl_c()
        .await
        .map_err(stepkit::ctrl_c_failed)?;
    client.drain().await?;
    stepkit::wait_drained(&client, handler).await;
    // TODO 3: log the total: Received N message(s)
    info!("Bye!");
    Ok(())
}
