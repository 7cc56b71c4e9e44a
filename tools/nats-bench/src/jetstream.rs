//! `--jetstream`: publishing N messages to a stream four ways, side by side in one run.
//!
//! 1. `publish(..).await?.await?` in a loop: each message waits for its acknowledgement
//!    before the next one goes. The most common JetStream performance mistake: the loop runs
//!    at one round trip per message.
//! 2. A window of acknowledgements in flight: messages go out while fewer than 256 wait for
//!    theirs, and the oldest is awaited when that many do. Every message is still confirmed,
//!    and the loop no longer waits a round trip per message.
//! 3. Atomic batches (nats-server 2.12, the stream's `allow_atomic_publish`): up to 1,000
//!    messages carry `Nats-Batch-Id` and `Nats-Batch-Sequence`; the last carries
//!    `Nats-Batch-Commit: 1`, and only it is acknowledged, for the whole batch, which the
//!    stream stores all together or not at all.
//! 4. A fast-ingest batch (nats-server 2.14, `allow_batch_publish`): each message is stored as
//!    it arrives, and the server acknowledges every `flow` messages instead of each one. The
//!    protocol is in the reply subject, `<inbox>.<flow>.<gap>.<seq>.<op>.$FI`; async-nats 0.51
//!    has no publisher for it, so it is written out below.
//!
//! Each way publishes to the stream `BENCH` (subjects `bench.js.>`), made afresh, and must
//! leave exactly N messages in it; the report gives messages per second and each way's ratio
//! to the first.

use std::collections::VecDeque;
use std::future::IntoFuture;
use std::time::{Duration, Instant};

use async_nats::jetstream::context::PublishAckFuture;
use async_nats::jetstream::stream::Config;
use async_nats::jetstream::{self, Context};
use async_nats::{Client, HeaderMap};
use bytes::Bytes;
use futures_util::StreamExt;

use crate::connection::connect;
use crate::options::Settings;

const SUBJECT: &str = "bench.js.orders";
/// The largest atomic batch nats-server takes.
const ATOMIC_BATCH: u64 = 1_000;
/// How many messages a fast batch asks the server to store between acknowledgements, and how
/// many such windows may be unacknowledged before the publisher waits.
const FLOW: u64 = 100;
const WINDOWS: u64 = 2;
/// The acknowledgements that may be outstanding in the second way.
const IN_FLIGHT: usize = 256;

pub const WAYS: [&str; 4] = [
    "1. await each acknowledgement",
    "2. acknowledgements in flight (256)",
    "3. atomic batches of 1000 (2.12)",
    "4. a fast-ingest batch (2.14)",
];

/// Runs the four ways and prints the table.
pub async fn run(settings: &Settings) -> Result<(), String> {
    let client = connect(settings, async_nats::ConnectOptions::new()).await?;
    let js = jetstream::new(client.clone());
    let payload = Bytes::from(vec![b'x'; settings.size]);
    let mut rates = Vec::new();
    for (index, way) in WAYS.iter().enumerate() {
        fresh_stream(&js).await?;
        let started = Instant::now();
        match index {
            0 => one_at_a_time(&js, settings.msgs, &payload).await?,
            1 => in_flight(&js, settings.msgs, &payload).await?,
            2 => atomic_batches(&client, &js, settings.msgs, &payload).await?,
            _ => fast_batch(&client, settings.msgs, &payload).await?,
        }
        let took = started.elapsed();
        let stored = stored(&js).await?;
        if stored != settings.msgs {
            return Err(format!(
                "{way}: the stream holds {stored} of {} messages",
                settings.msgs
            ));
        }
        let rate = settings.msgs as f64 / took.as_secs_f64().max(1e-9);
        rates.push(rate);
        println!(
            "[jetstream] {way:<38} {:>10.0} msgs/s  {:>6.1} x  ({stored} stored)",
            rate,
            rate / rates[0]
        );
    }
    js.delete_stream("BENCH").await.map_err(failed)?;
    Ok(())
}

async fn fresh_stream(js: &Context) -> Result<(), String> {
    let _ = js.delete_stream("BENCH").await;
    let config = Config {
        name: "BENCH".to_string(),
        subjects: vec!["bench.js.>".to_string()],
        allow_atomic_publish: true,
        allow_batch_publish: true,
        ..Default::default()
    };
    js.create_stream(config).await.map(|_| ()).map_err(|err| {
        format!(
            "cannot make the stream BENCH: {err}.\nhint: the JetStream mode needs nats-server \
             2.14 or newer with JetStream: `cargo xtask server --jetstream`"
        )
    })
}

async fn stored(js: &Context) -> Result<u64, String> {
    let mut stream = js.get_stream("BENCH").await.map_err(failed)?;
    Ok(stream.info().await.map_err(failed)?.state.messages)
}

/// Way 1: send, wait for the acknowledgement, and only then send the next.
async fn one_at_a_time(js: &Context, msgs: u64, payload: &Bytes) -> Result<(), String> {
    for _ in 0..msgs {
        js.publish(SUBJECT, payload.clone())
            .await
            .map_err(failed)?
            .await
            .map_err(failed)?;
    }
    Ok(())
}

