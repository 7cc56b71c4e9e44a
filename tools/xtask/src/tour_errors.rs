//! The tour's scenes for the guide's errors chapter: bad input, a server restart, no server,
//! a publisher through an outage, and a frozen node.

use nats_servers::ServerOptions;

use crate::script::{Script, fails, ok, terminal};

/// The guide's error chapter: bad input, a server restart, an oversized payload.
pub fn errors_on_a_plain_server(
    s: &mut Script,
    server: &mut nats_servers::NatsServer,
) -> Result<(), String> {
    let bad = fails("not a valid subject");
    s.run(
        "errors/bad-subject",
        terminal(3, "pub-simple").args(&["foo bar"]),
        bad,
    );
    let bad = fails("not a valid subject");
    s.run(
        "errors/bad-subscription",
        terminal(2, "async-sub").args(&["foo..bar"]),
        bad,
    );
    let nothing = fails("no message arrived");
    s.run(
        "errors/sync-timeout",
        terminal(2, "sync-sub").args(&["foo", "1"]),
        nothing,
    );

    let subscribing = "Subscribing to subject 'foo'";
    let mut sub = s.subscriber(
        terminal(2, "async-sub"),
        server,
        "foo",
        subscribing,
        "restart/start",
    );
    server.restart().map_err(|err| err.0)?;
    s.wait(&mut sub, "Disconnected from the server");
    s.wait(&mut sub, "Reconnected");
    s.wait_subscribed(&mut sub, server, "foo");
    s.show(&mut sub, "restart/reconnected");
    let args = ["foo", "Hello again"];
    s.publish("restart/publish", 3, &args, None);
    s.wait(&mut sub, "Received message 'Hello again'");
    s.show(&mut sub, "restart/received");
    s.interrupt(&mut sub, "restart/ctrl-c", "reconnected 1 time(s)");

    let small = s.server(ServerOptions::new().config("max_payload: 64\n"))?;
    let args = [
        "foo",
        "This sentence is a little longer than the 64 bytes that this server accepts.",
    ];
    let too_big = fails("max_payload");
    s.run(
        "errors/too-big",
        terminal(3, "pub-simple").args(&args),
        too_big,
    );
    drop(small);
    // Back to the plain server for what follows.
    s.use_url(&server.url());
    Ok(())
}

/// What the steps say when nothing listens at NATS_URL.
pub fn errors_without_a_server(s: &mut Script) -> Result<(), String> {
    let port = s.use_unused_url()?;
    let refused = fails("cannot connect");
    s.run("errors/no-server", terminal(3, "pub-simple"), refused);
    let refused = fails("cannot connect");
    s.run("errors/no-server-sub", terminal(2, "async-sub"), refused);

    // The same subscriber, asked to wait: the server comes up after three attempts.
    let wait = [("NATS_WAIT_FOR_SERVER", "1")];
    let mut sub = s.start(terminal(2, "async-sub").env(&wait));
    s.wait(&mut sub, "Trying to connect (attempt 3)");
    s.show(&mut sub, "wait/start");
    let server = s.server(ServerOptions::new().port(port))?;
    s.wait(&mut sub, "Subscribing to subject 'foo'");
    s.wait_subscribed(&mut sub, &server, "foo");
    s.show_without(&mut sub, "wait/connected", Some("Trying to connect"));
    s.interrupt(&mut sub, "wait/ctrl-c", "reconnected 0 time(s)");
    Ok(())
}

