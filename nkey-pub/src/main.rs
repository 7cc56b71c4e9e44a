//! # Security: authenticating with an nkey
//!
//! A password or a token is a secret the server knows too. An **nkey** is a key pair (Ed25519):
//! the client keeps the private half, the **seed** (`SU...`), and the server's configuration
//! lists only the **public key** (`U...`). When the client connects, the server sends a random
//! challenge (a nonce); the client signs it with the seed, and the server checks the signature
//! with the public key. The seed never leaves the client, so a server's configuration, or a
//! log, that leaks gives nobody a way in.
//!
//! Run it (two terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server --nkey     # a new seed in target/secrets/user.nk
//! terminal 2:  NATS_NKEY=target/secrets/user.nk cargo run -p nkey-pub
//! ```
//!
//! `NATS_NKEY` names the seed file (the `nats` CLI's name). Arguments:
//! `nkey-pub [SUBJECT] [MESSAGE]`.

use async_nats::ConnectOptions;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let nkey = stepkit::start_with_nkey("nkey-pub")?;
    let subject = stepkit::arg(1, "foo");
    let message = stepkit::arg(2, "Hello nkey");

    // The public key is no secret: it is how the server knows this client. The seed is.
    info!("Authenticating as the nkey {}", nkey.public_key);
    // async-nats signs the server's nonce with the seed while it connects.
    let client = ConnectOptions::with_nkey(nkey.seed)
        .name(stepkit::connection_name("nkey-pub"))
        .connect(&nkey.url)
        .await?;
    info!(
        "Connected to {}: the server checked the signature",
        nkey.url
    );

    client
        .publish(subject.clone(), message.clone().into())
        .await
        .map_err(|err| stepkit::publish_error(&client, &[&subject], message.len(), err))?;
    client.flush().await?;
    info!("Published message on subject {subject} as the nkey's user");
    Ok(())
}
