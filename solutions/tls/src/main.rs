//! Reference solution of the exercise "tls" (exercises/tls/README.md).

use async_nats::ConnectOptions;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("solution-tls")?;

    // Encrypted or not at all, and the server's certificate checked against our CA.
    let mut options = ConnectOptions::new().require_tls(true);
    if let Some(ca) = std::env::var_os("NATS_CA") {
        options = options.add_root_certificates(ca.into());
    }

    let client = options
        .name(stepkit::connection_name("solution-tls"))
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
