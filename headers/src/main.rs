//! # Beyond the tutorial: message headers
//!
//! Since nats-server 2.2 a message can carry headers, key-value pairs in front of the payload,
//! much like HTTP headers. They are the modern part of the Go tutorial's `nats.Msg` (its
//! `Header` field): metadata that travels with the message without being part of the data,
//! such as a message id, a content type or a trace id. `Nats-Msg-Id` is one that NATS itself
//! understands: JetStream uses it to drop duplicates.
//!
//! This program subscribes to a subject, publishes one message with two headers on it, reads
//! the message back (a client receives its own messages) and prints its headers.
//!
//! Run it (two terminals; a running `async-sub` would get the message too):
//!
//! ```text
//! terminal 1:  cargo xtask server           # a nats-server on localhost:4222
//! terminal 2:  cargo run -p headers         # this program
//! ```
//!
//! Arguments: `headers [SUBJECT] [MESSAGE_ID]` (defaults `foo` and `hello-1`).
//! `NATS_URL` points it at another server (default `nats://localhost:4222`).

use std::process::ExitCode;
use std::time::Duration;

use async_nats::{
    ConnectError, ConnectErrorKind, HeaderMap, ServerAddr, SubscribeError, SubscribeErrorKind,
};
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
    let message_id = args.next().unwrap_or_else(|| "hello-1".to_string());
    let server = server_address(&url)?;

    let client = async_nats::connect(server)
        .await
        .map_err(|err| explain_connect_error(&url, &err))?;
    info!("Connected to {url}");

    // Subscribe first: the message published below comes back to this same connection.
    let mut subscriber = client
        .subscribe(subject.clone())
        .await
        .map_err(|err| explain_subscribe_error(&subject, &err))?;

    // The headers: names and values are text, and a name may hold several values.
    let mut headers = HeaderMap::new();
    headers.insert("Nats-Msg-Id", message_id.as_str());
    headers.insert("Greeting-Language", "en");
    client
        .publish_with_headers(subject.clone(), headers, "Hello NATS".into())
        .await
        .map_err(|err| format!("could not publish on '{subject}': {err}"))?;
    client
        .flush()
        .await
        .map_err(|err| format!("the message could not be sent to the server: {err}"))?;
    info!("Published 'Hello NATS' on {subject} with headers Nats-Msg-Id and Greeting-Language");

    // Read it back. A received message has `headers: Option<HeaderMap>`: `None` when the
    // publisher sent none.
    let message = match tokio::time::timeout(Duration::from_secs(5), subscriber.next()).await {
        Ok(Some(message)) => message,
        _ => {
            return Err(format!(
                "the message did not come back on '{subject}' within 5 s"
            ));
        }
    };
    let text = String::from_utf8_lossy(&message.payload);
    info!("Received '{text}' on {}", message.subject);
    let Some(headers) = &message.headers else {
        return Err("the message arrived without its headers".to_string());
    };
    for name in ["Nats-Msg-Id", "Greeting-Language"] {
        let value = headers
            .get(name)
            .map(|value| value.as_str())
            .unwrap_or("(missing)");
        info!("  header {name}: {value}");
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
            "NATS_URL contains credentials, but headers connects without any.\n\
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
             hint: this server requires a user and password and headers sends none; start a \
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
