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

use std::time::Duration;

use async_nats::ConnectOptions;
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("sync-sub")?;
    let subject = stepkit::arg(1, "foo");
    let seconds = stepkit::number_arg(2, "SECONDS", 10)?;
    let timeout = Duration::from_secs(seconds);

    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("sync-sub"))
        .connect(&url)
        .await?;
    info!("Connected to {url}");

    // Subscribe (Go's SubscribeSync). Messages that arrive while we are busy wait in the
    // subscription's queue until we ask for them.
    info!("Subscribing to subject '{subject}', waiting up to {seconds} s for each message");
    let mut subscriber = client
        .subscribe(subject.clone())
        .await
        .map_err(|err| stepkit::subscribe_error(&subject, err))?;

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
            Ok(None) => return Err(Problem::new("the subscription was closed by the server.")),
            // Timed out: this is where NextMsg returns nats.ErrTimeout.
            Err(_) => break,
        }
    }

    // Tell the server we are no longer interested, before the connection closes.
    let unsubscribed = subscriber.unsubscribe().await;
    unsubscribed.map_err(|err| Problem::new(format!("could not unsubscribe: {err}.")))?;
    if received == 0 {
        return Err(Problem::new(format!(
            "no message arrived on '{subject}' within {seconds} s, so sync-sub stopped waiting."
        ))
        .hint("while it waits, publish from another terminal: cargo run -p pub-simple"));
    }
    info!("No further message within {seconds} s; received {received}, done");
    Ok(())
}
