//! Exercise "auth": see README.md in this folder, and check with `cargo xtask check auth`.

use async_nats::ConnectOptions;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("exercise-auth")?;

    // TODO: use NATS_TOKEN, or NATS_USER and NATS_PASSWORD, when they are set.
    let options = ConnectOptions::new();

    let client = options
        .name(stepkit::connection_name("exercise-auth"))
        .connect(&url)
        .await?;
    info!("Connected to {url}");
    client
        .publish("auth.check", "I am in".into())
        .await
        .map_err(|err| stepkit::publish_error(&client, &["auth.check"], "I am in".len(), err))?;
    client.flush().await?;
    info!("Published on auth.check");
    Ok(())
}
