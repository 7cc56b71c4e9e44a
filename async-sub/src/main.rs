//! # Step 1: an asynchronous subscriber
//!
//! The Rust version of `async-sub.go` from the Go tutorial "Develop Go Clients for NATS".
//! It connects to a NATS server, subscribes to the subject `foo` and logs every message that
//! arrives, handled as it comes in while the rest of the program waits for Ctrl-C.
//!
//! What it teaches: connecting with `ConnectOptions`, `Client::subscribe`, handling a
//! subscription's stream of messages in its own task (Go's message handler), staying alive
//! without `runtime.Goexit()`, leaving cleanly with `drain`, and watching reconnects with an
//! event callback. What is not the lesson (logging, settings, error sentences) is in
//! `stepkit/src/lib.rs`.
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

use async_nats::ConnectOptions;
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    // NATS_URL, or the tutorial's nats://localhost:4222; the subject from the command line.
    let url = stepkit::start("async-sub")?;
    let subject = stepkit::arg(1, "foo");

    // Create the server connection, named so that the server's monitoring shows who is who.
    // The event callback hears about connection changes: when the server goes away,
    // async-nats keeps reconnecting in the background and subscribes again once it is back.
    let options = ConnectOptions::new()
        .name(stepkit::connection_name("async-sub"))
        .event_callback(stepkit::log_event);
    // By default the step fails at once when no server answers. NATS_WAIT_FOR_SERVER=1 adds
    // `retry_on_initial_connect`: `connect` returns at once and async-nats keeps trying.
    let client = stepkit::wait_for_server(options).connect(&url).await?;
    // The flush returns when the server has everything sent so far: once connected.
    client.flush().await?;
    info!("Connected to {url}");

    // Subscribe to the subject. From now on the server forwards every message published on
    // it to this connection, and async-nats queues them in `subscriber` until we take them.
    info!("Subscribing to subject '{subject}'");
    let mut subscriber = client
        .subscribe(subject.clone())
        .await
        .map_err(|err| stepkit::subscribe_error(&subject, err))?;

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
        .map_err(stepkit::ctrl_c_failed)?;

    // Drain: the server stops sending, messages already on their way are still handled,
    // then the subscription ends and the connection closes.
    info!("Ctrl-C: draining the subscription before exiting");
    client.drain().await?;
    stepkit::wait_drained(&client, handler).await;
    Ok(())
}
