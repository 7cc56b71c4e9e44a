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

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_nats::{
    ConnectError, ConnectErrorKind, ConnectOptions, Event, ServerAddr, SubscribeError,
    SubscribeErrorKind,
};
use futures_util::StreamExt;
use log::{debug, info, warn};

/// Where the tutorial's server listens: the same default as Go's `nats.DefaultURL`.
const DEFAULT_URL: &str = "nats://localhost:4222";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    // Show `info` lines unless RUST_LOG asks for something else.
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();

    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("error: {problem}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| DEFAULT_URL.to_string());
    let subject = std::env::args().nth(1).unwrap_or_else(|| "foo".to_string());
    // The tutorial's credentials, unless the environment names others.
    let user = std::env::var("NATS_USER").unwrap_or_else(|_| "foo".to_string());
    let password = std::env::var("NATS_PASSWORD").unwrap_or_else(|_| "bar".to_string());
    let (url, user, password) = split_credentials(&url, user, password)?;

    // Create the server connection, with the credentials. The event callback hears about
    // connection changes: when the server goes away, async-nats keeps reconnecting in the
    // background and subscribes again for us once it is back.
    let client = ConnectOptions::with_user_and_password(user.clone(), password)
        .event_callback(report_connection_event)
        .connect(url.as_str())
        .await
        .map_err(|err| explain_connect_error(&url, &user, &err))?;
    info!("Connected to {url}");

    // Subscribe to the subject. From now on the server forwards every message published on
    // it to this connection, and async-nats queues them in `subscriber` until we take them.
    info!("Subscribing to subject '{subject}'");
    let mut subscriber = client
        .subscribe(subject.clone())
        .await
        .map_err(|err| explain_subscribe_error(&subject, &err))?;

    // Handle the messages in their own task: the Rust counterpart of the handler function
    // that Go passes to `Subscribe`. It runs whenever a message arrives, while the code
    // below waits for Ctrl-C.
    let handler = tokio::spawn(async move {
        while let Some(message) = subscriber.next().await {
            let text = String::from_utf8_lossy(&message.payload);
            info!("Received message '{text}'");
        }
    });

    // Keep the connection alive until Ctrl-C: this replaces Go's `runtime.Goexit()`.
    tokio::signal::ctrl_c()
        .await
        .map_err(|err| format!("cannot listen for Ctrl-C: {err}"))?;

    // Drain: the server stops sending, messages already on their way are still handled,
    // then the subscription ends and the connection closes.
    info!("Ctrl-C: draining the subscription before exiting");
    client
        .drain()
        .await
        .map_err(|err| format!("could not drain the connection: {err}"))?;
    // The handler ends once the drained subscription has delivered its last message. A
    // server that is down cannot confirm the drain, so do not wait for it forever.
    match tokio::time::timeout(Duration::from_secs(1), handler).await {
        Ok(_) => info!("Subscription drained, connection closed. Bye!"),
        Err(_) => warn!("The server did not confirm the drain within 1 s; exiting anyway"),
    }
    Ok(())
}

/// Go programs write credentials into the URL (nats://foo:bar@localhost:4222), but
/// async-nats ignores them there. Take them out of the address, to pass them as connect
/// options like the others, and so that the address can be logged without the password.
/// Returns the address without credentials, the user and the password.
fn split_credentials(
    url: &str,
    user: String,
    password: String,
) -> Result<(String, String, String), String> {
    let server: ServerAddr = url.parse().map_err(|_| {
        "NATS_URL is not a NATS server address.\n\
         hint: use the form nats://HOST:PORT, for example nats://localhost:4222"
            .to_string()
    })?;
    let mut address = server.into_inner();
    if address.username().is_empty() {
        return Ok((address.to_string(), user, password));
    }
    // nats://TOKEN@host is token authentication, which this step does not do.
    let Some(url_password) = address.password() else {
        return Err("NATS_URL holds a user but no password (or a token).\n\
             hint: this step authenticates with a user and a password: set NATS_USER and \
             NATS_PASSWORD, or write nats://USER:PASSWORD@HOST:PORT"
            .to_string());
    };
    // URLs keep %-escapes as they are (nats.rs issue #1193): sent like that, they would fail.
    if address.username().contains('%') || url_password.contains('%') {
        return Err("the user or password in NATS_URL contains %-escapes.\n\
             hint: set NATS_USER and NATS_PASSWORD instead, written out plainly"
            .to_string());
    }
    let user = address.username().to_string();
    let password = url_password.to_string();
    let _ = address.set_username("");
    let _ = address.set_password(None);
    info!("Using the user and password written in NATS_URL");
    Ok((address.to_string(), user, password))
}

/// One sentence for a failed connection, with a hint for the usual cause.
fn explain_connect_error(url: &str, user: &str, err: &ConnectError) -> String {
    match err.kind() {
        // Wrong or missing credentials. The password is never part of the message.
        ConnectErrorKind::AuthorizationViolation => format!(
            "the server at {url} refused user '{user}': authorization violation.\n\
             hint: start the server with `cargo xtask server --auth` (nats-server --user foo \
             --pass bar), or set NATS_USER and NATS_PASSWORD to the credentials your server \
             expects"
        ),
        // Most often: nothing listens at that address.
        _ => format!(
            "cannot connect to a NATS server at {url} ({err}).\n\
             hint: start one in another terminal with `cargo xtask server --auth` (or \
             `nats-server --user foo --pass bar`), or point NATS_URL at a running server"
        ),
    }
}

fn explain_subscribe_error(subject: &str, err: &SubscribeError) -> String {
    match err.kind() {
        SubscribeErrorKind::InvalidSubject => format!(
            "'{subject}' is not a valid subject to subscribe to.\n\
             hint: a subject is a list of tokens separated by dots, without spaces, such as \
             foo, foo.bar, foo.* or foo.>"
        ),
        _ => format!("could not subscribe to '{subject}': {err}"),
    }
}

/// Set once the connection drops, so that the next `Connected` event reads as a reconnect
/// (async-nats also sends `Connected` for the very first connection).
static CONNECTION_LOST: AtomicBool = AtomicBool::new(false);

async fn report_connection_event(event: Event) {
    match event {
        Event::Disconnected => {
            CONNECTION_LOST.store(true, Ordering::Relaxed);
            warn!("Disconnected from the server; async-nats keeps trying to reconnect");
        }
        Event::Connected if CONNECTION_LOST.swap(false, Ordering::Relaxed) => {
            info!("Reconnected; async-nats subscribed again to everything we listen to");
        }
        Event::SlowConsumer(_) => {
            warn!("Messages were dropped: they arrived faster than this program handled them")
        }
        other => debug!("Connection event: {other}"),
    }
}
