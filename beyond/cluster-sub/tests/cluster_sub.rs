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
    sub.wait_for_line("node 'n1'", PATIENCE).unwrap();
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
    sub.wait_for_line("'before' via node 'n1'", PATIENCE)
        .unwrap();

    cluster.node_mut(0).stop();
    // Wherever it landed, the subscription is there again; publish through that node.
    let node = cluster.wait_for_subscription("foo", PATIENCE).unwrap();
    assert_ne!(node, 0);
    publish(cluster.node(node), "foo", "after").unwrap();
    let name = format!("n{}", node + 1);
    sub.wait_for_line(&format!("'after' via node '{name}'"), PATIENCE)
        .unwrap();

    sub.interrupt().unwrap();
    let out = sub.wait_exit(Duration::from_secs(2)).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
}

#[test]
fn one_url_is_enough_the_cluster_tells_the_client_about_the_others() {
    let mut cluster = Cluster::start(3).unwrap();
    let sub = Step::start(Step::command(BIN).env("NATS_URL", cluster.node(1).url())).unwrap();
    sub.wait_for_line("node 'n2'", PATIENCE).unwrap();
    cluster
        .node(1)
        .wait_for_subscription("foo", PATIENCE)
        .unwrap();
    cluster.node_mut(1).stop();
    let node = cluster.wait_for_subscription("foo", PATIENCE).unwrap();
    publish(cluster.node(node), "foo", "found you").unwrap();
    sub.wait_for_line("'found you'", PATIENCE).unwrap();
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
    // plus one interval for the ticks' phase. Only the client knows when it gave up, so its
    // warning is the witness here.
    cluster.node(0).freeze().unwrap();
    sub.wait_for_line("Lost the connection", Duration::from_secs(8))
        .unwrap_or_else(|err| panic!("the frozen node was not noticed in time: {err}"));
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
    sub.wait_for_line("'still here'", PATIENCE).unwrap();

    cluster.node(0).thaw().unwrap();
    sub.interrupt().unwrap();
    let out = sub.wait_exit(Duration::from_secs(2)).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
}

/// The guide's scenes of a subscriber that fails over, when its node stops and when it freezes.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::PATIENCE;
    use testkit::scene::{Script, terminal};

    #[test]
    fn scene_1_failover() {
        Script::play(clusters);
    }

    #[test]
    fn scene_2_frozen_node() {
        Script::play(frozen_node);
    }

    /// cluster-sub on a three-node cluster: it fails over when its node stops.
    fn clusters(s: &mut Script) -> Result<(), String> {
        s.heading("Beyond the tutorial: a cluster, and a subscriber that fails over (cluster-sub)");
        let mut cluster = s.cluster()?;
        s.say("terminal 1 $ cargo xtask cluster");
        let mut sub = s.start(terminal(2, "cluster-sub"));
        s.wait(&mut sub, "node 'n1'");
        s.wait(&mut sub, "'foo'");
        if cluster
            .node(0)
            .wait_for_subscription("foo", PATIENCE)
            .is_err()
        {
            s.check("cluster-sub", Err("never subscribed on n1".into()));
        }
        s.show(&mut sub, "cluster/start");
        let n1 = cluster.node(0).url();
        s.publish("cluster/publish-1", 3, &["foo", "through n1"], Some(&n1));
        s.wait(&mut sub, "'through n1'");
        s.show(&mut sub, "cluster/received-1");
        s.say("\nterminal 1: 1 and Enter (stops n1)");
        cluster.node_mut(0).stop();
        s.wait(&mut sub, "Reconnected");
        let moved_to = cluster.wait_for_subscription("foo", PATIENCE);
        s.show(&mut sub, "cluster/failover");
        match moved_to {
            Ok(index) => {
                let url = cluster.node(index).url();
                s.publish(
                    "cluster/publish-2",
                    3,
                    &["foo", "after the failover"],
                    Some(&url),
                );
                s.wait(&mut sub, "'after the failover'");
                s.show(&mut sub, "cluster/received-2");
            }
            Err(err) => s.check("cluster-sub", Err(err.0)),
        }
        s.interrupt(&mut sub, "cluster/ctrl-c", "reconnected 1 time(s)");
        Ok(())
    }

    /// The errors chapter's frozen server: a node stopped with SIGSTOP, noticed by the pings.
    fn frozen_node(s: &mut Script) -> Result<(), String> {
        let cluster = s.cluster()?;
        let mut sub = s.start(terminal(2, "cluster-sub"));
        s.wait(&mut sub, "node 'n1'");
        // Both: the line can still be in the pipe when the server already has the SUB.
        s.wait(&mut sub, "'foo'");
        s.wait_subscribed(&mut sub, cluster.node(0), "foo");
        s.show(&mut sub, "frozen/start");
        cluster.node(0).freeze().map_err(|err| err.0)?;
        s.wait(&mut sub, "Reconnected");
        s.show(&mut sub, "frozen/failover");
        cluster.node(0).thaw().map_err(|err| err.0)?;
        s.interrupt(&mut sub, "frozen/ctrl-c", "reconnected 1 time(s)");
        Ok(())
    }
}
