//! # Beyond the tutorial: request and reply, the requester
//!
//! `pub-msg` showed that a message can carry a reply subject. Request-reply builds on it: the
//! requester subscribes to a fresh, unique reply subject (an "inbox"), publishes its request
//! with that reply subject, and waits for the first message to arrive there. A responder (the
//! `reply` step) answers by publishing on the request's reply subject. `Client::request` does
//! all of that in one call.
//!
//! Two things can go wrong, and NATS tells them apart: nobody subscribes to the subject at all
//! (the server answers at once with "no responders"), or someone received the request but no
//! answer came in time (a timeout).
//!
//! Run it (three terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server           # a nats-server on localhost:4222
//! terminal 2:  cargo run -p reply           # a responder on 'help'
//! terminal 3:  cargo run -p request         # this program: asks, and prints the answer
//! ```
//!
//! Arguments: `request [SUBJECT] [MESSAGE] [SECONDS]` (defaults `help`, `help me`, 2).
//! `NATS_URL` points it at another server (default `nats://localhost:4222`).

use std::process::ExitCode;
use std::time::Duration;

use async_nats::{
    ConnectError, ConnectErrorKind, ConnectOptions, RequestError, RequestErrorKind, ServerAddr,
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
    let subject = args.next().unwrap_or_else(|| "help".to_string());
    let message = args.next().unwrap_or_else(|| "help me".to_string());
    let seconds = match args.next() {
        None => 2,
        Some(text) => text.parse::<u64>().map_err(|_| {
            format!(
                "'{text}' is not a whole number of seconds.\n\
                 hint: cargo run -p request -- {subject} '{message}' 5"
            )
        })?,
    };
    let server = server_address(&url)?;

    // The request timeout is a connection option (it can also be set per request).
    let client = ConnectOptions::new()
        .request_timeout(Some(Duration::from_secs(seconds)))
        .connect(server)
        .await
        .map_err(|err| explain_connect_error(&url, &err))?;
    info!("Connected to {url}");

    // Publish the request with a fresh reply subject, and wait for the first answer on it.
    info!("Sending request '{message}' on '{subject}', waiting up to {seconds} s for a reply");
    let reply = client
        .request(subject.clone(), message.into())
        .await
        .map_err(|err| explain_request_error(&subject, seconds, &err))?;
    let text = String::from_utf8_lossy(&reply.payload);
    info!("Received reply '{text}'");
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
            "NATS_URL contains credentials, but request connects without any.\n\
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
             hint: this server requires a user and password and request sends none; start a \
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

fn explain_request_error(subject: &str, seconds: u64, err: &RequestError) -> String {
    match err.kind() {
        // The server knows no subscriber for the subject, and says so right away.
        RequestErrorKind::NoResponders => format!(
            "nobody answers on '{subject}': no responder subscribes to it.\n\
             hint: start one in another terminal: cargo run -p reply -- {subject}"
        ),
        // Someone subscribes, but no answer arrived in time.
        RequestErrorKind::TimedOut => format!(
            "no reply on '{subject}' within {seconds} s: a subscriber received the request but \
             did not answer in time.\n\
             hint: is the responder busy or stuck? a longer wait: \
             cargo run -p request -- {subject} 'help me' 10"
        ),
        RequestErrorKind::InvalidSubject => format!(
            "'{subject}' is not a valid subject to send a request on.\n\
             hint: a subject is a list of tokens separated by dots, without spaces or \
             wildcards, such as help or orders.new"
        ),
        _ => format!("the request on '{subject}' failed: {err}"),
    }
}
