//! js-pub on a three-node cluster with JetStream: a stream with three replicas outlives the
//! node that leads it, and a message the stream did not acknowledge is never dropped silently.
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use testkit::{Cluster, PATIENCE, ServerOptions, Step, checks};

const BIN: &str = env!("CARGO_BIN_EXE_js-pub");

/// Three nodes with JetStream, each with a store of its own, ready for streams.
fn cluster() -> Cluster {
    let cluster = Cluster::start_with(3, ServerOptions::new().jetstream(None)).unwrap();
    cluster.wait_for_jetstream(PATIENCE).unwrap();
    cluster
}

/// Starts js-pub publishing "order 1" to "order 1000" into ORDERS with 3 replicas, and
/// returns it once "order 500" is acknowledged.
fn publishing_half_way(cluster: &Cluster) -> Step {
    let publisher = Step::start(Step::command(BIN).env("NATS_URL", cluster.urls()).args([
        "orders.new",
        "order",
        "3",
        "1000",
    ]))
    .unwrap();
    publisher
        .wait_for_line("Published 'order 500': stored", PATIENCE)
        .unwrap();
    publisher
}

/// The numbers of the orders js-pub logged as acknowledged by the stream (stored or a
/// duplicate of a stored one), and those it said it had no acknowledgement for.
fn acknowledged_and_reported(out: &str) -> (BTreeSet<u32>, BTreeSet<u32>) {
    let number = |line: &str| {
        let rest = line.split_once("'order ").unwrap().1;
        rest.split('\'').next().unwrap().parse::<u32>().unwrap()
    };
    let acked = out
        .lines()
        .filter(|line| line.contains("Published '"))
        .map(number)
        .collect();
    let reported = out
        .lines()
        .filter(|line| line.contains("was not acknowledged"))
        .map(number)
        .collect();
    (acked, reported)
}

/// The orders stored in ORDERS, oldest first, read through the node `index` with a consumer
/// of the test's own (duplicates included: the stream holds what it holds). A node just back
/// may answer before the stream has caught up: its count is asked again until it reaches
/// `expected` or the patience runs out (then whatever it holds is read, for the assertions).
fn read_back(cluster: &Cluster, index: usize, expected: usize) -> Vec<u32> {
    let node = cluster.node(index);
    let count = || {
        let info = testkit::jetstream_api(node, "$JS.API.STREAM.INFO.ORDERS", "").unwrap();
        info["state"]["messages"].as_u64().unwrap() as usize
    };
    let count = testkit::wait_until(PATIENCE, || Some(count()).filter(|n| *n >= expected))
        .unwrap_or_else(count);
    let messages = testkit::read_stream(node, "ORDERS", count, PATIENCE).unwrap();
    let number = |payload: &str| payload.strip_prefix("order ").unwrap().parse().unwrap();
    messages
        .iter()
        .map(|message| number(&message.payload))
        .collect()
}

#[test]
fn a_message_the_stream_cannot_acknowledge_is_reported_not_dropped() {
    let mut cluster = cluster();
    let mut publisher = publishing_half_way(&cluster);
    // Two of three replicas gone: no majority, no leader, no acknowledgement.
    let leader = cluster.stream_leader("ORDERS").unwrap();
    let second = (leader + 1) % 3;
    cluster.node_mut(leader).stop();
    cluster.node_mut(second).stop();

    let out = publisher.wait_exit(Duration::from_secs(60)).unwrap();
    let (acked, reported) = acknowledged_and_reported(&out.all);
    // It stops at the first order it could not get acknowledged, and says which.
    let first_lost = *reported.first().unwrap();
    assert_eq!(acked, (1..first_lost).collect(), "{}", out.all);
    let sentence = format!("'order {first_lost}' was not acknowledged within 15 s");
    checks::assert_error(&out, &[&sentence, "majority"]);

    // A node back: a majority again. Every acknowledged order is there; the reported one may
    // or may not be (it may have been stored without the acknowledgement getting through).
    cluster.node_mut(second).restart().unwrap();
    let stored = read_back(&cluster, second, acked.len());
    let (kept, rest) = stored.split_at(acked.len().min(stored.len()));
    assert_eq!(
        kept,
        acked.iter().copied().collect::<Vec<u32>>(),
        "{}",
        out.all
    );
    assert!(
        rest.iter().all(|&order| order == first_lost),
        "{rest:?}\n{}",
        out.all
    );
}

