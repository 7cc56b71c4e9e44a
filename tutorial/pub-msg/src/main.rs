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

use async_nats::ConnectOptions;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("pub-msg")?;
    let subject = stepkit::arg(1, "foo");
    let message = stepkit::arg(2, "Hello World");
    let reply = stepkit::arg(3, "bar");
    info!("Publishing {message}");

    // Connect to the server.
    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("pub-msg"))
        .connect(&url)
        .await?;
    info!("Connected to NATS server: {url}");

    // The message: a subject, a reply subject and a payload, the fields of Go's nats.Msg.
    // async-nats checks both subjects (a reply subject cannot hold wildcards either) and the
    // payload's size, then buffers the message.
    let size = message.len();
    client
        .publish_with_reply(subject.clone(), reply.clone(), message.clone().into())
        .await
        .map_err(|err| stepkit::publish_error(&client, &[&subject, &reply], size, err))?;

    // Flush before exiting, so that the buffered message has been written to the server.
    client.flush().await?;
    info!("Published msg.Subject = {subject} | msg.Reply = {reply} | msg.Data = {message}");
    Ok(())
}
