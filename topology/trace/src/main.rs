//! # Beyond one cluster: where did my message go? (message tracing)
//!
//! Since nats-server 2.11 a message can ask for a trace: one header, `Nats-Trace-Dest`, names a
//! subject, and every server the message passes through publishes a report there, in JSON:
//! where the message came in (`in`: a client, a route from another server of a cluster, a leaf
//! node's link) and each connection it went out to (`eg`, for egress), with the reason when it
//! was not delivered. No report has an egress when no server knew of a subscriber. async-nats
//! has no helper for tracing: the header is written out here, and the reports read as JSON.
//!
//! This program sends three messages from the leaf of `cargo xtask leaf`, with a subscriber on
//! hub-2: one that crosses the leaf's link and the hub's cluster, one that the leaf may not
//! pass on (its link denies `local.>`), and one that nobody subscribes to.
//!
//! Run it (two terminals):
//!
//! ```text
//! terminal 1:  cargo xtask leaf      # hub-1 and hub-2 (4223, 4224), the leaf on 4222
//! terminal 2:  cargo run -p trace    # this program: on the leaf, and on hub-2
//! ```
//!
//! `NATS_URL` points it at another leaf node, `NATS_HUB_URL` at another hub server (default
//! `nats://localhost:4224`, hub-2).

use std::time::Duration;