/// The guide's scene of a replicated stream whose leader dies.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::scene::{Running, Script, terminal};
    use testkit::{PATIENCE, ServerOptions};

    /// The claim "a stream with three replicas keeps every acknowledged message when its
    /// leader dies", as the guide shows it: js-pub's 1,000 orders are each acknowledged in the
    /// end, and js-pull reads each once, in order, through the surviving nodes.
    #[test]
    fn scene_replication() {
        Script::play(replication);
    }

    /// A stream with three replicas on a cluster: its leader dies while js-pub publishes 1,000
    /// messages, and every one is stored once; without a majority, a publish is refused.
    fn replication(s: &mut Script) -> Result<(), String> {
        s.heading("Persistence: a replicated stream, and its leader's death (js-pub, js-pull)");
        let mut cluster = s.cluster_with(ServerOptions::new().jetstream(None))?;
        cluster.wait_for_jetstream(PATIENCE).map_err(|err| err.0)?;
        s.say("terminal 1 $ cargo xtask cluster --jetstream");
        let args = ["orders.new", "order", "3", "1000"];
        let urls = cluster.urls();
        let mut publisher = s.start(terminal(2, "js-pub").args(&args).url(&urls));
        s.wait(&mut publisher, "Published 'order 500': stored");
        let leader = cluster.stream_leader("ORDERS");
        if let Some(leader) = leader {
            cluster.node_mut(leader).stop();
        }
        s.check(
            "replication",
            leader.map(|_| ()).ok_or("no leader for ORDERS".to_string()),
        );
        s.say("terminal 1: meanwhile, the node that leads ORDERS is stopped (its number, Enter)");
        s.wait(&mut publisher, "Published again 'order 1000'");
        s.end(&mut publisher, 0);
        // Publishing again with the same id got every order through the failover: each one
        // acknowledged, once as stored or again as a duplicate of the stored one.
        let published: std::collections::BTreeSet<u32> =
            orders(&publisher, "] Published").into_iter().collect();
        assert!(published.iter().copied().eq(1..=1000), "{published:?}");
        s.summary(
            &publisher,
            "replicated/pub",
            failover_line,
            vary_order_numbers,
        );
        // The remaining nodes elect new leaders (for JetStream itself too) before it goes on.
        let recovered = cluster.wait_for_jetstream(PATIENCE).map_err(|err| err.0);
        s.check("replication", recovered);
        let mut reader = s.start(terminal(3, "js-pull").url(&urls));
        s.wait(&mut reader, "processed 1000 message(s)");
        // Each order exactly once, in order: the copy published again was stored only once.
        let read = orders(&reader, "] #");
        assert!(read.iter().copied().eq(1..=1000), "{read:?}");
        s.summary(
            &reader,
            "replicated/pull",
            failover_line,
            vary_order_numbers,
        );
        drop(cluster);
        Ok(())
    }

    /// The order numbers in the step's lines that contain `marker` (`'order N'`), in order.
    fn orders(running: &Option<Running>, marker: &str) -> Vec<u32> {
        let lines = running.as_ref().map(Running::lines).unwrap_or_default();
        let number = |line: &String| {
            let rest = line.split_once("'order ")?.1;
            rest.split('\'').next()?.parse().ok()
        };
        lines
            .iter()
            .filter(|line| line.contains(marker))
            .filter_map(number)
            .collect()
    }

    /// The lines of a 1,000-message run worth showing: all but the routine ones in the middle.
    fn failover_line(line: &str) -> bool {
        let routine = line.contains("] Published 'order ") || line.contains("] #");
        let ends = ["'order 1'", "'order 1000'", "#1 ", "#1000 "];
        !routine || line.contains("WARN") || ends.iter().any(|end| line.contains(end))
    }

    /// The order numbers that depend on the moment the leader died written as `n`, and the
    /// reason a publish failed (a timeout, or nobody to answer) left out.
    fn vary_order_numbers(line: &str) -> String {
        match line.split_once("'order ") {
            Some((before, after)) if line.contains("WARN") => {
                let reason = after.split_once(" (").map_or("", |(_, rest)| rest);
                let rest = reason.split_once(')').map_or("", |(_, rest)| rest);
                format!("{before}'order n' was not acknowledged (...){rest}")
            }
            _ => line.to_string(),
        }
    }
}
