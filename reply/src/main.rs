//! # Beyond the tutorial: request and reply, the responder
//!
//! A responder is a subscriber that answers: every request it receives carries a reply
//! subject (the requester's inbox), and the answer is a message published there. This one
//! answers every request on `help` with `I can help!`.
//!
//! It also shows how a service stops without failing anyone. On Ctrl-C it drains its
//! subscription: the server sends no new requests, the requests already received are still
//! answered, then the program flushes its answers and exits. Requests sent after that go to
//! other responders, or get "no responders".
//!
//! Run it (three terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server           # a nats-server on localhost:4222
//! terminal 2:  cargo run -p reply           # this program: answers on 'help'
//! terminal 3:  cargo run -p request         # asks, and prints the answer
//! ```
//!
//! Arguments: `reply [SUBJECT] [ANSWER] [WORK_MS]` (defaults `help`, `I can help!`, 0);
//! WORK_MS simulates slow work per request. `NATS_URL` points it at another server.

use std::pin::pin;
use std::process::ExitCode;
use std::time::Duration;

use async_nats::{
    Client, ConnectError, ConnectErrorKind, Message, ServerAddr, SubscribeError, SubscribeErrorKind,
};
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
    let subject = args.next().unwrap_or_else(|| "help".to_string());
    let answer = args.next().unwrap_or_else(|| "I can help!".to_string());
    let work_ms = match args.next() {
        None => 0,
        Some(text) => text.parse::<u64>().map_err(|_| {
            format!(
                "WORK_MS must be a whole number of milliseconds, not '{text}'.\n\
                 hint: cargo run -p reply -- {subject} '{answer}' 500"
            )
        })?,
    };
    let server = server_address(&url)?;

    let client = async_nats::connect(server)
        .await
        .map_err(|err| explain_connect_error(&url, &err))?;
    info!("Connected to {url}");

    let mut requests = client
        .subscribe(subject.clone())
        .await
        .map_err(|err| explain_subscribe_error(&subject, &err))?;
    info!("Answering requests on '{subject}'");

    // Answer requests until Ctrl-C; then drain, and go on answering what already arrived
    // until the drained subscription ends.
    let mut ctrl_c = pin!(tokio::signal::ctrl_c());
    let mut draining = false;
    let mut answered = 0;
    loop {
        tokio::select! {
            request = requests.next() => {
                let Some(request) = request else { break };
                if respond(&client, request, &answer, Duration::from_millis(work_ms)).await? {
                    answered += 1;
                }
            }
            signal = &mut ctrl_c, if !draining => {
                signal.map_err(|err| format!("cannot listen for Ctrl-C: {err}"))?;
                info!("Ctrl-C: no new requests; answering the ones already received");
                requests
                    .drain()
                    .await
                    .map_err(|err| format!("could not drain the subscription: {err}"))?;
                draining = true;
            }
        }
    }

    // The answers are buffered like any publish: flush them before exiting.
    client
        .flush()
        .await
        .map_err(|err| format!("the last answers could not be sent: {err}"))?;
    info!("Answered {answered} request(s). Bye!");
    Ok(())
}

/// Answers one request on its reply subject; false when there was nothing to answer.
async fn respond(
    client: &Client,
    request: Message,
    answer: &str,
    work: Duration,
) -> Result<bool, String> {
    let text = String::from_utf8_lossy(&request.payload);
    // A plain publish (no reply subject) can arrive here too: there is nobody to answer.
    let Some(reply_subject) = request.reply else {
        warn!("Received '{text}' without a reply subject: nothing to answer");
        return Ok(false);
    };
    if !work.is_zero() {
        // Pretend that finding the answer takes time.
        tokio::time::sleep(work).await;
    }
    client
        .publish(reply_subject, answer.to_string().into())
        .await
        .map_err(|err| format!("could not send the answer: {err}"))?;
    info!("Answered '{text}' with '{answer}'");
    Ok(true)
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
            "NATS_URL contains credentials, but reply connects without any.\n\
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
             hint: this server requires a user and password and reply sends none; start a \
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