use async_nats::{Client, ConnectOptions, HeaderMap, Subscriber};
use futures_util::StreamExt;
use log::info;
use serde_json::Value;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_secured("trace", stepkit::DEFAULT_URL, "leaf")?;
    let options = ConnectOptions::new().name(stepkit::connection_name("trace"));
    let leaf = stepkit::in_class(options).connect(&url).await?;
    stepkit::needs_server(&leaf, (2, 11), "trace")?; // tracing came with nats-server 2.11
    let hub_url = std::env::var("NATS_HUB_URL").unwrap_or("nats://localhost:4224".into());
    let hub_options = ConnectOptions::new().name(stepkit::connection_name("trace-hub"));
    let hub = stepkit::in_class(hub_options).connect(&hub_url).await;
    let sentence = |err| format!("cannot connect to the hub at {hub_url} ({err}).");
    let hint = "start the hub and the leaf with `cargo xtask leaf`";
    let hub = hub.map_err(|err| Problem::new(sentence(err)).hint(hint))?;
    info!("Connected to the leaf at {url}, and to hub-2 at {hub_url}");

    // Subscribers on hub-2. The one on greet.> answers requests: when a request from the leaf
    // gets its answer, the interest of both has crossed the hub's route and the leaf's link.
    let _local = hub.subscribe("local.>").await.map_err(failed)?;
    let mut greet = hub.subscribe("greet.>").await.map_err(failed)?;
    tokio::spawn(async move {
        while let Some(message) = greet.next().await {
            if let Some(reply) = message.reply {
                let _ = hub.publish(reply, "here".into()).await;
            }
        }
    });
    let mut tries = 0;
    while leaf.request("greet.ready", "".into()).await.is_err() {
        tries += 1;
        if tries == 100 {
            let sentence = "hub-2's subscribers did not become reachable from the leaf in 5 s.";
            return Err(Problem::new(sentence).hint("is the leaf linked? `cargo xtask leaf`"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await; // no responders yet: try again
    }

    // The reports come to an inbox of this client's, on the leaf: servers publish them as
    // ordinary messages, which the leaf's link carries back from the hub.
    let to = leaf.new_inbox();
    let mut reports = leaf.subscribe(to.clone()).await.map_err(failed)?;
    leaf.flush().await.map_err(failed)?;
    for subject in ["greet.joe", "local.door", "orders.new"] {
        trace(&leaf, &mut reports, &to, subject).await?;
    }
    Ok(())
}

/// Publishes one message on `subject` asking for a trace, and prints each server's report.
async fn trace(
    leaf: &Client,
    reports: &mut Subscriber,
    to: &str,
    subject: &str,
) -> Result<(), Problem> {
    let mut headers = HeaderMap::new();
    headers.insert("Nats-Trace-Dest", to);
    let published = leaf.publish_with_headers(subject.to_string(), headers, "hello".into());
    published.await.map_err(failed)?;
    // One report from each server: the first server's, and one more for each egress that
    // carried the message on to another server (kinds 1, 2, 4: route, gateway, leaf node).
    let (mut events, mut expected) = (Vec::new(), 1);
    while events.len() < expected {
        let report = tokio::time::timeout(Duration::from_secs(2), reports.next()).await;
        let Ok(Some(report)) = report else {
            let came = events.len();
            let missing = format!("only {came} of {expected} reports came for {subject}.");
            return Err(Problem::new(missing).hint("is every server on the way 2.11 or newer?"));
        };
        let event: Value = serde_json::from_slice(&report.payload).map_err(failed)?;
        let onward = egresses(&event).filter(|out| matches!(out["kind"].as_u64(), Some(1 | 2 | 4)));
        expected += onward.filter(|out| out["error"].is_null()).count();
        events.push(event);
    }
    // Each report names its hop in the header it received: none at the first server, then
    // "1", "1.1", ...: sorted, the reports follow the message's way.
    events.sort_by(|a, b| hop(a).cmp(&hop(b)));
    info!("{subject}, traced:");
    let (mut delivered, mut stopped) = (0, None);
    for event in &events {
        let server = event["server"]["name"].as_str().unwrap_or("?");
        let hop = hop(event).map_or(String::new(), |hop| format!(" (hop {hop})"));
        let ingress = connection(&event["events"][0]);
        let mut line = format!("  {server}{hop}: in from {ingress}");
        if egresses(event).next().is_none() {
            line.push_str("; out to nobody");
        }
        for out in egresses(event) {
            line.push_str(&format!("; out to {}", connection(out)));
            match out["error"].as_str() {
                Some(error) => {
                    line.push_str(&format!(": {error}"));
                    stopped = Some(error.to_string());
                }
                None => delivered += usize::from(out["kind"] == 0),
            }
        }
        info!("{line}");
    }
    match (delivered, stopped) {
        (0, Some(error)) => info!("{subject}: not delivered: {error}"),
        (0, None) => info!("{subject}: not delivered: no subscriber anywhere (no interest)"),
        (count, _) => info!("{subject}: delivered to {count} subscriber(s)"),
    }
    Ok(())
}

/// The hop a report names in the header its server received: none at the first server.
fn hop(event: &Value) -> Option<&str> {
    event["request"]["header"]["Nats-Trace-Hop"][0].as_str()
}

/// A report's egress events (type `eg`): one for each connection the message went out to.
fn egresses(event: &Value) -> impl Iterator<Item = &Value> {
    let events = event["events"].as_array().map_or(&[][..], Vec::as_slice);
    events.iter().filter(|event| event["type"] == "eg")
}

/// An ingress or egress event's connection: its kind, its name, and the subscription it matched.
fn connection(event: &Value) -> String {
    // nats-server's kinds of connection, by number.
    let kinds = ["client", "route", "gateway", "system", "leaf node"];
    let kind = event["kind"]
        .as_u64()
        .and_then(|kind| kinds.get(kind as usize));
    let kind = kind.unwrap_or(&"connection");
    let name = event["name"]
        .as_str()
        .map_or(String::new(), |n| format!(" '{n}'"));
    let sub = event["sub"]
        .as_str()
        .map_or(String::new(), |s| format!(", subscription {s}"));
    format!("{kind}{name}{sub}")
}

/// A NATS call failed, or a report was not JSON.
fn failed(err: impl std::fmt::Display) -> Problem {
    Problem::new(format!("tracing failed: {err}.")).hint("run it against `cargo xtask leaf`")
}
