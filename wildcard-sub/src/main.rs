//! # Beyond the tutorial: a wildcard subscriber
//!
//! The Go tutorial suggests it after the simple publisher: "use a wildcard subscriber".
//! A subscription's subject can be a pattern. `*` stands for exactly one token (the parts
//! between dots) and `>`, at the end only, for one or more tokens:
//!
//! ```text
//! pattern     foo.a    foo.a.b    foo    bar
//! foo.*       yes      no         no     no
//! foo.>       yes      yes        no     no
//! ```
//!
//! This program subscribes to a pattern (default `foo.*`) and logs the actual subject of every
//! message, so you can see which subjects the pattern matches.
//!
//! Run it (three terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server                       # a nats-server on localhost:4222
//! terminal 2:  cargo run -p wildcard-sub -- 'foo.>'     # this program (quote the pattern)
//! terminal 3:  cargo run -p pub-simple -- foo.a.b Hi    # try foo.a, foo.a.b, bar ...
//! ```
//!
//! `NATS_URL` points it at another server (default `nats://localhost:4222`).

use std::process::ExitCode;
use std::time::Duration;

use async_nats::{ConnectError, ConnectErrorKind, ServerAddr, SubscribeError, SubscribeErrorKind};
use futures_util::StreamExt;
use log::{info, warn};

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
    let pattern = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "foo.*".to_string());
    let server = server_address(&url)?;

    let client = async_nats::connect(server)
        .await
        .map_err(|err| explain_connect_error(&url, &err))?;
    info!("Connected to {url}");

    // Subscribing to a pattern is the same call as to a plain subject; the server does the
    // matching, and sends each matching message once, whatever the number of wildcards.
    info!("Subscribing to '{pattern}' (* matches one token, > the rest)");
    let mut subscriber = client
        .subscribe(pattern.clone())
        .await
        .map_err(|err| explain_subscribe_error(&pattern, &err))?;

    // Every message carries the subject it was published on: with a pattern, that is how the
    // program learns which one matched.
    let handler = tokio::spawn(async move {
        while let Some(message) = subscriber.next().await {
            let text = String::from_utf8_lossy(&message.payload);
            info!("Received on [{}]: '{text}'", message.subject);
        }
    });

    tokio::signal::ctrl_c()
        .await
        .map_err(|err| format!("cannot listen for Ctrl-C: {err}"))?;
    info!("Ctrl-C: draining the subscription before exiting");
    client
        .drain()
        .await
        .map_err(|err| format!("could not drain the connection: {err}"))?;
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
            "NATS_URL contains credentials, but wildcard-sub connects without any.\n\
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
             hint: this server requires a user and password and wildcard-sub sends none; start a \
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
