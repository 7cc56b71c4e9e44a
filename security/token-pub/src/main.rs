//! # Beyond the tutorial: authenticating with a token
//!
//! Step 6 proved who it was with a user and a password. A token is the simplest other way: one
//! secret string that the server and its clients share (`nats-server --auth TOKEN`). It suits
//! a single application talking to its own server; users, with their own passwords and
//! permissions, suit everything else. The token goes into `ConnectOptions::with_token`, it is
//! sent in the CONNECT line (the client protocol's first message), and it is never printed.
//!
//! Run it (two terminals; an `async-sub` cannot listen here, it sends no token):
//!
//! ```text
//! terminal 1:  cargo xtask server --token     # writes a fresh token to target/secrets/token
//! terminal 2:  NATS_TOKEN=$(cat target/secrets/token) cargo run -p token-pub
//! ```
//!
//! The token comes from `NATS_TOKEN` (the `nats` CLI's name), or from the URL the Go way
//! (`nats://TOKEN@localhost:4222`). Arguments: `token-pub [SUBJECT] [MESSAGE]`.

use async_nats::ConnectOptions;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let (url, token) = stepkit::start_with_token("token-pub")?;
    let subject = stepkit::arg(1, "foo");
    let message = stepkit::arg(2, "Hello NATS");

    // The token is the only change from step 2. A wrong one is refused with an authorization
    // violation, as a wrong password is.
    let client = ConnectOptions::with_token(token)
        .name(stepkit::connection_name("token-pub"))
        .connect(&url)
        .await?;
    info!("Connected to {url} with a token");

    client
        .publish(subject.clone(), message.clone().into())
        .await
        .map_err(|err| stepkit::publish_error(&client, &[&subject], message.len(), err))?;
    client.flush().await?;
    info!("Published message on subject {subject} (the server knew the token)");
    Ok(())
}
