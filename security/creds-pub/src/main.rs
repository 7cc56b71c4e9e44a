//! # Security: a credentials file
//!
//! With a user and password, a token or an nkey, the server's configuration lists every user.
//! With **decentralized authentication** it lists none: it trusts an **operator**, the operator
//! signs **accounts**, and an account signs its **users**, each signature a JWT (a signed
//! JSON document). A user brings its JWT and proves it owns it by signing the server's nonce
//! with its nkey seed, as `nkey-pub` does. Both travel in one **credentials file**, the
//! `.creds` that `nsc` (NATS's tool for operators) writes. Users come and go without touching
//! the server's configuration, as the NATS docs on JWT authentication describe.
//!
//! Run it (two terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server --creds    # an operator, an account, a user in target/secrets/
//! terminal 2:  NATS_CREDS=target/secrets/user.creds cargo run -p creds-pub
//! ```
//!
//! `NATS_CREDS` names the file (the `nats` CLI's name). Arguments:
//! `creds-pub [SUBJECT] [MESSAGE]`.

use async_nats::{ConnectErrorKind, ConnectOptions};
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_secured("creds-pub", stepkit::DEFAULT_URL, "--creds")?;
    let subject = stepkit::arg(1, "foo");
    let message = stepkit::arg(2, "Hello JWT");
    let Some(creds) = stepkit::setting_file("NATS_CREDS")? else {
        return Err(Problem::new("NATS_CREDS is not set.").hint(
            "`cargo xtask server --creds` writes a credentials file to target/secrets/user.creds: \
             run NATS_CREDS=target/secrets/user.creds cargo run -p creds-pub",
        ));
    };
    let file = creds.display();

    // async-nats reads the JWT and the seed from the file: it sends the JWT, and signs the
    // server's nonce with the seed. The server checks the chain: operator, account, user.
    let options = ConnectOptions::with_credentials_file(&creds)
        .await
        .map_err(|err| {
            let kind = err.kind();
            Problem::new(format!(
                "NATS_CREDS's file {file} is not a usable credentials file ({kind})."
            ))
            .hint(
                "a credentials file holds a user JWT and the user's nkey seed between BEGIN/END \
                 lines, as nsc writes it (and `cargo xtask server --creds`)",
            )
        })?;
    let client = options
        .name(stepkit::connection_name("creds-pub"))
        .connect(&url)
        .await
        .map_err(|err| match err.kind() {
            // A user whose account no operator the server trusts has signed.
            ConnectErrorKind::AuthorizationViolation => Problem::new(format!(
                "the server at {url} refused the user in {file}: authorization violation."
            ))
            .hint(
                "the server must trust the operator that signed this user's account: `cargo \
                 xtask server --creds` makes all three and writes target/secrets/user.creds \
                 again; use that file",
            ),
            _ => Problem::from(err),
        })?;
    info!("Connected to {url} as the user in {file}");

    client
        .publish(subject.clone(), message.clone().into())
        .await
        .map_err(|err| stepkit::publish_error(&client, &[&subject], message.len(), err))?;
    client.flush().await?;
    info!("Published message on subject {subject}; the account's signature vouched for it");
    Ok(())
}
