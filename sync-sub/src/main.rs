//! # Step 4: a synchronous subscriber
//!
//! The Rust version of the Go tutorial's synchronous subscriber:
//!
//! ```go
//! sub, err := nc.SubscribeSync("foo")
//! m, err := sub.NextMsg(timeout)
//! ```
//!
//! There is no handler here: the program itself asks for the next message, one at a time,
//! and does nothing else while it waits. In async-nats a subscription is a stream, so
//! `NextMsg(timeout)` becomes `tokio::time::timeout(timeout, subscriber.next())`.
//! When no message arrives within the timeout, the program stops waiting.
//!
//! Run it (three terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server           # a nats-server on localhost:4222
//! terminal 2:  cargo run -p sync-sub        # this program: waits up to 10 s per message
//! terminal 3:  cargo run -p pub-simple      # publishes 'Hello NATS' on 'foo'
//! ```
//!
//! Try: `cargo run -p sync-sub -- SUBJECT SECONDS` listens on another subject, with another
//! timeout. `NATS_URL` points it at another server (default `nats://localhost:4222`).

use std::process::ExitCode;
use std::time::Duration;

use async_nats::{ConnectError, ConnectErrorKind, ServerAddr, SubscribeError, SubscribeErrorKind};
use futures_util::StreamExt;
use log::info;

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
    let mut args = std::env::args().skip(1);
    let subject = args.next().unwrap_or_else(|| "foo".to_string());
    let seconds = match args.next() {
        None => 10,
        Some(text) => text.parse::<u64>().map_err(|_| {
            format!(
                "'{text}' is not a whole number of seconds.\n\
                 hint: cargo run -p sync-sub -- {subject} 10"
            )
        })?,
    };
    let timeout = Duration::from_secs(seconds);
    let server = server_address(&url)?;

    // Connect to the server.
    let client = async_nats::connect(server)
        .await
        .map_err(|err| explain_connect_error(&url, &err))?;
    info!("Connected to {url}");

    // Subscribe (Go's SubscribeSync). Messages that arrive while we are busy wait in the
    // subscription's queue until we ask for them.
    info!("Subscribing to subject '{subject}', waiting up to {seconds} s for each message");
    let mut subscriber = client
        .subscribe(subject.clone())
        .await
        .map_err(|err| explain_subscribe_error(&subject, &err))?;

    // Take the messages one at a time (Go's NextMsg(timeout)): each turn waits for the next
    // message, or gives up when the timeout passes first.
    let mut received = 0;
    loop {
        match tokio::time::timeout(timeout, subscriber.next()).await {
            Ok(Some(message)) => {
                received += 1;
                let text = String::from_utf8_lossy(&message.payload);
                info!("Received message '{text}'");
            }
            // The stream only ends when the subscription is closed (for example drained).
            Ok(None) => return Err(format!("the subscription to '{subject}' was closed")),
            // Timed out: this is where NextMsg returns nats.ErrTimeout.
            Err(_) => break,
        }
    }

    // Tell the server we are no longer interested, before the connection closes.
    subscriber
        .unsubscribe()
        .await
        .map_err(|err| format!("could not unsubscribe from '{subject}': {err}"))?;
    if received == 0 {
        return Err(format!(
            "no message arrived on '{subject}' within {seconds} s, so sync-sub stopped waiting.\n\
             hint: while it waits, publish from another terminal: cargo run -p pub-simple"
        ));
    }
    info!("No further message within {seconds} s; received {received}, done");
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
            "NATS_URL contains credentials, but sync-sub connects without any.\n\
             hint: see auth-sub for a client that reads NATS_USER and NATS_PASSWORD; keep \
             NATS_URL to nats://HOST:PORT"
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
             hint: this server requires a user and password and sync-sub sends none; start a \
             server without credentials with `cargo xtask server`"
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
