//! Reference solution of the exercise "timeouts" (exercises/timeouts/README.md).

use std::time::Duration;

use async_nats::ConnectOptions;
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("exercise-timeouts")?;
    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("exercise-timeouts"))
        .connect(&url)
        .await?;
    info!("Connected to {url}");
    let mut subscriber = client
        .subscribe("foo")
        .await
        .map_err(|err| stepkit::subscribe_error("foo", err))?;
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
            Ok(None) => return Err(Problem::new("the subscription was closed.")),
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
