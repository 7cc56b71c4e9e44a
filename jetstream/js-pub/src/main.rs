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

use async_nats::jetstream::context::{Context, CreateStreamErrorKind, PublishErrorKind};
use async_nats::jetstream::{self, ErrorCode, stream};
use async_nats::{ConnectOptions, HeaderMap};
use log::{info, warn};
use stepkit::Problem;

/// How long a message is offered again: longer than a cluster takes to elect a new leader.
const PATIENCE: Duration = Duration::from_secs(15);

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_jetstream("js-pub")?;
    let subject = stepkit::arg(1, "orders.new");
    let message = stepkit::arg(2, "one pizza");
    let replicas = stepkit::number_arg(3, "REPLICAS", 1)?;
    let count = stepkit::number_arg(4, "COUNT", 1)?.max(1);

    let options = stepkit::in_class(ConnectOptions::new()).name(stepkit::connection_name("js-pub"));
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
    let created = js.create_or_update_stream(config).await;
    created.map_err(|err| stream_error(err.kind()))?;
    info!("Stream ORDERS ({replicas} replica(s)) stores everything published on orders.>");

    // COUNT messages, then the last one again: the same Nats-Msg-Id, so the stream keeps one.
    let body = |n: u64| match count {
        1 => message.clone(),
        _ => format!("{message} {n}"),
    };
    for n in 1..=count {
        publish(&js, &subject, &body(n), "Published").await?;
    }
    publish(&js, &subject, &body(count), "Published again").await
}

/// Why the stream could not be made: no JetStream, or more replicas than JetStream nodes.
fn stream_error(kind: CreateStreamErrorKind) -> Problem {
    use ErrorCode as Code; // the server's codes for more replicas than JetStream nodes:
    let too_many = [Code::STREAM_REPLICAS_NOT_SUPPORTED, Code::CLUSTER_NO_PEERS];
    match kind {
        CreateStreamErrorKind::JetStreamUnavailable | CreateStreamErrorKind::TimedOut => {
            let sentence = "JetStream did not answer: this server does not run JetStream.";
            Problem::new(sentence).hint("start one with `cargo xtask server --jetstream`")
        }
        // Each replica needs a node of its own (and a new cluster a few seconds to know them).
        CreateStreamErrorKind::JetStream(js) if too_many.contains(&js.error_code()) => {
            let sentence = format!("the stream ORDERS cannot have that many replicas here: {js}.");
            Problem::new(sentence).hint("one per node: `cargo xtask cluster --jetstream` has three")
        }
        kind => Problem::new(format!("could not create the stream ORDERS: {kind}.")),
    }
}

/// Publishes `body` until the stream acknowledges it (or PATIENCE runs out), always with the
/// same `Nats-Msg-Id`: one stored whose acknowledgement got lost is not stored twice.
async fn publish(js: &Context, subject: &str, body: &str, what: &str) -> Result<(), Problem> {
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
            Ok(ack) => {
                let (stream, sequence) = (ack.stream, ack.sequence);
                match ack.duplicate {
                    true => info!("{what} '{body}': a duplicate of #{sequence}, stored once"),
                    false => info!("{what} '{body}': stored in {stream} as #{sequence}"),
                }
                return Ok(());
            }
            Err(err) => err,
        };
        // No answer in time; or "no stream" on a subject ORDERS takes: in a cluster, the stream
        // is electing a new leader. Both may pass: try again, for a while.
        let kind = err.kind();
        let passing = kind == PublishErrorKind::TimedOut
            || (kind == PublishErrorKind::StreamNotFound && subject.starts_with("orders."));
        if !passing {
            let sentence = match kind {
                PublishErrorKind::StreamNotFound => format!("no stream captures '{subject}'."),
                _ => format!("the publish on '{subject}' was not acknowledged: {err}."),
            };
            return Err(Problem::new(sentence).hint("ORDERS takes orders.>: try orders.new"));
        } else if started.elapsed() > PATIENCE {
            let sentence = format!(
                "'{body}' was not acknowledged within 15 s ({kind}): it may or may not be stored."
            );
            return Err(Problem::new(sentence).hint(
                "is a majority of the stream's nodes up? The same Nats-Msg-Id is safe to resend",
            ));
        }
        warn!("'{body}' was not acknowledged ({kind}); publishing it again");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
