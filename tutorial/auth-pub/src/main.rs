//! # Step 6: a simple publisher that authenticates
//!
//! The Rust version of the Go tutorial's `pub-simple.go` for a server that requires a user
//! and a password ("Client authentication"). The Go tutorial writes the credentials into
//! the URL, `nats://foo:bar@localhost:4222`. async-nats does not read credentials from the
//! URL, so here they are a connect option: `ConnectOptions::with_user_and_password`.
//!
//! What it teaches: the same publish and flush as `pub-simple`, with credentials.
//!
//! Run it (three terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server --auth    # nats-server --user foo --pass bar, port 4222
//! terminal 2:  cargo run -p auth-sub        # a subscriber on 'foo', with credentials
//! terminal 3:  cargo run -p auth-pub        # this program: publishes 'Hello NATS'
//! ```
//!
//! Credentials come from `NATS_USER` and `NATS_PASSWORD` (the names the `nats` CLI uses),
//! defaulting to the tutorial's `foo` / `bar`. Credentials written into `NATS_URL` are
//! accepted too, for people used to the Go form.
//! Try: `cargo run -p auth-pub -- SUBJECT MESSAGE`.

use async_nats::ConnectOptions;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    // The URL and the credentials: NATS_USER / NATS_PASSWORD (default foo / bar), or those
    // written in NATS_URL, which stepkit takes out of the URL so that it can be logged.
    let login = stepkit::start_with_password("auth-pub")?;
    let subject = stepkit::arg(1, "foo");
    let message = stepkit::arg(2, "Hello NATS");

    // Connect to the server, with the credentials: the one change from step 2.
    let client = ConnectOptions::with_user_and_password(login.user.clone(), login.password)
        .name(stepkit::connection_name("auth-pub"))
        .connect(&login.url)
        .await?;
    // The user may be shown; the password never is.
    info!("Connected to {} as user '{}'", login.url, login.user);

    // Publish and flush, as in step 2.
    client
        .publish(subject.clone(), message.clone().into())
        .await
        .map_err(|err| stepkit::publish_error(&client, &[&subject], message.len(), err))?;
    client.flush().await?;
    info!(
        "Published message on subject {subject} as user '{}'",
        login.user
    );
    Ok(())
}
