//! End-to-end tests of the tracing lesson against real nats-servers: the edge of
//! `cargo xtask leaf` (a leaf node linked to hub-1, which routes to hub-2). The claims are
//! checked on the run the guide shows (`guide::scene_trace`).
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use testkit::{Observer, PATIENCE, checks};

const BIN: &str = env!("CARGO_BIN_EXE_trace");

#[test]
fn no_server_names_the_leaf_command() {
    checks::no_server_hint_names(BIN, "`cargo xtask leaf`");
}

#[test]
fn a_bad_url_is_explained() {
    checks::explains_invalid_url(BIN);
}

#[test]
fn an_older_server_hears_which_version_it_needs() {
    testkit::needs_a_newer_server(BIN, "trace", "2.11");
}

/// What the traces report is what the servers did. With the test's own subscribers on
/// hub-2: greet.joe reaches two (the step's and the test's), orders.new the test's, and
/// local.door none.
#[test]
fn the_servers_deliver_what_the_traces_report() {
    let edge = testkit::Edge::start(testkit::ServerOptions::new(), None, None).unwrap();
    let greet = Observer::subscribe(edge.hub(1), "greet.joe").unwrap();
    let local = Observer::subscribe(edge.hub(1), "local.door").unwrap();
    let orders = Observer::subscribe(edge.hub(1), "orders.new").unwrap();
    let hub = edge.hub(1).url();
    let out = checks::run(BIN, &edge.leaf().url(), &[("NATS_HUB_URL", &hub)], &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert_eq!(greet.take(1, PATIENCE).unwrap()[0].payload, "hello");
    assert!(
        out.has_line_with(&["greet.joe", "delivered to 2"]),
        "{}",
        out.all
    );
    assert_eq!(orders.take(1, PATIENCE).unwrap()[0].payload, "hello");
    assert!(
        out.has_line_with(&["orders.new", "delivered to 1"]),
        "{}",
        out.all
    );
    // A marker of the test's own, published on hub-2 after the step's run, comes first: the
    // step's local.door never crossed the link.
    testkit::publish(edge.hub(1), "local.door", "marker").unwrap();
    assert_eq!(local.take(1, PATIENCE).unwrap()[0].payload, "marker");
    assert!(
        out.has_line_with(&["local.door", "not delivered", "publish denied"]),
        "{}",
        out.all
    );
}

/// The guide's scene: the edge, one run of the lesson; then its claims on that run.
mod guide {
    use testkit::scene::{Script, terminal};

    #[test]
    fn scene_trace() {
        Script::play(trace);
    }

    fn trace(s: &mut Script) -> Result<(), String> {
        s.heading("Beyond one cluster: where did my message go? (trace)");
        let _edge = s.edge()?;
        s.run_fixed(
            "trace/run",
            terminal(2, "trace"),
            "orders.new: not",
            str::to_string,
        );
        Ok(())
    }
}
