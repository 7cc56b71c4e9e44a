//! # Persistence: a durable pull consumer
//!
//! A stream keeps messages; a **consumer** reads them. This one is **durable**: it has a name,
//! `processor`, and the server remembers, for that name, which messages were acknowledged.
//! The program asks for messages in batches (a **pull** consumer: it fetches when it is
//! ready), acknowledges each one after handling it, and stops once it has caught up. Run it
//! again and it goes on where it stopped, even in another process: the state lives in the
//! server, not in the client. A message that is not acknowledged in time comes back, with a
//! higher delivery count: at least once.
//!
//! Run it (two terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server --jetstream
//! terminal 2:  cargo run -p js-pub && cargo run -p js-pull
//! ```
//!
//! Arguments: `js-pull [CONSUMER] [LIMIT] [MODE]` (defaults `processor`, 0: no limit, and
//! none). With a LIMIT it stops after that many messages, leaving the rest for the next run.
//! MODE `wait` keeps waiting for new messages until Ctrl-C; MODE `nak` refuses the first
//! delivery of every message, to watch it come back.

use std::pin::pin;
use std::time::Duration;

use async_nats::ConnectOptions;
use async_nats::jetstream::AckKind;
use async_nats::jetstream::{self, consumer, stream::ConsumerErrorKind};
use futures_util::{FutureExt, StreamExt};
use log::{info, warn};
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_jetstream("js-pull")?;
    let name = stepkit::arg(1, "processor");
    let limit = stepkit::number_arg(2, "LIMIT", 0)?;
    let mode = stepkit::arg(3, "");

    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("js-pull"))
        .connect(&url)
        .await?;
    info!("Connected to {url}");
    let js = jetstream::new(client);
    let stream = js.get_stream("ORDERS").await.map_err(|err| {
        Problem::new(format!("cannot find the stream ORDERS ({err}).")).hint(
            "js-pub creates it: run it once; the server must run JetStream: start one with \
             `cargo xtask server --jetstream`",
        )
    })?;

    // Durable: the server keeps this consumer, and its position, under its name.
    let config = consumer::pull::Config {
        durable_name: Some(name.clone()),
        ack_policy: consumer::AckPolicy::Explicit,
        ..Default::default()
    };
    let created = stream.get_or_create_consumer(&name, config).await;
    let mut consumer = created.map_err(|err| {
        let problem = Problem::new(format!(
            "could not create or find the consumer {name}: {err}."
        ));
        // A cluster that has just lost a node answers nothing until it has new leaders.
        match err.kind() {
            ConsumerErrorKind::TimedOut => problem.hint("wait a few seconds, and run it again"),
            _ => problem,
        }
    })?;
    info!("Consumer '{name}' on ORDERS, fetching in batches of up to 10");

    let mut processed = 0;
    let mut ctrl_c = pin!(tokio::signal::ctrl_c());
    // In `wait` mode, an empty batch takes a second; Ctrl-C is noticed between batches.
    while (&mut ctrl_c).now_or_never().is_none() {
        // Up to 10 messages (fewer near the limit); an empty batch after a second: caught up.
        let wanted = if limit == 0 {
            10
        } else {
            (limit - processed).min(10)
        };
        let mut batch = consumer
            .fetch()
            .max_messages(wanted as usize)
            .expires(Duration::from_secs(1))
            .messages()
            .await
            .map_err(|err| failed("fetch messages", err))?;
        let (mut got, mut refused) = (0, 0);
        while let Some(message) = batch.next().await {
            let message = message.map_err(|err| failed("receive", err))?;
            let info = message
                .info()
                .map_err(|err| failed("read the message's info", err))?;
            let (sequence, delivered) = (info.stream_sequence, info.delivered);
            let text = String::from_utf8_lossy(&message.payload).to_string();
            if mode == "nak" && delivered == 1 {
                // Refused: the server delivers it again, counting one more delivery.
                let nak = message.ack_with(AckKind::Nak(None)).await;
                nak.map_err(|err| failed("refuse (nak)", err))?;
                info!("#{sequence} '{text}' (delivery 1), refused: it will come back");
                refused += 1;
                continue;
            }
            // Acknowledged: the server will not deliver it to this consumer again.
            message
                .ack()
                .await
                .map_err(|err| failed("acknowledge", err))?;
            info!("#{sequence} '{text}' (delivery {delivered}), acknowledged");
            got += 1;
        }
        processed += got;
        let idle = got + refused == 0 && mode != "wait";
        if idle || (limit > 0 && processed >= limit) {
            break;
        }
    }
    if limit > 0 && processed >= limit {
        info!("Stopped at the limit: processed {processed} message(s); the rest waits");
        return Ok(());
    }
    // An empty batch may also be a cluster electing a leader: the consumer's count tells.
    match consumer.info().await.map(|info| info.num_pending) {
        Ok(0) => info!("Caught up: processed {processed} message(s)"),
        Ok(left) => {
            warn!("Processed {processed}; {left} more wait (a leader election?): run again")
        }
        Err(err) => warn!("Processed {processed}; cannot tell what is left ({err}): run again"),
    }
    Ok(())
}

/// Any other JetStream failure, with what was being done.
fn failed(doing: &str, err: impl std::fmt::Display) -> Problem {
    Problem::new(format!("could not {doing}: {err}."))
}
