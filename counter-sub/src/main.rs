//! # Beyond the tutorial: a subscriber that counts, and notices when it falls behind
//!
//! The Go tutorial's last suggestion: "add a message incrementer to the client subscriber to
//! indicate the message number received". This subscriber numbers every message
//! (`[#1] Received on [foo]: 'Hello NATS'`) and, on Ctrl-C, says how many it received.
//!
//! It also shows what happens when messages arrive faster than they are handled. async-nats
//! keeps the messages a program has not taken yet in a queue per subscription (65,536 by
//! default). When that queue is full, new messages for the subscription are dropped, and the
//! only sign of it is a `SlowConsumer` event. This program turns the event into a warning and
//! counts the drops, so a learner sees them.
//!
//! Run it (three terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server                   # a nats-server on localhost:4222
//! terminal 2:  cargo run -p counter-sub             # this program
//! terminal 3:  cargo run -p pub-simple              # run it a few times
//! ```
//!
//! Arguments: `counter-sub [SUBJECT] [WORK_MS] [CAPACITY]`. WORK_MS simulates slow handling
//! (milliseconds per message, default 0), CAPACITY sets the queue size. To see drops:
//! `cargo run -p counter-sub -- foo 20 16`, then publish many messages at once.
//! `NATS_URL` points it at another server (default `nats://localhost:4222`).

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
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

/// Messages handled so far, and messages async-nats dropped because the queue was full.
static RECEIVED: AtomicU64 = AtomicU64::new(0);
static DROPPED: AtomicU64 = AtomicU64::new(0);

async fn run() -> Result<(), String> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| DEFAULT_URL.to_string());
    let mut args = std::env::args().skip(1);
    let subject = args.next().unwrap_or_else(|| "foo".to_string());
    let work_ms = number_argument(args.next(), "WORK_MS", 0)?;
    let capacity = number_argument(args.next(), "CAPACITY", 65_536)?.max(1);
    let work = Duration::from_millis(work_ms);
    let server = server_address(&url)?;

    // The subscription capacity is the size of each subscription's queue of messages that
    // arrived but were not taken yet. The event callback hears about dropped messages.
    let client = ConnectOptions::new()
        .subscription_capacity(capacity as usize)
        .event_callback(report_connection_event)
        .connect(server)
        .await
        .map_err(|err| explain_connect_error(&url, &err))?;
    info!("Connected to {url}");

    info!("Subscribing to subject '{subject}'");
    let mut subscriber = client
        .subscribe(subject.clone())
        .await
        .map_err(|err| explain_subscribe_error(&subject, &err))?;

    // The handler numbers the messages. It is the only code that touches the count while
    // messages flow, so a plain counter would do; it is a static only so that the summary
    // below can read it even if the handler is still busy.
    let handler = tokio::spawn(async move {
        while let Some(message) = subscriber.next().await {
            let number = RECEIVED.fetch_add(1, Ordering::Relaxed) + 1;
            let text = String::from_utf8_lossy(&message.payload);
            info!("[#{number}] Received on [{}]: '{text}'", message.subject);
            if !work.is_zero() {
                // Pretend that handling a message takes time.
                tokio::time::sleep(work).await;
            }
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
    if tokio::time::timeout(Duration::from_secs(5), handler)
        .await
        .is_err()
    {
        warn!("Gave up waiting for the messages still queued after 5 s");
    }

    let received = RECEIVED.load(Ordering::Relaxed);
    let dropped = DROPPED.load(Ordering::Relaxed);
    info!("Received {received} message(s) in all");
    if dropped > 0 {
        warn!("At least {dropped} message(s) were dropped because this subscriber was too slow");
    }
    Ok(())
}

/// An optional whole-number argument, with a sentence when it is not one.
fn number_argument(text: Option<String>, name: &str, default: u64) -> Result<u64, String> {
    match text {
        None => Ok(default),
        Some(text) => text.parse().map_err(|_| {
            format!(
                "{name} must be a whole number, not '{text}'.\n\
                 hint: cargo run -p counter-sub -- SUBJECT WORK_MS CAPACITY, for example \
                 cargo run -p counter-sub -- foo 20 16"
            )
        }),
    }
}

async fn report_connection_event(event: Event) {
    match event {
        // async-nats sends one event per message it had to drop: warn on the first one and
        // count them all (the event queue itself is bounded, hence "at least").
        Event::SlowConsumer(_) => {
            if DROPPED.fetch_add(1, Ordering::Relaxed) == 0 {
                warn!(
                    "Slow consumer: the subscription's queue is full, so new messages are \
                     dropped until this program catches up"
                );
            }
        }
        Event::Disconnected => warn!("Disconnected from the server; async-nats keeps retrying"),
        other => debug!("Connection event: {other}"),
    }
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
            "NATS_URL contains credentials, but counter-sub connects without any.\n\
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
             hint: this server requires a user and password and counter-sub sends none; start a \
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