/// Way 2: a window of acknowledgements: send on while fewer than 256 are outstanding, and await
/// the oldest when that many are. Every acknowledgement is still awaited, in order. (A
/// `PublishAckFuture` holds one of the context's `max_ack_inflight` permits, 5,000 by default,
/// until it is awaited or dropped: keeping them all unawaited would stop `publish` at 5,000.)
async fn in_flight(js: &Context, msgs: u64, payload: &Bytes) -> Result<(), String> {
    let mut window = VecDeque::with_capacity(IN_FLIGHT);
    for _ in 0..msgs {
        if window.len() == IN_FLIGHT
            && let Some(oldest) = window.pop_front()
        {
            PublishAckFuture::into_future(oldest)
                .await
                .map_err(failed)?;
        }
        window.push_back(js.publish(SUBJECT, payload.clone()).await.map_err(failed)?);
    }
    for ack in window {
        ack.await.map_err(failed)?;
    }
    Ok(())
}

/// Way 3: batches of up to 1,000: the messages before the last go out without a reply subject
/// (the server answers nothing for them), the last commits and is acknowledged.
async fn atomic_batches(
    client: &Client,
    js: &Context,
    msgs: u64,
    payload: &Bytes,
) -> Result<(), String> {
    let mut sent = 0;
    while sent < msgs {
        let size = ATOMIC_BATCH.min(msgs - sent);
        let id = client.new_inbox().replace("_INBOX.", "");
        for n in 1..=size {
            let mut headers = HeaderMap::new();
            headers.insert("Nats-Batch-Id", id.as_str());
            headers.insert("Nats-Batch-Sequence", n.to_string().as_str());
            if n < size {
                client
                    .publish_with_headers(SUBJECT, headers, payload.clone())
                    .await
                    .map_err(failed)?;
                continue;
            }
            headers.insert("Nats-Batch-Commit", "1");
            let commit = jetstream::message::PublishMessage::build()
                .headers(headers)
                .payload(payload.clone());
            js.send_publish(SUBJECT, commit)
                .await
                .map_err(failed)?
                .await
                .map_err(failed)?;
        }
        sent += size;
    }
    Ok(())
}

/// Way 4: one fast-ingest batch. Every message's reply subject says which batch (the inbox), how
/// often to acknowledge (`FLOW`), what to do on a gap (`fail`), its sequence in the batch and
/// its operation: 0 starts the batch, 1 appends, 2 commits (and stores) the last. The server
/// answers the start and every `FLOW` messages with `{"type":"ack","seq":S,"msgs":F}`: all up
/// to S are stored, and F is the flow it will keep. The publisher sends on while fewer than
/// `WINDOWS` windows wait for their acknowledgement. The commit's answer is the batch's
/// acknowledgement, `{"stream":..,"seq":..,"batch":..,"count":N}`.
async fn fast_batch(client: &Client, msgs: u64, payload: &Bytes) -> Result<(), String> {
    let inbox = client.new_inbox();
    let mut answers = client
        .subscribe(format!("{inbox}.>"))
        .await
        .map_err(failed)?;
    let (mut flow, mut acked) = (FLOW, 0);
    for seq in 1..=msgs {
        // Wait while every window allowed is unacknowledged.
        while seq > acked + flow * WINDOWS {
            (acked, flow) = flow_ack(&mut answers).await?;
        }
        let operation = if seq == msgs {
            2
        } else if seq == 1 {
            0
        } else {
            1
        };
        let reply = format!("{inbox}.{flow}.fail.{seq}.{operation}.$FI");
        client
            .publish_with_reply(SUBJECT, reply, payload.clone())
            .await
            .map_err(failed)?;
        // The start is answered before anything else is sent: the batch is accepted (or not).
        if operation == 0 {
            (acked, flow) = flow_ack(&mut answers).await?;
        }
    }
    // The flow acknowledgements still on their way, then the batch's own.
    loop {
        let answer = next_answer(&mut answers).await?;
        match answer["type"].as_str() {
            Some("ack") => continue,
            None if answer["count"].as_u64() == Some(msgs) => return Ok(()),
            _ => return Err(format!("the fast batch's commit failed: {answer}")),
        }
    }
}

/// The next flow acknowledgement: all up to `seq` are stored, and the flow the server keeps.
async fn flow_ack(answers: &mut async_nats::Subscriber) -> Result<(u64, u64), String> {
    let answer = next_answer(answers).await?;
    match (answer["type"].as_str(), answer["seq"].as_u64()) {
        (Some("ack"), Some(seq)) => Ok((seq, answer["msgs"].as_u64().unwrap_or(FLOW).max(1))),
        _ => Err(format!("the fast batch failed: {answer}")),
    }
}

async fn next_answer(answers: &mut async_nats::Subscriber) -> Result<serde_json::Value, String> {
    let next = tokio::time::timeout(Duration::from_secs(10), answers.next()).await;
    let Ok(Some(message)) = next else {
        return Err("the server did not answer the fast batch within 10 s".to_string());
    };
    serde_json::from_slice(&message.payload).map_err(|err| format!("not JSON ({err})"))
}

fn failed(err: impl std::fmt::Display) -> String {
    format!("JetStream failed: {err}")
}
