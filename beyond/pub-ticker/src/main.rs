//! # Beyond the tutorial: a publisher through an outage
//!
//! `publish` returns `Ok` whether or not a server is there: it only puts the message in the
//! client's buffer. So what happens to messages published while the server is down? This
//! program publishes numbered messages at a steady rate and, after each one, asks the server
//! to confirm that it has received everything so far. When the server goes away, async-nats
//! keeps the new messages in its buffer and sends them once it has reconnected; what it had
//! already written into the dying connection is gone. At the end the program says which
//! messages the server confirmed and which nobody can vouch for.
//!
//! That is core NATS's promise: **at most once**. A message is delivered to the subscribers
//! connected when the server gets it, or not at all, and the publisher is not told which.
//! JetStream, NATS's persistence layer, adds storage and acknowledgements: at least once.
//!
//! Run it (three terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server                 # stop it with Ctrl-C half-way, start again
//! terminal 2:  cargo run -p counter-sub -- ticks  # counts what arrives
//! terminal 3:  cargo run -p pub-ticker            # this program: 60 messages, 4 a second
//! ```
//!
//! Arguments: `pub-ticker [SUBJECT] [COUNT] [EVERY_MS]` (defaults `ticks`, 60, 250).
//! `NATS_URL` points it at another server (default `nats://localhost:4222`).

use std::pin::pin;
use std::time::Duration;

use async_nats::{Client, ConnectOptions, RequestErrorKind};
use log::{info, warn};
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("pub-ticker")?;
    let subject = stepkit::arg(1, "ticks");
    let count = stepkit::number_arg(2, "COUNT", 60)?;
    let every = Duration::from_millis(stepkit::number_arg(3, "EVERY_MS", 250)?.max(1));

    // The event callback logs the outage as it happens (disconnected, reconnected).
    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("pub-ticker"))
        .event_callback(stepkit::log_event)
        .connect(&url)
        .await?;
    info!("Connected to {url}; publishing {count} messages on '{subject}'");

    // The numbers the server did not confirm: from the first to the last of them.
    let mut unconfirmed: Option<(u64, u64)> = None;
    let mut published = 0;
    let mut ticks = tokio::time::interval(every);
    let mut ctrl_c = pin!(tokio::signal::ctrl_c());
    for number in 1..=count {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = &mut ctrl_c => break,
        }
        // Succeeds with or without a server: the message goes into the client's buffer.
        let text = number.to_string();
        client
            .publish(subject.clone(), text.clone().into())
            .await
            .map_err(|err| stepkit::publish_error(&client, &[&subject], text.len(), err))?;
        published = number;
        if server_has_everything(&client, every).await {
            info!("#{number} published, and the server has it");
        } else {
            let (first, _) = unconfirmed.unwrap_or((number, number));
            unconfirmed = Some((first, number));
            warn!("#{number} published, not confirmed: buffered, or lost with the connection");
        }
    }

    info!("Published {published} message(s)");
    match unconfirmed {
        None => info!("The server confirmed every one"),
        Some((first, last)) => {
            if first > 1 {
                info!(
                    "The server confirmed #1 to #{}, before the outage",
                    first - 1
                );
            }
            warn!(
                "Not confirmed: #{first} to #{last}, published while the connection failed or \
                 was down. async-nats sent what was still in its buffer after the reconnect; \
                 what it had written into the dying connection is lost; nobody can say which"
            );
            if last < published {
                info!(
                    "The server confirmed #{} to #{published}, after it",
                    last + 1
                );
            }
        }
    }
    info!("At most once: each went to the subscribers connected when the server got it");
    stepkit::log_statistics(&client);
    Ok(())
}

/// True when the server answers a round trip within `patience`. It handles a connection's
/// messages in order, so its answer (here "no responders": nobody listens on a fresh inbox)
/// means it has received everything this connection sent before.
async fn server_has_everything(client: &Client, patience: Duration) -> bool {
    let round_trip = client.request(client.new_inbox(), "".into());
    match tokio::time::timeout(patience, round_trip).await {
        Ok(Err(err)) => err.kind() == RequestErrorKind::NoResponders,
        _ => false,
    }
}
