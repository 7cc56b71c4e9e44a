//! # Persistence: priority groups and pausing a consumer (nats-server 2.11)
//!
//! Workers that pull from one consumer share its messages: each pull request gets the next
//! ones. A **priority group** lets the server choose among them instead. The consumer names
//! its groups (`priority_groups`) and a policy (`priority_policy`), and each pull names its
//! group:
//!
//! - `pinned`: **a pinned client** (`PinnedClient`). The server delivers to one worker only
//!   and keeps the others on standby, for work that must go through one hand at a time. When
//!   the pinned worker stops pulling for `priority_timeout`, the server pins another.
//! - `overflow`: **overflow** (`Overflow`). A pull that sets `min_pending` N gets messages only
//!   while N or more wait to be delivered: a standby worker that helps when a backlog builds.
//! - `pause`: **pausing** a consumer until a time (`pause_consumer`): it delivers nothing until
//!   then, or until `resume_consumer`. For a downstream that is being upgraded, say.
//!
//! Each run makes the stream `JOBS` (subjects `jobs.>`) afresh, a work queue, and shows one.
//! Every worker has a connection of its own, as a separate program would.
//!
//! Run it (two terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server --jetstream
//! terminal 2:  cargo run -p js-priority -- pinned      (or overflow, pause)
//! ```

use std::time::{Duration, Instant};

use async_nats::jetstream::consumer::{AckPolicy, PriorityPolicy, PullConsumer, pull};
use async_nats::jetstream::stream::{Config, RetentionPolicy, Stream};
use async_nats::jetstream::{self, Context};
use async_nats::{Client, ConnectOptions};
use futures_util::StreamExt;
use log::info;
use stepkit::{NatsUrl, Problem};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const MODES: [&str; 3] = ["pinned", "overflow", "pause"];

/// What a worker tells `main`: who took which job.
type Took = (&'static str, String);
/// The hint of a wait that ran out: the machine was busy, or the server stopped.
const SLOW: &str = "is the server still running? Run js-priority again: each run starts afresh";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_jetstream("js-priority")?;
    let mode = stepkit::arg(1, "pinned");
    if !MODES.contains(&mode.as_str()) {
        let hint = format!(
            "cargo run -p js-priority -- MODE, with MODE one of {}",
            MODES.join(", ")
        );
        return Err(Problem::new(format!("'{mode}' is not a mode of js-priority.")).hint(hint));
    }
    let client = connect(&url).await?;
    info!("Connected to {url}");
    // Priority groups and pausing came with nats-server 2.11.
    stepkit::needs_server(&client, (2, 11), "js-priority")?;
    let js = jetstream::new(client);

    // Every run starts from zero. (Not found the first time; had it failed otherwise,
    // `create_stream` would say so.)
    let _ = js.delete_stream("JOBS").await;
    let config = Config {
        name: "JOBS".to_string(),
        subjects: vec!["jobs.>".to_string()],
        retention: RetentionPolicy::WorkQueue,
        ..Default::default()
    };
    let stream = js.create_stream(config).await.map_err(failed)?;
    match mode.as_str() {
        "pinned" => pinned(&url, &js, &stream).await?,
        "overflow" => overflow(&url, &js, &stream).await?,
        _ => pause(&url, &js, &stream).await?,
    }
    info!("The stream JOBS stays, to inspect; the next run starts afresh");
    Ok(())
}

