//! End-to-end tests of the cluster subscriber against a real three-node nats-server cluster.
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use testkit::{Cluster, PATIENCE, ServerOptions, Step, checks, publish};

const BIN: &str = env!("CARGO_BIN_EXE_cluster-sub");

/// cluster-sub, started with all of the cluster's URLs, once it is subscribed on the first
/// node, n1 (it keeps the given order).
fn subscribed_on_n1(cluster: &Cluster) -> Step {
    let sub = Step::start(Step::command(BIN).env("NATS_URL", cluster.urls())).unwrap();
    sub.wait_for_line("Connected to cluster node 'n1'", PATIENCE)
        .unwrap();
    cluster
        .node(0)
        .wait_for_subscription("foo", PATIENCE)
        .unwrap();
    sub
}

#[test]
fn keeps_receiving_when_its_node_is_killed() {
    let mut cluster = Cluster::start(3).unwrap();
    let mut sub = subscribed_on_n1(&cluster);

    publish(cluster.node(0), "foo", "before").unwrap();
    sub.wait_for_line("Received message 'before' via node 'n1'", PATIENCE)
        .unwrap();

    cluster.node_mut(0).stop();
    sub.wait_for_line("Lost the connection to this node", PATIENCE)
        .unwrap();
    sub.wait_for_line("Reconnected to the cluster", PATIENCE)
        .unwrap();
    // Wherever it landed, the subscription is there again; publish through that node.
    let node = cluster.wait_for_subscription("foo", PATIENCE).unwrap();
    assert_ne!(node, 0);
    publish(cluster.node(node), "foo", "after").unwrap();
    let name = format!("n{}", node + 1);
    sub.wait_for_line(
        &format!("Received message 'after' via node '{name}'"),
        PATIENCE,
    )
    .unwrap();

    sub.interrupt().unwrap();
    let out = sub.wait_exit(Duration::from_secs(2)).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
}

#[test]
fn one_url_is_enough_the_cluster_tells_the_client_about_the_others() {
    let mut cluster = Cluster::start(3).unwrap();
    let sub = Step::start(Step::command(BIN).env("NATS_URL", cluster.node(1).url())).unwrap();
    sub.wait_for_line("Connected to cluster node 'n2'", PATIENCE)
        .unwrap();
    cluster
        .node(1)
        .wait_for_subscription("foo", PATIENCE)
        .unwrap();
    cluster.node_mut(1).stop();
    sub.wait_for_line("Reconnected to the cluster", PATIENCE)
        .unwrap();
    let node = cluster.wait_for_subscription("foo", PATIENCE).unwrap();
    publish(cluster.node(node), "foo", "found you").unwrap();
    sub.wait_for_line("Received message 'found you'", PATIENCE)
        .unwrap();
}

#[test]
fn no_server_is_one_clear_sentence_and_exit_1() {
    let port = testkit::free_port().unwrap();
    let out = checks::run(BIN, &format!("nats://127.0.0.1:{port}"), &[], &[]);
    checks::assert_error(
        &out,
        &[
            "cannot connect to any NATS server of",
            "cargo xtask cluster",
        ],
    );
}

#[test]
fn a_bad_url_in_the_list_is_explained() {
    let out = checks::run(BIN, "nats://127.0.0.1:4222,http://x", &[], &[]);
    checks::assert_error(&out, &["NATS_URL is not a NATS server address"]);
}

#[test]
fn invalid_subjects_are_explained() {
    checks::explains_invalid_subjects(BIN, ServerOptions::new(), &[], |subject| {
        vec![subject.to_string()]
    });
}

#[test]
fn names_its_connection_for_the_servers_monitoring() {
    checks::names_its_connection(BIN, ServerOptions::new());
}

#[test]
fn a_frozen_node_is_noticed_by_its_pings_and_left_for_another() {
    let cluster = Cluster::start(3).unwrap();
    let mut sub = subscribed_on_n1(&cluster);

    // Frozen, not killed: no connection closes, only the pings go unanswered. With a ping
    // every 2 s and two allowed outstanding, the third tick gives the node up: 6 s at most,
    // plus one interval for the ticks' phase.
    cluster.node(0).freeze().unwrap();
    sub.wait_for_line("Lost the connection to this node", Duration::from_secs(8))
        .unwrap_or_else(|err| panic!("the frozen node was not noticed in time: {err}"));
    sub.wait_for_line("Reconnected to the cluster", PATIENCE)
        .unwrap();
    // Ask the two live nodes only: the frozen one would not answer its monitoring either.
    let node = testkit::wait_until(PATIENCE, || {
        (1..3).find(|&index| {
            cluster
                .node(index)
                .wait_for_subscription("foo", Duration::ZERO)
                .is_ok()
        })
    })
    .expect("the subscription never moved to n2 or n3");
    publish(cluster.node(node), "foo", "still here").unwrap();
    sub.wait_for_line("Received message 'still here'", PATIENCE)
        .unwrap();

    cluster.node(0).thaw().unwrap();
    sub.interrupt().unwrap();
    let out = sub.wait_exit(Duration::from_secs(2)).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
}