/// pub-ticker while the server goes down and comes back, counted by counter-sub.
pub fn publisher_through_an_outage(s: &mut Script) -> Result<(), String> {
    s.heading("Beyond the tutorial: a publisher through an outage (pub-ticker)");
    let mut server = s.server(ServerOptions::new())?;
    s.say("(a fresh private nats-server; terminal 1 $ cargo xtask server)");
    let counting = "Subscribing to subject 'ticks'";
    let counter = terminal(2, "counter-sub").args(&["ticks"]);
    let mut sub = s.subscriber(counter, &server, "ticks", counting, "ticker/counter");
    // Its defaults, 60 messages four a second: the fifteen seconds a person needs to stop and
    // start a server by hand, as the guide asks.
    let mut ticker = s.start(terminal(3, "pub-ticker"));
    s.wait(&mut ticker, "#10 published, and the server has it");
    s.show(&mut ticker, "ticker/start");
    s.say("\nterminal 1: Ctrl-C (the server stops), then cargo xtask server again");
    server.stop();
    s.wait(&mut ticker, "not confirmed");
    server.restart().map_err(|err| err.0)?;
    s.finish(
        &mut ticker,
        "ticker/end",
        "pub-ticker",
        ok("Published 60 message(s)"),
    );
    // For the guide: the timeline without the per-message lines, and with the numbers that
    // depend on how fast the server went and came back written as `n`.
    s.record_summary(&ticker, "ticker/summary", summary_line, vary_numbers);
    s.wait(&mut sub, "Received on [ticks]: '60'");
    s.show(&mut sub, "ticker/counted");
    s.interrupt(&mut sub, "ticker/counter-end", "message(s) in all");
    Ok(())
}

/// The lines of pub-ticker's timeline that every run has: not the per-message ones.
fn summary_line(line: &str) -> bool {
    !line.contains("] #") || line.contains("Not confirmed")
}

/// pub-ticker's numbers that change from run to run written as `n`: the message numbers
/// around the outage (not the first and the last, 1 and 30) and the statistics' counts (not
/// the reconnect).
fn vary_numbers(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    let keep_counts = !line.contains("Statistics:");
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        let digits = rest[start..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(rest.len(), |end| start + end);
        let number = &rest[start..digits];
        let message = rest[..start].ends_with('#');
        let fixed = match (message, keep_counts) {
            (true, _) => matches!(number, "1" | "60"),
            (false, true) => true,
            (false, false) => rest[digits..].starts_with(" time"),
        };
        out.push_str(&rest[..start]);
        out.push_str(if fixed { number } else { "n" });
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// The errors chapter's frozen server: a node stopped with SIGSTOP, noticed by the pings.
pub fn frozen_node(s: &mut Script) -> Result<(), String> {
    let cluster = s.cluster()?;
    let mut sub = s.start(terminal(2, "cluster-sub"));
    s.wait(&mut sub, "Connected to cluster node 'n1'");
    // Both: the line can still be in the pipe when the server already has the SUB.
    s.wait(&mut sub, "Subscribing to subject 'foo'");
    s.wait_subscribed(&mut sub, cluster.node(0), "foo");
    s.show(&mut sub, "frozen/start");
    cluster.node(0).freeze().map_err(|err| err.0)?;
    s.wait(&mut sub, "Reconnected to the cluster");
    s.show(&mut sub, "frozen/failover");
    cluster.node(0).thaw().map_err(|err| err.0)?;
    s.interrupt(&mut sub, "frozen/ctrl-c", "reconnected 1 time(s)");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_numbers_that_depend_on_timing_are_hidden() {
        assert_eq!(
            vary_numbers("[INFO  pub_ticker] The server confirmed #1 to #11, before the outage"),
            "[INFO  pub_ticker] The server confirmed #1 to #n, before the outage"
        );
        assert_eq!(
            vary_numbers("confirmed #14 to #60, after it; nats://localhost:4222"),
            "confirmed #n to #60, after it; nats://localhost:4222"
        );
        assert_eq!(
            vary_numbers("Statistics: received 27 message(s), sent 60; reconnected 1 time(s)"),
            "Statistics: received n message(s), sent n; reconnected 1 time(s)"
        );
        assert!(summary_line(
            "[WARN  pub_ticker] Not confirmed: #11 to #12, published"
        ));
        assert!(!summary_line(
            "[INFO  pub_ticker] #12 published, and the server has it"
        ));
    }
}
