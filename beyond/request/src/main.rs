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

use std::time::Duration;

use async_nats::{ConnectOptions, RequestErrorKind};
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("request")?;
    let subject = stepkit::arg(1, "help");
    let message = stepkit::arg(2, "help me");
    let seconds = stepkit::number_arg(3, "SECONDS", 2)?;

    // The request timeout is a connection option (it can also be set per request).
    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("request"))
        .request_timeout(Some(Duration::from_secs(seconds)))
        .connect(&url)
        .await?;
    info!("Connected to {url}");

    // Publish the request with a fresh reply subject, and wait for the first answer on it.
    info!("Sending request '{message}' on '{subject}', waiting up to {seconds} s for a reply");
    let reply = match client.request(subject.clone(), message.into()).await {
        Ok(reply) => reply,
        // Nobody subscribes to the subject, and the server says so at once.
        Err(err) if err.kind() == RequestErrorKind::NoResponders => {
            return Err(Problem::new(format!(
                "nobody answers on '{subject}': no responder subscribes to it."
            ))
            .hint(format!(
                "start one in another terminal: cargo run -p reply -- {subject}"
            )));
        }
        // Someone subscribes, but no answer came in time.
        Err(err) if err.kind() == RequestErrorKind::TimedOut => {
            return Err(Problem::new(format!(
                "no reply on '{subject}' within {seconds} s: a subscriber received the request \
                 but did not answer in time."
            ))
            .hint(
                "is the responder busy or stuck? give it longer with a larger SECONDS argument",
            ));
        }
        Err(err) if err.kind() == RequestErrorKind::InvalidSubject => {
            let sentence = format!("'{subject}' is not a valid subject to send a request on.");
            return Err(Problem::new(sentence).hint(stepkit::SUBJECT_HINT));
        }
        Err(err) => {
            return Err(Problem::new(format!(
                "the request on '{subject}' failed: {err}."
            )));
        }
    };
    let text = String::from_utf8_lossy(&reply.payload);
    info!("Received reply '{text}'");
    Ok(())
}
