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

use async_nats::{ConnectErrorKind, ConnectOptions};
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_secured("nkey-pub", stepkit::DEFAULT_URL, "--nkey")?;
    let subject = stepkit::arg(1, "foo");
    let message = stepkit::arg(2, "Hello nkey");

    // The seed, the secret half of the key pair: the first line of the file NATS_NKEY names,
    // as nsc writes it. It is never printed; a sentence names the file only.
    let hint = "`cargo xtask server --nkey` writes a fresh seed to target/secrets/user.nk: run \
                NATS_NKEY=target/secrets/user.nk cargo run -p nkey-pub";
    let Some(path) = stepkit::setting_file("NATS_NKEY")? else {
        return Err(Problem::new("NATS_NKEY is not set.").hint(hint));
    };
    let file = path.display();
    let text = std::fs::read_to_string(&path)
        .map_err(|err| Problem::new(format!("cannot read NATS_NKEY's file {file} ({err}).")))?;
    let seed = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or_default();
    // The public key is derived from the seed. A user's starts with U (its seed with SU).
    let pair = nkeys::KeyPair::from_seed(seed)
        .ok()
        .filter(|pair| pair.public_key().starts_with('U'));
    let Some(pair) = pair else {
        let sentence = format!(
            "NATS_NKEY's file {file} does not hold a user nkey seed (a line starting with SU)."
        );
        return Err(Problem::new(sentence).hint(hint));
    };
    // The public key is no secret: it is how the server knows this client. The seed is.
    let public_key = pair.public_key();
    info!("Authenticating as the nkey {public_key}");

    // async-nats signs the server's nonce with the seed while it connects. A key the server's
    // configuration does not list is refused, by its public key.
    let client = ConnectOptions::with_nkey(seed.to_string())
        .name(stepkit::connection_name("nkey-pub"))
        .connect(&url)
        .await
        .map_err(|err| match err.kind() {
            ConnectErrorKind::AuthorizationViolation => Problem::new(format!(
                "the server at {url} refused the nkey {public_key}: authorization violation."
            ))
            .hint(
                "the server's configuration must list this public key: `cargo xtask server \
                 --nkey` writes a new seed to target/secrets/user.nk and lists its key; use that \
                 seed",
            ),
            _ => Problem::from(err),
        })?;
    info!("Connected to {url}: the server checked the signature");

    client
        .publish(subject.clone(), message.clone().into())
        .await
        .map_err(|err| stepkit::publish_error(&client, &[&subject], message.len(), err))?;
    client.flush().await?;
    info!("Published message on subject {subject} as the nkey's user");
    Ok(())
}