/// A pinned client: one worker gets every job; another waits on standby and takes over when
/// the first has not pulled for `priority_timeout`.
async fn pinned(url: &NatsUrl, js: &Context, stream: &Stream) -> Result<(), Problem> {
    let config = pull::Config {
        priority_policy: PriorityPolicy::PinnedClient,
        priority_groups: vec!["jobs".to_string()],
        priority_timeout: Duration::from_secs(2),
        ..Default::default()
    };
    let mut consumer = durable(stream, "workers", config).await?;
    info!("consumer workers: pinned client, group jobs, priority_timeout 2 s");

    // A one-shot fetch would take the pin and never renew it, keeping every other worker on
    // standby until the timeout: async-nats refuses it before asking the server.
    match consumer.fetch().max_messages(1).messages().await {
        Err(refused) => info!("fetch: refused by async-nats: {refused}"),
        Ok(_) => info!("fetch: accepted"),
    }

    let (took_tx, mut took) = mpsc::unbounded_channel();
    let a = worker(url, "a", "workers", None, took_tx.clone()).await?;
    publish(js, 1..=1).await?;
    let first = next(&mut took).await?;
    info!("{} took {}: the server pinned a", first.0, first.1);
    worker(url, "b", "workers", None, took_tx).await?;
    waiting(&consumer, 2).await?;
    publish(js, 2..=10).await?;
    let mut by_a = 1;
    for _ in 2..=10 {
        if next(&mut took).await?.0 == "a" {
            by_a += 1;
        }
    }
    info!(
        "jobs 1 to 10: a took {by_a}, b took {}: b pulls, on standby",
        10 - by_a
    );

    // a stops pulling, as a crashed worker would. Its pin lasts until priority_timeout; the
    // consumer's info names the pinned client's id, which goes when the pin is released.
    let pinned_a = pin(&mut consumer).await?;
    a.abort();
    let stopped = Instant::now();
    while pin(&mut consumer).await? == pinned_a {
        if stopped.elapsed() > Duration::from_secs(10) {
            return Err(Problem::new("a's pin was not released within 10 s.").hint(SLOW));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let after = stopped.elapsed().as_secs_f64();
    info!("a stopped; its pin was released {after:.1} s later");
    // The server pins a client when it delivers to it: b, the only one pulling now.
    publish(js, 11..=11).await?;
    let (who, job) = next(&mut took).await?;
    info!("{who} took {job}: the server pinned {who}");
    Ok(())
}

/// Overflow: a standby worker that pulls with `min_pending` 5 gets jobs only while 5 or more
/// wait to be delivered; the main worker takes what is left.
async fn overflow(url: &NatsUrl, js: &Context, stream: &Stream) -> Result<(), Problem> {
    let config = pull::Config {
        priority_policy: PriorityPolicy::Overflow,
        priority_groups: vec!["jobs".to_string()],
        ..Default::default()
    };
    let mut consumer = durable(stream, "workers", config).await?;
    info!("consumer workers: overflow, group jobs");

    let (took_tx, mut took) = mpsc::unbounded_channel();
    worker(url, "standby", "workers", Some(5), took_tx.clone()).await?;
    waiting(&consumer, 1).await?;
    info!("standby pulls with min_pending 5; 8 jobs are published");
    publish(js, 1..=8).await?;
    // Each new job that brings the backlog to 5 lets the standby take one, back down to 4.
    log_next(&mut took, 4).await?;
    let left = consumer.info().await.map_err(failed)?.num_pending;
    info!("{left} jobs left to deliver, fewer than 5: the standby waits");

    worker(url, "main", "workers", None, took_tx).await?;
    log_next(&mut took, left).await?;
    Ok(())
}

/// Pausing: a paused consumer keeps its pull requests and delivers nothing until its pause
/// ends, or until it is resumed.
async fn pause(url: &NatsUrl, js: &Context, stream: &Stream) -> Result<(), Problem> {
    let mut consumer = durable(stream, "workers", pull::Config::default()).await?;
    let (took_tx, mut took) = mpsc::unbounded_channel();
    worker(url, "w", "workers", None, took_tx).await?;

    let until = async_nats::datetime::now() + Duration::from_secs(2);
    let paused = stream
        .pause_consumer("workers", until)
        .await
        .map_err(failed)?;
    info!("paused for 2 s: paused {}", paused.paused);
    let started = Instant::now();
    publish(js, 1..=1).await?;
    let (who, job) = next(&mut took).await?;
    let after = started.elapsed().as_secs_f64();
    info!("{who} took {job}, published during the pause, {after:.1} s later: when it ended");

    let until = async_nats::datetime::now() + Duration::from_secs(3600);
    stream
        .pause_consumer("workers", until)
        .await
        .map_err(failed)?;
    let info = consumer.info().await.map_err(failed)?;
    let left = info
        .pause_remaining
        .unwrap_or_default()
        .as_secs()
        .div_ceil(60);
    info!(
        "paused for an hour: paused {}, {left} min remaining",
        info.paused
    );
    publish(js, 2..=2).await?;
    let resumed = stream.resume_consumer("workers").await.map_err(failed)?;
    let started = Instant::now();
    info!("resumed: paused {}", resumed.paused);
    let (who, job) = next(&mut took).await?;
    let after = started.elapsed().as_secs_f64();
    info!("{who} took {job} {after:.1} s after the resume");
    Ok(())
}

/// A worker with a connection of its own: pulls from `consumer` in the group `jobs` (with
/// `min_pending` when given), acknowledges each job, tells `main` which, until `main` ends.
async fn worker(
    url: &NatsUrl,
    name: &'static str,
    consumer: &str,
    min_pending: Option<usize>,
    took: mpsc::UnboundedSender<Took>,
) -> Result<JoinHandle<()>, Problem> {
    let js = jetstream::new(connect(url).await?);
    let stream = js.get_stream("JOBS").await.map_err(failed)?;
    let consumer: PullConsumer = stream.get_consumer(consumer).await.map_err(failed)?;
    // Each pull asks for a second: well below priority_timeout, so the pin is renewed.
    let mut pull = consumer
        .stream()
        .group("jobs")
        .expires(Duration::from_secs(1));
    if let Some(n) = min_pending {
        pull = pull.min_pending(n);
    }
    let mut messages = pull.messages().await.map_err(failed)?;
    Ok(tokio::spawn(async move {
        while let Some(Ok(message)) = messages.next().await {
            let job = String::from_utf8_lossy(&message.payload).into_owned();
            if message.double_ack().await.is_err() || took.send((name, job)).is_err() {
                break;
            }
        }
    }))
}

async fn durable(
    stream: &Stream,
    name: &str,
    config: pull::Config,
) -> Result<PullConsumer, Problem> {
    let config = pull::Config {
        durable_name: Some(name.to_string()),
        ack_policy: AckPolicy::Explicit,
        ..config
    };
    stream.create_consumer(config).await.map_err(failed)
}

/// Publishes `job N` for each N, each stored before the next.
async fn publish(js: &Context, jobs: std::ops::RangeInclusive<u32>) -> Result<(), Problem> {
    for n in jobs {
        let ack = js.publish("jobs.new", format!("job {n}").into());
        async { ack.await?.await }.await.map_err(failed)?;
    }
    Ok(())
}

/// The next job a worker took, within 10 s.
async fn next(took: &mut mpsc::UnboundedReceiver<Took>) -> Result<Took, Problem> {
    let next = tokio::time::timeout(Duration::from_secs(10), took.recv()).await;
    next.ok()
        .flatten()
        .ok_or_else(|| Problem::new("no worker took a job within 10 s.").hint(SLOW))
}

/// The id of the client pinned in the group `jobs`, if any.
async fn pin(consumer: &mut PullConsumer) -> Result<Option<String>, Problem> {
    let info = consumer.info().await.map_err(failed)?;
    let group = info.priority_groups.iter().find(|g| g.group == "jobs");
    Ok(group.and_then(|g| g.pinned_client_id.clone()))
}

/// Logs who took each of the next `count` jobs.
async fn log_next(took: &mut mpsc::UnboundedReceiver<Took>, count: u64) -> Result<(), Problem> {
    for _ in 0..count {
        let (who, job) = next(took).await?;
        info!("{who} took {job}");
    }
    Ok(())
}

/// Waits until `count` pull requests wait on the consumer: the workers are all pulling.
async fn waiting(consumer: &PullConsumer, count: usize) -> Result<(), Problem> {
    let (mut consumer, asked) = (consumer.clone(), Instant::now());
    while consumer.info().await.map_err(failed)?.num_waiting < count {
        if asked.elapsed() > Duration::from_secs(10) {
            let late = format!("{count} workers were not all pulling within 10 s.");
            return Err(Problem::new(late).hint(SLOW));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

async fn connect(url: &NatsUrl) -> Result<Client, Problem> {
    let options = ConnectOptions::new().name(stepkit::connection_name("js-priority"));
    Ok(stepkit::in_class(options).connect(url).await?)
}

/// A JetStream request failed: a server without JetStream, or one that stopped.
fn failed(err: impl std::fmt::Display) -> Problem {
    let hint = "is the server started with JetStream? `cargo xtask server --jetstream`";
    Problem::new(format!("JetStream failed: {err}.")).hint(hint)
}
