//! Reference solution of the exercise "counter" (exercises/counter/README.md).

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
        .map_err(stepkit::ctrl_c_failed)?;
    client.drain().await?;
    // `wait_drained` gives back what the task returned, or None if it did not finish.
    if let Some(count) = stepkit::wait_drained(&client, handler).await {
        info!("Received {count} message(s)");
    }
    Ok(())
}
