//! # Step 2: a simple publisher
//!
//! The Rust version of `pub-simple.go` from the Go tutorial "Develop Go Clients for NATS".
//! It connects to a NATS server, publishes the message `Hello NATS` on the subject `foo` and
//! exits. A running `async-sub` (step 1) receives and logs it.
//!
//! What it teaches: `Client::publish`, and why a publisher calls `flush` before it exits
//! (async-nats buffers outgoing messages; Go's `defer nc.Close()` flushes the same way).
//!
//! Run it (three terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server           # a nats-server on localhost:4222
//! terminal 2:  cargo run -p async-sub       # a subscriber on 'foo'
//! terminal 3:  cargo run -p pub-simple      # this program: publishes 'Hello NATS'
//! ```
//!
//! Try: `cargo run -p pub-simple -- SUBJECT MESSAGE` publishes something else.
//! `NATS_URL` points it at another server (default `nats://localhost:4222`).

use async_nats::{Client, ConnectOptions, PublishError, PublishErrorKind};
use log::info;
use stepkit::{Problem, SUBJECT_HINT};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    // NATS_URL, or the tutorial's nats://localhost:4222; subject and message from the
    // command line.
    let url = stepkit::start("pub-simple")?;
    let subject = stepkit::arg(1, "foo");
    let message = stepkit::arg(2, "Hello NATS");

    // Connect to the server (Go's `nats.Connect`), under a name the server can show. No
    // credentials: `in_class` adds a student's own only when a class's settings are loaded.
    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("pub-simple"))
        .connect(&url)
        .await?;
    info!("Connected to {url}");

    // Publish the message on the subject. async-nats checks the subject, and the size against
    // the limit the server announced when we connected (`max_payload`), then puts the message
    // in its write buffer.
    client
        .publish(subject.clone(), message.clone().into())
        .await
        .map_err(|err| publish_error(&client, &[&subject], message.len(), err))?;

    // Flush before exiting: it returns once the buffered message has been written to the
    // server. Without it the program could end with 'Hello NATS' still in the buffer, the way
    // Go's `defer nc.Close()` flushes before the connection closes.
    client.flush().await?;
    info!("Published message on subject {subject}");
    Ok(())
}

/// A refused publish of `size` bytes on `subjects` (the later steps add a reply subject, and
/// call this same function in stepkit): the error's kind says why.
fn publish_error(client: &Client, subjects: &[&str], size: usize, err: PublishError) -> Problem {
    let quoted: Vec<String> = subjects
        .iter()
        .map(|subject| format!("'{subject}'"))
        .collect();
    let subjects = quoted.join(" or ");
    match err.kind() {
        PublishErrorKind::InvalidSubject => {
            let sentence = format!("{subjects} is not a valid subject to publish on.");
            Problem::new(sentence).hint(SUBJECT_HINT)
        }
        // async-nats checks the size against the `max_payload` the server announced.
        PublishErrorKind::MaxPayloadExceeded => {
            let limit = client.server_info().max_payload;
            let sentence = format!(
                "the message is {size} bytes, more than this server accepts ({limit} bytes)."
            );
            let hint = "send a shorter message, or raise max_payload in the server's configuration";
            Problem::new(sentence).hint(hint)
        }
        _ => Problem::new(format!("could not publish on {subjects}: {err}.")),
    }
}
