//! # Beyond one cluster: mirrors and sources
//!
//! A stream can fill itself from other streams instead of from publishers. The server copies
//! the messages over, and goes on copying as new ones come. Three shapes:
//!
//! - a **mirror** is a read replica of one stream: the same messages under the same sequence
//!   numbers, and nothing else (a mirror has no subjects of its own: the server refuses them);
//! - a stream with **sources** gathers several streams into one, each message once, and may
//!   rewrite the subjects on the way (`subject_transforms`): here two regions' orders, EU and US,
//!   into ALL;
//! - a **work queue sourced reliably** (nats-server 2.14): ARCHIVE sources the work queue JOBS
//!   through a durable consumer with `AckPolicy::FlowControl`: the consumer alone removes
//!   nothing, and a job leaves JOBS when ARCHIVE's server answers that it has stored it.
//!
//! Run it (two terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server --jetstream   # a nats-server with JetStream, on 4222
//! terminal 2:  cargo run -p js-mirror           # this program
//! ```
//!
//! `NATS_URL` points it at another server (default `nats://localhost:4222`).

use std::time::{Duration, Instant};

use async_nats::ConnectOptions;
use async_nats::jetstream::consumer::{AckPolicy, push};
use async_nats::jetstream::stream::{
    Config, RetentionPolicy, Source, StreamConsumerSource, SubjectTransform,
};
use async_nats::jetstream::{self, Context};
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_jetstream("js-mirror")?;
    let options = ConnectOptions::new().name(stepkit::connection_name("js-mirror"));
    let client = stepkit::in_class(options).connect(&url).await?;
    info!("Connected to {url}");
    // Sourcing through a durable consumer came with nats-server 2.14.
    stepkit::needs_server(&client, (2, 14), "js-mirror")?;
    let js = jetstream::new(client);
    for name in [
        "ORDERS_COPY",
        "ORDERS",
        "ALL",
        "EU",
        "US",
        "ARCHIVE",
        "JOBS",
    ] {
        let _ = js.delete_stream(name).await; // each run starts afresh
    }
    mirror(&js).await?;
    sources(&js).await?;
    reliable_work_queue(&js).await?;
    info!("The streams stay, to inspect; the next run starts afresh");
    Ok(())
}

