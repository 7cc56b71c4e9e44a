//! # Step 3: publishing a message with a reply subject
//!
//! The Rust version of `pub-msg.go` from the Go tutorial "Develop Go Clients for NATS".
//! Go builds a `nats.Msg{Subject: "foo", Reply: "bar", Data: "Hello World"}` and sends it
//! with `PublishMsg`. In async-nats the parts of the message are arguments instead:
//! `publish_with_reply(subject, reply, payload)`. Subscribers of `foo` receive the payload
//! together with the reply subject `bar`, where an answer would go (request-reply).
//!
//! What it teaches: a NATS message is more than its payload; the reply subject travels with
//! it (and headers, see `publish_with_headers` / `publish_with_reply_and_headers`).
//!
//! Run it (three terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server           # a nats-server on localhost:4222
//! terminal 2:  cargo run -p async-sub       # a subscriber on 'foo'
//! terminal 3:  cargo run -p pub-msg         # this program: publishes 'Hello World'
//! ```
//!
//! Try: `cargo run -p pub-msg -- SUBJECT MESSAGE REPLY`, or `cargo xtask server --trace` to
//! see the reply subject in the server's `PUB foo bar 11` line. `NATS_URL` points it at
//! another server (default `nats://localhost:4222`).

use std::process::ExitCode;

use async_nats::{
    Client, ConnectError, ConnectErrorKind, PublishError, PublishErrorKind, ServerAddr,
};
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
    let message = args.next().unwrap_or_else(|| "Hello World".to_string());
    let reply = args.next().unwrap_or_else(|| "bar".to_string());
    info!("Publishing {message}");
    let server = server_address(&url)?;

    // Connect to the server.
    let client = async_nats::connect(server)
        .await
        .map_err(|err| explain_connect_error(&url, &err))?;
    info!("Connected to NATS server: {url}");

    // The message: a subject, a reply subject and a payload, the fields of Go's nats.Msg.
    // async-nats checks both subjects (a reply subject cannot hold wildcards either) and the
    // payload's size, then buffers the message.
    client
        .publish_with_reply(subject.clone(), reply.clone(), message.clone().into())
        .await
        .map_err(|err| explain_publish_error(&subject, &reply, &message, &client, &err))?;

    // Flush before exiting, so that the buffered message has been written to the server.
    client
        .flush()
        .await
        .map_err(|err| format!("the message could not be sent to the server: {err}"))?;
    info!("Published msg.Subject = {subject} | msg.Reply = {reply} | msg.Data = {message}");
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
            "NATS_URL contains credentials, but pub-msg connects without any.\n\
             hint: for a server that needs a user and password see auth-pub, which reads \
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
             hint: this server requires a user and password and pub-msg sends none; start a \
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

fn explain_publish_error(
    subject: &str,
    reply: &str,
    message: &str,
    client: &Client,
    err: &PublishError,
) -> String {
    match err.kind() {
        PublishErrorKind::InvalidSubject => format!(
            "'{subject}' (subject) or '{reply}' (reply subject) is not a valid subject.\n\
             hint: a subject is a list of tokens separated by dots, without spaces, such as \
             foo or foo.bar"
        ),
        PublishErrorKind::MaxPayloadExceeded => format!(
            "the message is {} bytes, more than this server accepts ({} bytes).\n\
             hint: send a shorter message, or raise max_payload in the server's configuration",
            message.len(),
            client.server_info().max_payload
        ),
        _ => format!("could not publish on '{subject}': {err}"),
    }
}
