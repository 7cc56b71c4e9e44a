//! # Beyond one cluster: subject mappings
//!
//! A server can rewrite the subject of a message as it receives it, before it looks for
//! subscribers: a *mapping*, written in its configuration (`topology/mapping/mappings.conf`,
//! which `cargo xtask server --mappings` loads). Publishers and subscribers do not change; the
//! server steers the traffic between them. This program shows two kinds:
//!
//! - weighted: `orders.new` goes on as `orders.v1` for 80 % of the messages and as `orders.v2`
//!   for 20 %, drawn at random for each message: a canary release without touching a client;
//! - partitioned: `events.<customer>` goes on as `events.<partition>.<customer>`, where the
//!   partition is a hash of the customer, so that one customer's events always land in the same
//!   partition (and one consumer per partition sees each customer's events in order).
//!
//! Run it (two terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server --mappings   # a nats-server with the mappings, on 4222
//! terminal 2:  cargo run -p mapping            # this program
//! ```
//!
//! Arguments: `mapping [MESSAGES]` (default 10000, the orders published on `orders.new`).
//! `NATS_URL` points it at another server (default `nats://localhost:4222`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use async_nats::{Client, ConnectOptions, Subscriber};
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;

/// The customers whose events the partitioned mapping spreads, three events each.
const CUSTOMERS: [&str; 6] = ["alice", "bob", "dave", "erin", "ivan", "judy"];

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_secured("mapping", stepkit::DEFAULT_URL, "--mappings")?;
    let orders = stepkit::number_arg(1, "MESSAGES", 10_000)?;
    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("mapping"))
        .connect(&url)
        .await?;
    info!("Connected to {url}");
    canary(&client, orders).await?;
    partitions(&client).await
}

/// The weighted mapping: publish on `orders.new`, count where the messages arrive.
async fn canary(client: &Client, orders: u64) -> Result<(), Problem> {
    // One subscription for every orders subject: each message arrives with the subject the
    // server gave it. A mapped server delivers nothing on orders.new itself.
    let subscribed = client.subscribe("orders.>").await;
    let mut arrived = subscribed.map_err(|err| stepkit::subscribe_error("orders.>", err))?;
    client.flush().await?;
    for number in 1..=orders {
        let order = number.to_string();
        let published = client.publish("orders.new", order.clone().into()).await;
        published
            .map_err(|err| stepkit::publish_error(client, &["orders.new"], order.len(), err))?;
    }
    client.flush().await?;
    info!("Published {orders} orders on orders.new");

    let subjects = read(&mut arrived, orders).await;
    let count = |subject: &str| subjects.iter().filter(|s| s.as_str() == subject).count();
    let unmapped = count("orders.new");
    if unmapped == subjects.len() {
        return Err(no_mapping("orders.new"));
    }
    for subject in ["orders.v1", "orders.v2"] {
        let share = 100.0 * count(subject) as f64 / orders as f64;
        info!("  {subject}: {} ({share:.1} %)", count(subject));
    }
    // What no weight took keeps its subject; core NATS loses what finds no subscriber.
    info!(
        "  orders.new itself: {unmapped}; received {} of {orders}",
        subjects.len()
    );
    Ok(())
}

/// The partitioned mapping: each customer's events, and the partitions they land in.
async fn partitions(client: &Client) -> Result<(), Problem> {
    let subscribed = client.subscribe("events.>").await;
    let mut arrived = subscribed.map_err(|err| stepkit::subscribe_error("events.>", err))?;
    client.flush().await?;
    for round in 1..=3 {
        for customer in CUSTOMERS {
            let (subject, event) = (format!("events.{customer}"), format!("event {round}"));
            let published = client.publish(subject.clone(), event.clone().into()).await;
            published
                .map_err(|err| stepkit::publish_error(client, &[&subject], event.len(), err))?;
        }
    }
    client.flush().await?;
    let events = CUSTOMERS.len() as u64 * 3;
    info!("Published {events} events on events.<customer>, three per customer");

    // events.<partition>.<customer>: the partition is the subject's second token.
    let mut landed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for subject in read(&mut arrived, events).await {
        let tokens: Vec<&str> = subject.split('.').collect();
        let [_, partition, customer] = tokens[..] else {
            return Err(no_mapping("events.*"));
        };
        let partitions = landed.entry(customer.to_string()).or_default();
        partitions.insert(partition.to_string());
    }
    for (customer, partitions) in &landed {
        let list: Vec<&str> = partitions.iter().map(String::as_str).collect();
        info!("  {customer}: partition {}", list.join(", "));
    }
    Ok(())
}

/// The subjects of up to `expected` messages, stopping early after a second without one.
async fn read(subscriber: &mut Subscriber, expected: u64) -> Vec<String> {
    let mut subjects = Vec::new();
    while (subjects.len() as u64) < expected {
        match tokio::time::timeout(Duration::from_secs(1), subscriber.next()).await {
            Ok(Some(message)) => subjects.push(message.subject.to_string()),
            _ => break,
        }
    }
    subjects
}

/// A server without the lesson's mappings delivered a message under the subject it was sent on.
fn no_mapping(subject: &str) -> Problem {
    Problem::new(format!(
        "this server has no mapping for {subject}: the messages kept their subject."
    ))
    .hint("start the lesson's server with `cargo xtask server --mappings` (it loads topology/mapping/mappings.conf)")
}
