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

use std::time::Duration;

use async_nats::{ConnectOptions, HeaderMap};
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("headers")?;
    let subject = stepkit::arg(1, "foo");
    let message_id = stepkit::arg(2, "hello-1");

    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("headers"))
        .connect(&url)
        .await?;
    info!("Connected to {url}");

    // Subscribe first: the message published below comes back to this same connection.
    let mut subscriber = client
        .subscribe(subject.clone())
        .await
        .map_err(|err| stepkit::subscribe_error(&subject, err))?;

    // The headers: names and values are text, and a name may hold several values.
    let mut headers = HeaderMap::new();
    headers.insert("Nats-Msg-Id", message_id.as_str());
    headers.insert("Greeting-Language", "en");
    client
        .publish_with_headers(subject.clone(), headers, "Hello NATS".into())
        .await
        .map_err(|err| stepkit::publish_error(&client, &[&subject], "Hello NATS".len(), err))?;
    client.flush().await?;
    info!("Published 'Hello NATS' on {subject} with headers Nats-Msg-Id and Greeting-Language");

    // Read it back. A received message has `headers: Option<HeaderMap>`: `None` when the
    // publisher sent none.
    let Ok(Some(message)) = tokio::time::timeout(Duration::from_secs(5), subscriber.next()).await
    else {
        return Err(Problem::new(format!(
            "the message did not come back on '{subject}' within 5 s."
        )));
    };
    let text = String::from_utf8_lossy(&message.payload);
    info!("Received '{text}' on {}", message.subject);
    let Some(headers) = &message.headers else {
        return Err(Problem::new("the message arrived without its headers."));
    };
    for name in ["Nats-Msg-Id", "Greeting-Language"] {
        let value = headers
            .get(name)
            .map_or("(missing)", |value| value.as_str());
        info!("  header {name}: {value}");
    }
    Ok(())
}
