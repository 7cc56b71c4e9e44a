//! # Step 1: an asynchronous subscriber
//!
//! The Rust version of `async-sub.go` from the Go tutorial "Develop Go Clients for NATS".
//! It connects to a NATS server, subscribes to the subject `foo` and logs every message that
//! arrives, handled as it comes in while the rest of the program waits for Ctrl-C.
//!
//! What it teaches: connecting with `ConnectOptions`, `Client::subscribe` and the subject it
//! refuses, handling a subscription's stream of messages in its own task (Go's message
//! handler), staying alive without `runtime.Goexit()`, leaving cleanly with `drain` and waiting
//! for it, and watching reconnects with an event callback. The later subscribers call the same
//! three functions from `stepkit`. What is not the lesson (logging, settings, the sentences for
//! a failed connection) is in `tools/stepkit/src/lib.rs`.
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

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_nats::{Client, ConnectOptions, Event, SubscribeError, SubscribeErrorKind};
use futures_util::StreamExt;
use log::{debug, info, warn};
use stepkit::Problem;
use tokio::{signal::ctrl_c, task::JoinHandle, time::timeout};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    // NATS_URL, or the tutorial's nats://localhost:4222; the subject from the command line.
    let url = stepkit::start("async-sub")?;
    let subject = stepkit::arg(1, "foo");

    // Connect, named for monitoring (in a class, `in_class` adds the student's login). The event
    // callback hears the server go away and async-nats reconnect (NATS_WAIT_FOR_SERVER=1 waits).
    let options = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("async-sub"))
        .event_callback(log_event);
    let client = stepkit::wait_for_server(options).connect(&url).await?;
    client.flush().await?; // returns once the server has all we sent: once connected
    info!("Connected to {url}");

    // The server now forwards each message on the subject; `subscriber` queues them for us.
    info!("Subscribing to subject '{subject}'");
    let subscribed = client.subscribe(subject.clone()).await;
    let mut subscriber = subscribed.map_err(|err| subscribe_error(&subject, err))?;

    // Go's handler function: a task that handles each message as it arrives, while `main`
    // waits for Ctrl-C (Go's `runtime.Goexit()`).
    let handler = tokio::spawn(async move {
        while let Some(message) = subscriber.next().await {
            let text = String::from_utf8_lossy(&message.payload);
            info!("Received message '{text}'");
        }
    });
    ctrl_c().await.map_err(stepkit::ctrl_c_failed)?;

    // Drain: no new messages; those on their way are handled, then the handler task ends.
    info!("Ctrl-C: draining the subscription before exiting");
    client.drain().await?;
    wait_drained(&client, handler).await;
    Ok(())
}

/// A refused subscription: async-nats checks the subject before sending `SUB`.
fn subscribe_error(subject: &str, err: SubscribeError) -> Problem {
    if err.kind() != SubscribeErrorKind::InvalidSubject {
        return Problem::new(format!("could not subscribe to '{subject}': {err}."));
    }
    let sentence = format!("'{subject}' is not a valid subject to subscribe to.");
    Problem::new(sentence).hint(stepkit::SUBJECT_HINT)
}

/// Set once the connection drops, so that the next `Connected` reads as a reconnect.
static CONNECTION_LOST: AtomicBool = AtomicBool::new(false);

/// The event callback: what happens to the connection in the background.
async fn log_event(event: Event) {
    match event {
        Event::Disconnected => {
            CONNECTION_LOST.store(true, Ordering::Relaxed);
            warn!("Disconnected from the server; async-nats keeps trying to reconnect");
        }
        // async-nats says `Connected` for the first connection too.
        Event::Connected if CONNECTION_LOST.swap(false, Ordering::Relaxed) => {
            info!("Reconnected; async-nats subscribed again to everything we listen to");
        }
        Event::ServerError(err) => warn!("The server reported an error: {err}"),
        other => debug!("Connection event: {other}"),
    }
}

/// After `drain`: the handler finishes what arrived (a second at most: a dead server is silent).
async fn wait_drained<T>(client: &Client, handler: JoinHandle<T>) -> Option<T> {
    let finished = timeout(Duration::from_secs(1), handler).await;
    let value = finished.ok().and_then(Result::ok);
    match value {
        Some(_) => info!("Subscription drained, connection closed"),
        None => warn!("The server did not confirm the drain within 1 s; exiting anyway"),
    }
    stepkit::log_statistics(client);
    value
}
