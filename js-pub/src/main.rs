//! # Persistence: publishing into a JetStream stream
//!
//! Core NATS delivers at most once: a message goes to the subscribers connected at that moment,
//! or to nobody. JetStream, built into nats-server, adds **streams**: a stream stores every
//! message published on its subjects, and the server **acknowledges** each one once it is
//! stored. A publisher that got the acknowledgement knows the message is safe; one that did not
//! can publish again, and the `Nats-Msg-Id` header lets the stream drop the duplicate.
//!
//! This program creates the stream `ORDERS` (subjects `orders.>`), or updates it, and publishes
//! one message twice with the same `Nats-Msg-Id`: stored once, the second acknowledgement says
//! "duplicate".
//!
//! Run it (two terminals; `js-pull` reads what it stored):
//!
//! ```text
//! terminal 1:  cargo xtask server --jetstream      # JetStream on, its store in target/
//! terminal 2:  cargo run -p js-pub                 # this program
//! ```
//!
//! Arguments: `js-pub [SUBJECT] [MESSAGE] [REPLICAS] [COUNT]` (defaults `orders.new`,
//! `one pizza`, 1 and 1). 3 replicas need a cluster with JetStream (`cargo xtask cluster
//! --jetstream`); a COUNT over 1 publishes `MESSAGE 1` to `MESSAGE COUNT`.

use std::time::{Duration, Instant};

use async_nats::HeaderMap;
use async_nats::jetstream::context::{Context, PublishErrorKind};
use async_nats::jetstream::{self, publish::PublishAck, stream};
use log::{info, warn};
use stepkit::Problem;

/// How long a message is offered again: longer than a cluster takes to elect a new leader.
const PATIENCE: Duration = Duration::from_secs(15);

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("js-pub")?;
    let subject = stepkit::arg(1, "orders.new");
    let message = stepkit::arg(2, "one pizza");
    let replicas = stepkit::number_arg(3, "REPLICAS", 1)?;
    let count = stepkit::number_arg(4, "COUNT", 1)?.max(1);

    let options = async_nats::ConnectOptions::new().name(stepkit::connection_name("js-pub"));
    // NATS_URL may list a cluster's nodes, comma-separated: the client fails over among them.
    let client = options.connect(&url).await?;
    info!("Connected to {url}");

    // The JetStream API is requests on the same connection (subjects under $JS.API). An
    // acknowledgement that takes over 2 seconds counts as lost.
    let js = jetstream::ContextBuilder::new()
        .timeout(Duration::from_secs(2))
        .build(client);
    let config = stream::Config {
        name: "ORDERS".to_string(),
        subjects: vec!["orders.>".to_string()],
        num_replicas: replicas as usize,
        ..Default::default()
    };
    // Created the first time, updated to this configuration afterwards.
    js.create_or_update_stream(config)
        .await
        .map_err(|err| stepkit::jetstream::stream_error("ORDERS", err))?;
    info!("Stream ORDERS ({replicas} replica(s)) stores everything published on orders.>");

    // COUNT messages, then the last one again: the same Nats-Msg-Id, so the stream keeps one.
    let body = |n: u64| match count {
        1 => message.clone(),
        _ => format!("{message} {n}"),
    };
    for n in 1..=count {
        let ack = publish(&js, &subject, &body(n)).await?;
        report("Published", &body(n), ack);
    }
    let ack = publish(&js, &subject, &body(count)).await?;
    report("Published again", &body(count), ack);
    Ok(())
}

/// Logs what the stream did with `body`: stored it, or recognised a copy it already has.
fn report(what: &str, body: &str, ack: PublishAck) {
    let (stream, sequence) = (ack.stream, ack.sequence);
    if ack.duplicate {
        info!("{what} '{body}': a duplicate of #{sequence}, stored once");
    } else {
        info!("{what} '{body}': stored in {stream} as #{sequence}");
    }
}

/// Publishes `body` until the stream acknowledges it, or PATIENCE runs out. Every attempt has
/// the same `Nats-Msg-Id`: one stored but whose acknowledgement got lost is not stored twice.
async fn publish(js: &Context, subject: &str, body: &str) -> Result<PublishAck, Problem> {
    let mut headers = HeaderMap::new();
    headers.insert("Nats-Msg-Id", format!("{subject}:{body}").as_str());
    let started = Instant::now();
    loop {
        // The first await sends the message; the second waits for the stream's acknowledgement.
        let sent = js
            .publish_with_headers(subject.to_owned(), headers.clone(), body.to_owned().into())
            .await;
        let acked = match sent {
            Ok(ack) => ack.await,
            Err(err) => Err(err),
        };
        let err = match acked {
            Ok(ack) => return Ok(ack),
            Err(err) => err,
        };
        // No answer in time; or "no stream" on a subject ORDERS takes: in a cluster, the stream
        // is electing a new leader. Both may pass: try again.
        let passing = err.kind() == PublishErrorKind::TimedOut
            || (err.kind() == PublishErrorKind::StreamNotFound && subject.starts_with("orders."));
        if !passing {
            return Err(stepkit::jetstream::publish_error(subject, err));
        } else if started.elapsed() > PATIENCE {
            return Err(stepkit::jetstream::not_acknowledged(body, PATIENCE, err));
        }
        let kind = err.kind();
        warn!("'{body}' was not acknowledged ({kind}); publishing it again");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
