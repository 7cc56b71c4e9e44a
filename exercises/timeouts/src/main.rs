//! Exercise "timeouts": see README.md in this folder, and check with
//! `cargo xtask check timeouts`.

// Your answer needs it (see hint 1); until then it is unused.
#[allow(unused_imports)]
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

    // TODO: wait at most 1 s for each message; log each timeout as
    // "No message for 1 s (timeout N of 3)", and give up after 3 timeouts in a row.
    while let Some(message) = subscriber.next().await {
        let text = String::from_utf8_lossy(&message.payload);
        info!("Received message '{text}'");
    }
    Ok(())
}
