//! # Step 1: an asynchronous subscriber
//!
//! The Rust version of `async-sub.go` from the Go tutorial "Develop Go Clients for NATS".
//! It connects to a NATS server, subscribes to the subject `foo` and logs every message that
//! arrives, handled as it comes in while the rest of the program waits for Ctrl-C.
//!
//! What it teaches: `async_nats::connect`, `Client::subscribe`, handling a subscription's
//! stream of messages in its own task (Go's message handler), staying alive without
//! `runtime.Goexit()`, leaving cleanly with `drain`, and watching reconnects with an event
//! callback.
//!
//! Run it (three terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server           # a nats-server on localhost:4222
//! terminal 2:  cargo run -p async-sub       # this program: waits for messages
//! terminal 3:  cargo run -p pub-simple      # publishes 'Hello NATS' on 'foo'
//! ```
//!
//! Try: `cargo run -p async-sub -- SUBJECT` listens on another subject (`foo.*` and `foo.>`
//! are wildcards). `NATS_URL` points it at another server (default `nats://localhost:4222`).

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
    let server = server_address(&url)?;

    // Create the server connection. The event callback hears about connection changes: when
    // the server goes away, async-nats keeps reconnecting in the background and subscribes
    // again for us once it is back.
    let client = ConnectOptions::new()
        .event_callback(report_connection_event)
        .connect(server)
        .await
        .map_err(|err| explain_connect_error(&url, &err))?;
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

/// Parses NATS_URL. Go programs often write credentials into the URL
/// (nats://user:pass@host), but async-nats does not send those: rather than connect without
/// them, say where credentials belong.
fn server_address(url: &str) -> Result<ServerAddr, String> {
    let server: ServerAddr = url.parse().map_err(|_| {
        "NATS_URL is not a NATS server address.\n\
         hint: use the form nats://HOST:PORT, for example nats://localhost:4222"
            .to_string()
    })?;
    if server.has_user_pass() {
        return Err(
            "NATS_URL contains credentials, but async-sub connects without any.\n\
             hint: for a server that needs a user and password run auth-sub, which reads \
             NATS_USER and NATS_PASSWORD; keep NATS_URL to nats://HOST:PORT"
                .to_string(),
        );
    }
    Ok(server)
}

/// One sentence for a failed connection, with a hint for the usual cause.
fn explain_connect_error(url: &str, err: &ConnectError) -> String {
    match err.kind() {
        // The server requires credentials (nats-server --user ... --pass ...).
        ConnectErrorKind::AuthorizationViolation => format!(
            "the server at {url} refused the connection: authorization violation.\n\
             hint: this server requires a user and password and async-sub sends none; run \
             auth-sub (NATS_USER / NATS_PASSWORD), or start a server without credentials \
             with `cargo xtask server`"
        ),
        // Most often: nothing listens at that address.
        _ => format!(
            "cannot connect to a NATS server at {url} ({err}).\n\
             hint: start one in another terminal with `cargo xtask server` (or \
             `nats-server`), or point NATS_URL at a running server"
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
