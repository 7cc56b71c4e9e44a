//! # Step 5: an asynchronous subscriber that authenticates
//!
//! The Rust version of the Go tutorial's `async-sub.go` for a server that requires a user
//! and a password ("Client authentication"). The Go tutorial writes the credentials into
//! the URL, `nats://foo:bar@localhost:4222`. async-nats does not read credentials from the
//! URL, so here they are a connect option: `ConnectOptions::with_user_and_password`.
//!
//! What it teaches: authenticating with user and password, what the server answers when they
//! are wrong (`authorization violation`), and keeping secrets out of logs.
//!
//! Run it (three terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server --auth    # nats-server --user foo --pass bar, port 4222
//! terminal 2:  cargo run -p auth-sub        # this program: user foo, password bar
//! terminal 3:  cargo run -p auth-pub        # publishes 'Hello NATS' on 'foo'
//! ```
//!
//! Credentials come from `NATS_USER` and `NATS_PASSWORD` (the names the `nats` CLI uses),
//! defaulting to the tutorial's `foo` / `bar`. Credentials written into `NATS_URL` are
//! accepted too, for people used to the Go form. Try: `cargo run -p auth-sub -- SUBJECT`.

use async_nats::ConnectOptions;
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    // The URL and the credentials: NATS_USER / NATS_PASSWORD (default foo / bar), or those
    // written in NATS_URL, which stepkit takes out of the URL so that it can be logged.
    let login = stepkit::start_with_password("auth-sub")?;
    let subject = stepkit::arg(1, "foo");

    // Create the server connection, with the credentials: the one change from step 1. They
    // are sent in the CONNECT line; when they are wrong the server answers with an
    // authorization violation error and closes the connection.
    let options = ConnectOptions::with_user_and_password(login.user.clone(), login.password)
        .name(stepkit::connection_name("auth-sub"))
        .event_callback(stepkit::log_event);
    // NATS_WAIT_FOR_SERVER=1 makes it wait for a server that is not up yet (see async-sub).
    let client = stepkit::wait_for_server(options)
        .connect(&login.url)
        .await?;
    client.flush().await?;
    // The user may be shown; the password never is.
    info!("Connected to {} as user '{}'", login.url, login.user);

    info!("Subscribing to subject '{subject}'");
    let subscriber = client
        .subscribe(subject.clone())
        .await
        .map_err(|err| stepkit::subscribe_error(&subject, err))?;

    // The same handler as step 1, written the other common way: `for_each` calls the
    // closure for every message, much as Go calls the function given to `Subscribe`.
    let handler = tokio::spawn(subscriber.for_each(|message| async move {
        info!(
            "Received message '{}'",
            String::from_utf8_lossy(&message.payload)
        );
    }));

    tokio::signal::ctrl_c()
        .await
        .map_err(stepkit::ctrl_c_failed)?;
    info!("Ctrl-C: draining the subscription before exiting");
    client.drain().await?;
    stepkit::wait_drained(&client, handler).await;
    Ok(())
}