/// ORDERS_COPY mirrors ORDERS: it follows, with the same sequence numbers.
async fn mirror(js: &Context) -> Result<(), Problem> {
    let orders = Config {
        name: "ORDERS".into(),
        subjects: vec!["orders.>".into()],
        ..Default::default()
    };
    js.create_stream(orders).await.map_err(failed)?;
    publish(js, "orders.new", 1..=5).await?;
    // A mirror names its origin and no subjects: nothing is published into it directly.
    let copy = Config {
        name: "ORDERS_COPY".into(),
        mirror: Some(Source {
            name: "ORDERS".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    js.create_stream(copy).await.map_err(failed)?;
    info!(
        "ORDERS_COPY mirrors ORDERS: {}",
        held(js, "ORDERS_COPY", 5).await?
    );
    // It goes on following: two more orders reach the copy without anyone sending them there.
    publish(js, "orders.new", 6..=7).await?;
    info!("after 2 more orders: {}", held(js, "ORDERS_COPY", 7).await?);
    Ok(())
}

/// ALL sources the regional streams EU and US, and renames their subjects on the way.
async fn sources(js: &Context) -> Result<(), Problem> {
    for (name, region) in [("EU", "eu"), ("US", "us")] {
        let config = Config {
            name: name.into(),
            subjects: vec![format!("{region}.orders.>")],
            ..Default::default()
        };
        js.create_stream(config).await.map_err(failed)?;
    }
    publish(js, "eu.orders.new", 1..=3).await?;
    publish(js, "us.orders.new", 1..=4).await?;
    // eu.orders.new becomes orders.eu.new in ALL: the region moves into the subject's middle.
    let source = |name: &str, region: &str| Source {
        name: name.into(),
        subject_transforms: vec![SubjectTransform {
            source: format!("{region}.orders.>"),
            destination: format!("orders.{region}.>"),
        }],
        ..Default::default()
    };
    let all = Config {
        name: "ALL".into(),
        sources: Some(vec![source("EU", "eu"), source("US", "us")]),
        ..Default::default()
    };
    js.create_stream(all).await.map_err(failed)?;
    info!(
        "ALL sources EU (3) and US (4): {}",
        held(js, "ALL", 7).await?
    );
    Ok(())
}

/// ARCHIVE sources the work queue JOBS through a durable consumer acknowledged by flow control.
async fn reliable_work_queue(js: &Context) -> Result<(), Problem> {
    let jobs = Config {
        name: "JOBS".into(),
        subjects: vec!["jobs.>".into()],
        retention: RetentionPolicy::WorkQueue,
        ..Default::default()
    };
    let jobs = js.create_stream(jobs).await.map_err(failed)?;
    // The consumer the archive reads through: push, durable, acknowledged by the flow-control
    // answers of the server that stores the copies (ADR-60). It needs flow control and a
    // heartbeat, and no limit on deliveries, so that nothing lost on the way is given up.
    let consumer = push::Config {
        durable_name: Some("archive".into()),
        deliver_subject: "archive.deliver".into(),
        ack_policy: AckPolicy::FlowControl,
        flow_control: true,
        idle_heartbeat: Duration::from_secs(1),
        max_deliver: -1,
        ..Default::default()
    };
    jobs.create_consumer(consumer).await.map_err(failed)?;
    publish(js, "jobs.new", 1..=5).await?;
    info!(
        "JOBS holds 5 jobs, before any archive: {}",
        held(js, "JOBS", 5).await?
    );
    let archive = Config {
        name: "ARCHIVE".into(),
        sources: Some(vec![Source {
            name: "JOBS".into(),
            consumer: Some(StreamConsumerSource::new("archive", "archive.deliver")),
            ..Default::default()
        }]),
        ..Default::default()
    };
    js.create_stream(archive).await.map_err(failed)?;
    info!("ARCHIVE: {}", held(js, "ARCHIVE", 5).await?);
    // Stored in ARCHIVE, acknowledged by its flow-control answer, so removed from JOBS.
    info!("JOBS, once archived: {}", held(js, "JOBS", 0).await?);
    Ok(())
}

/// Publishes `orders` on `subject` (the number as the body), each confirmed by its stream.
async fn publish(
    js: &Context,
    subject: &str,
    numbers: std::ops::RangeInclusive<u32>,
) -> Result<(), Problem> {
    for number in numbers {
        let ack = js.publish(subject.to_string(), number.to_string().into());
        ack.await.map_err(failed)?.await.map_err(failed)?;
    }
    Ok(())
}

/// What `stream` holds once it has `expected` messages (or after 5 s, if it never does): the
/// count, its sequence numbers, and how many messages each subject has. A copy fills in the
/// background, so this asks the server until the count is reached.
async fn held(js: &Context, name: &str, expected: u64) -> Result<String, Problem> {
    let mut stream = js.get_stream(name).await.map_err(failed)?;
    let started = Instant::now();
    let mut state = stream.info().await.map_err(failed)?.state.clone();
    while state.messages != expected && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        state = stream.info().await.map_err(failed)?.state.clone();
    }
    if state.messages == 0 {
        return Ok("0 messages".into());
    }
    let subjects = stream.info_with_subjects(">").await.map_err(failed)?;
    let subjects: Vec<Result<(String, usize), _>> = subjects.collect().await;
    let mut subjects = subjects
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(failed)?;
    subjects.sort();
    let each: Vec<String> = subjects.iter().map(|(s, n)| format!("{s} ×{n}")).collect();
    let (first, last) = (state.first_sequence, state.last_sequence);
    Ok(format!(
        "{} message(s), #{first} to #{last}: {}",
        state.messages,
        each.join(", ")
    ))
}

/// A JetStream request failed: usually a server without JetStream.
fn failed(err: impl std::fmt::Display) -> Problem {
    let hint = "is the server started with JetStream? `cargo xtask server --jetstream`";
    Problem::new(format!("JetStream failed: {err}.")).hint(hint)
}
