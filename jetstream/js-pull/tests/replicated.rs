//! js-pull on a work queue with three replicas, on a three-node cluster
//! (`cargo xtask cluster --jetstream`): the stream's leader is killed while js-pull works
//! through the queue, and js-pull is run again, as a person would, until the queue is empty.
//! Every order is acknowledged, and an order handled twice shows as a redelivery (a delivery
//! count above 1), never as a silent duplicate.
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use testkit::{Cluster, NatsServer, PATIENCE, ServerOptions, Step};

const BIN: &str = env!("CARGO_BIN_EXE_js-pull");
const ORDERS: u32 = 2000;

/// Three nodes; the work queue ORDERS with three replicas, holding "order 1" to "order 2000";
/// the durable consumer `processor`, made here with an ack_wait of 2 s (js-pull finds it by
/// its name and uses it as it is), so that a lost acknowledgement comes back quickly.
fn cluster_with_orders() -> Cluster {
    let cluster = Cluster::start_with(3, ServerOptions::new().jetstream(None)).unwrap();
    cluster.wait_for_jetstream(PATIENCE).unwrap();
    let node = cluster.node(0);
    let stream = r#"{"name": "ORDERS", "subjects": ["orders.>"], "retention": "workqueue",
        "num_replicas": 3}"#;
    testkit::jetstream_api(node, "$JS.API.STREAM.CREATE.ORDERS", stream).unwrap();
    let consumer = r#"{"stream_name": "ORDERS", "config": {"durable_name": "processor",
        "ack_policy": "explicit", "ack_wait": 2000000000}}"#;
    testkit::jetstream_api(node, "$JS.API.CONSUMER.CREATE.ORDERS.processor", consumer).unwrap();
    let orders: Vec<String> = (1..=ORDERS).map(|n| format!("order {n}")).collect();
    testkit::publish_all(node, "orders.new", &orders).unwrap();
    let stored = testkit::wait_until(PATIENCE, || {
        let count = stream_count(node);
        (count == u64::from(ORDERS)).then_some(())
    });
    assert!(stored.is_some(), "ORDERS never held the {ORDERS} orders");
    cluster
}

/// How many messages ORDERS holds, as `node` sees it.
fn stream_count(node: &NatsServer) -> u64 {
    let info = testkit::jetstream_api(node, "$JS.API.STREAM.INFO.ORDERS", "").unwrap();
    info["state"]["messages"].as_u64().unwrap()
}

/// Each order's deliveries, as js-pull logged them acknowledged, over all its runs.
fn deliveries(outputs: &[String]) -> BTreeMap<u32, Vec<u64>> {
    let mut orders: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
    for line in outputs.iter().flat_map(|out| out.lines()) {
        let Some(rest) = line.strip_suffix("), acknowledged") else {
            continue;
        };
        let (text, delivery) = rest.split_once("' (delivery ").unwrap();
        let order = text.rsplit("order ").next().unwrap().parse().unwrap();
        orders
            .entry(order)
            .or_default()
            .push(delivery.parse().unwrap());
    }
    orders
}

#[test]
fn a_replicated_work_queue_loses_no_order_when_its_leader_dies() {
    let mut cluster = cluster_with_orders();
    let urls = cluster.urls();
    let js_pull = || {
        let mut command = Step::command(BIN);
        command.env("NATS_URL", &urls);
        command
    };
    let mut first = Step::start(&mut js_pull()).unwrap();
    first
        .wait_for_line("'order 100' (delivery", PATIENCE)
        .unwrap();
    let leader = cluster.stream_leader("ORDERS").unwrap();
    cluster.node_mut(leader).stop();
    let survivor = cluster.node((leader + 1) % 3);

    // The run under way may end with a sentence (a fetch or an ack that failed with its
    // node) or go on through the failover; then it is run again until the queue is empty.
    let mut outputs = vec![first.wait_exit(Duration::from_secs(60)).unwrap().all];
    // A run that caught up has acknowledged everything, but its last acks (sent without
    // waiting for a confirmation) may still be on their way through the new leader: the
    // queue empties shortly after. Only a run that did not catch up leaves work for another.
    if outputs[0].contains("Caught up") {
        let _ = testkit::wait_until(PATIENCE, || (stream_count(survivor) == 0).then_some(()));
    }
    let deadline = Instant::now() + Duration::from_secs(90);
    while stream_count(survivor) > 0 {
        assert!(
            Instant::now() < deadline,
            "the queue never emptied:\n{}",
            outputs.join("\n")
        );
        outputs.push(
            Step::run(&mut js_pull(), Duration::from_secs(60))
                .unwrap()
                .all,
        );
    }

    // If the first run ended with orders left (a fetch during the election got nothing), it
    // did not say "Caught up": it said how many wait, or that it could not tell, or why it
    // stopped. (A later run may start before lost acks are due again, and find none yet.)
    if let [first, _, ..] = &outputs[..] {
        let said = ["more wait (a leader election?)", "cannot tell", "Error: "];
        let said = said.iter().any(|sentence| first.contains(sentence));
        assert!(!first.contains("Caught up") && said, "{first}");
    }
    let orders = deliveries(&outputs);
    let all = || outputs.join("\n---\n");
    // Every order acknowledged: the work queue removed each one, and js-pull logged each one.
    assert_eq!(orders.len(), ORDERS as usize, "{}", all());
    // An order handled more than once was delivered again, with a higher count: never the
    // same delivery twice.
    let mut redelivered = Vec::new();
    for (order, counts) in &orders {
        let mut sorted = counts.clone();
        sorted.dedup();
        assert_eq!(
            &sorted,
            counts,
            "order {order} was handled twice silently:\n{}",
            all()
        );
        if counts.len() > 1 || counts[0] > 1 {
            redelivered.push(format!("order {order}: deliveries {counts:?}"));
        }
    }
    // Shown with --nocapture: what the failover cost.
    let ends: Vec<&str> = outputs
        .iter()
        .filter_map(|out| out.lines().last())
        .collect();
    println!(
        "leader node {leader} killed after order 100; {} run(s) of js-pull, ending: {ends:?}; \
         {} order(s) redelivered: {redelivered:?}",
        outputs.len(),
        redelivered.len()
    );
    let consumer =
        testkit::jetstream_api(survivor, "$JS.API.CONSUMER.INFO.ORDERS.processor", "").unwrap();
    assert_eq!(consumer["num_ack_pending"], 0, "{consumer}");
}
