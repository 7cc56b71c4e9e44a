//! Exercise "tls": see README.md in this folder, and check with `cargo xtask check tls`.

use async_nats::ConnectOptions;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("exercise-tls")?;

    // TODO: require TLS, and trust the CA whose certificate file NATS_CA names.
    let options = ConnectOptions::new();

    let client = options
        .name(stepkit::connection_name("exercise-tls"))
        .connect(&url)
        .await?;
    info!("Connected to {url}");
    client
        .publish("tls.check", "sealed".into())
        .await
        .map_err(|err| stepkit::publish_error(&client, &["tls.check"], "sealed".len(), err))?;
    client.flush().await?;
    info!("Published on tls.check");
    Ok(())
}
