//! # Beyond the tutorial: sharing the work in a queue group
//!
//! Subscribers that join the same queue group on a subject share its messages: the server
//! gives each message to only one member of the group, picked at random. Start the program
//! several times and the messages spread over the copies, which is how NATS services scale
//! out without any configuration. (A plain subscriber of the same subject still gets every
//! message: queue groups only share among their own members.)
//!
//! Run it (four terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server           # a nats-server on localhost:4222
//! terminal 2:  cargo run -p queue-sub       # a member of the group 'workers'
//! terminal 3:  cargo run -p queue-sub       # another member
//! terminal 4:  cargo run -p pub-simple      # run it a few times: each message lands once
//! ```
//!
//! Arguments: `queue-sub [SUBJECT] [GROUP]` (defaults `foo` and `workers`).
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
    let mut args = std::env::args().skip(1);
    let subject = args.next().unwrap_or_else(|| "foo".to_string());
    let group = args.next().unwrap_or_else(|| "workers".to_string());
    let server = server_address(&url)?;

    let client = async_nats::connect(server)
        .await
        .map_err(|err| explain_connect_error(&url, &err))?;
    info!("Connected to {url}");

    // Join the queue group: `SUB foo workers 1` on the wire. Every member of 'workers' on
    // 'foo' receives a share of the messages; together they receive each one exactly once.
    let mut subscriber = client
        .queue_subscribe(subject.clone(), group.clone())
        .await
        .map_err(|err| explain_subscribe_error(&subject, &group, &err))?;
    info!("Joined queue group '{group}' on subject '{subject}'");

    let handler = tokio::spawn(async move {
        let mut handled = 0;
        while let Some(message) = subscriber.next().await {
            handled += 1;
            let text = String::from_utf8_lossy(&message.payload);
            info!("Received message '{text}'");
        }
        handled
    });

    // On Ctrl-C, drain: this member leaves the group, and the messages the server already
    // gave it are still handled, so none is lost for the group.
    tokio::signal::ctrl_c()
        .await
        .map_err(|err| format!("cannot listen for Ctrl-C: {err}"))?;
    info!("Ctrl-C: leaving the group after the messages already received");
    client
        .drain()
        .await
        .map_err(|err| format!("could not drain the connection: {err}"))?;
    match tokio::time::timeout(Duration::from_secs(1), handler).await {
        Ok(Ok(handled)) => info!("Handled {handled} message(s) for group '{group}'. Bye!"),
        _ => warn!("The server did not confirm the drain within 1 s; exiting anyway"),
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
            "NATS_URL contains credentials, but queue-sub connects without any.\n\
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
             hint: this server requires a user and password and queue-sub sends none; start a \
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

fn explain_subscribe_error(subject: &str, group: &str, err: &SubscribeError) -> String {
    match err.kind() {
        SubscribeErrorKind::InvalidSubject => format!(
            "'{subject}' is not a valid subject to subscribe to.\n\
             hint: a subject is a list of tokens separated by dots, without spaces, such as \
             foo, foo.bar, foo.* or foo.>"
        ),
        SubscribeErrorKind::InvalidQueueName => format!(
            "'{group}' is not a valid queue group name.\n\
             hint: a queue group is one word without spaces, such as workers"
        ),
        _ => format!("could not subscribe to '{subject}': {err}"),
    }
}
