//! The tutorial, step by step, as `cargo xtask tour` shows it and as the guide records it.
//! Block names (`async-sub/start`, ...) are the names of the guide's output blocks.

use nats_servers::{PATIENCE, ServerOptions};

use crate::script::{
    Mode, SYNC_SUB_SECONDS, Script, client_log, fails, ok, refused_connection_log, terminal,
};

pub fn run(s: &mut Script) -> Result<(), String> {
    let docs = s.mode() == Mode::Docs;

    s.heading("Start a NATS server");
    let mut server = s.server(ServerOptions::new())?;
    s.say("terminal 1 $ cargo xtask server");
    s.say(&format!(
        "(The tour starts a private nats-server on {url} instead, so a server of yours on port \
         4222 is left alone, and runs every step below with NATS_URL={url}.)",
        url = server.url()
    ));

    s.heading("Step 1: asynchronous subscriber (async-sub)");
    let subscribing = "Subscribing to subject 'foo'";
    let mut sub = s.subscriber(
        terminal(2, "async-sub"),
        &server,
        "foo",
        subscribing,
        "async-sub/start",
    );

    s.heading("Step 2: simple publisher (pub-simple)");
    s.publish("pub-simple/run", 3, &[], None);
    s.wait(&mut sub, "Received message 'Hello NATS'");
    s.show(&mut sub, "async-sub/received");
    if docs {
        let connz = server.monitor("/connz?subs=1").map_err(|err| err.0)?;
        let table = crate::connz::table(&connz)?;
        s.emit("connz/one", &format!("$ cargo xtask connz --once\n{table}"));
    }

    s.heading("Step 3: a message with a reply subject (pub-msg)");
    let published = ok("Published msg.Subject = foo | msg.Reply = bar | msg.Data = Hello World");
    s.run("pub-msg/run", terminal(3, "pub-msg"), published);
    s.wait(&mut sub, "Received message 'Hello World'");
    s.show(&mut sub, "async-sub/received-msg");
    s.interrupt(&mut sub, "async-sub/ctrl-c", "reconnected 0 time(s)");

    s.heading("Step 4: synchronous subscriber (sync-sub)");
    let args = ["foo", SYNC_SUB_SECONDS];
    let subscribing = "Subscribing to subject 'foo'";
    let mut sync = s.subscriber(
        terminal(2, "sync-sub").args(&args),
        &server,
        "foo",
        subscribing,
        "sync-sub/start",
    );
    s.publish("sync-sub/publish", 3, &[], None);
    s.finish(
        &mut sync,
        "sync-sub/end",
        "sync-sub",
        ok("received 1, done"),
    );

    if docs {
        errors_on_a_plain_server(s, &mut server)?;
    }
    drop(server);

    s.heading("Client authentication: a server that requires user foo, password bar");
    let server = s.server(ServerOptions::new().auth("foo", "bar").trace())?;
    s.say("terminal 1 $ cargo xtask server --auth --trace");
    s.say(&format!(
        "(nats-server --user foo --pass bar -DV; the tour's own runs on {})",
        server.url()
    ));

    s.heading("Step 5: asynchronous subscriber with credentials (auth-sub)");
    let subscribing = "Subscribing to subject 'foo'";
    let mut sub = s.subscriber(
        terminal(2, "auth-sub"),
        &server,
        "foo",
        subscribing,
        "auth-sub/start",
    );

    s.heading("Step 6: simple publisher with credentials (auth-pub)");
    let published = ok("Published message on subject foo");
    s.run("auth-pub/run", terminal(3, "auth-pub"), published);
    s.wait(&mut sub, "Received message 'Hello NATS'");
    s.show(&mut sub, "auth-sub/received");
    if docs {
        // auth-sub is still connected: the first connection closed is auth-pub's.
        let lines = client_log(&server, 1)?;
        s.emit("trace/accepted", &lines.join("\n"));
    }

    s.heading("Without credentials, the server refuses the connection");
    let refused = fails("authorization violation");
    let verdict = "refused without credentials";
    s.run(
        "auth/refused",
        terminal(3, "pub-simple").verdict(verdict),
        refused,
    );
    s.say("\nterminal 1 (nats-server -DV), the lines about that connection:");
    let lines = refused_connection_log(&server);
    if lines.is_empty() {
        s.check(
            verdict,
            Err("the server logged no authorization error".into()),
        );
    }
    s.emit("trace/refused", &lines.join("\n"));

    if docs {
        let wrong = [("NATS_PASSWORD", "wrong")];
        let refused = fails("authorization violation");
        s.run(
            "auth/wrong-password",
            terminal(3, "auth-pub").env(&wrong),
            refused,
        );
        let url = server.url().replace("nats://", "nats://foo:bar@");
        let published = ok("Published message on subject foo");
        s.run("auth/url", terminal(3, "auth-pub").url(&url), published);
        let refused = fails("NATS_URL contains credentials");
        s.run(
            "auth/url-plain",
            terminal(3, "pub-simple").url(&url),
            refused,
        );
    }
    s.interrupt(&mut sub, "auth-sub/ctrl-c", "reconnected 0 time(s)");
    drop(server);

    beyond_the_tutorial(s, docs)?;
    if docs {
        errors_without_a_server(s)?;
    }
    s.heading("Summary");
    s.verdicts()?;
    s.say("\nEvery step behaved as the tutorial describes.");
    Ok(())
}

/// The guide's error chapter: bad input, a server restart, an oversized payload.
fn errors_on_a_plain_server(
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
fn errors_without_a_server(s: &mut Script) -> Result<(), String> {
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

/// The steps that go past the Go tutorial: its own suggestions, then the core NATS patterns.
fn beyond_the_tutorial(s: &mut Script, docs: bool) -> Result<(), String> {
    s.heading("Beyond the tutorial: a wildcard subscriber (wildcard-sub)");
    let server = s.server(ServerOptions::new())?;
    s.say("(a fresh private nats-server; terminal 1 $ cargo xtask server)");
    let subscribing = "Subscribing to 'foo.*'";
    let block = "wildcard/start";
    let mut sub = s.subscriber(
        terminal(2, "wildcard-sub").args(&["foo.*"]),
        &server,
        "foo.*",
        subscribing,
        block,
    );
    let args = ["foo.a.b", "two tokens"];
    s.publish("wildcard/publish-two", 3, &args, None);
    let args = ["foo.a", "one token"];
    s.publish("wildcard/publish-one", 3, &args, None);
    s.wait(&mut sub, "Received on [foo.a]: 'one token'");
    s.show(&mut sub, "wildcard/received");
    s.refute(&sub, "two tokens");
    s.interrupt(&mut sub, "wildcard/ctrl-c", "reconnected 0 time(s)");

    s.heading("Beyond the tutorial: a message counter (counter-sub)");
    let subscribing = "Subscribing to subject 'foo'";
    let mut sub = s.subscriber(
        terminal(2, "counter-sub"),
        &server,
        "foo",
        subscribing,
        "counter/start",
    );
    for block in ["counter/publish-1", "counter/publish-2"] {
        s.publish(block, 3, &[], None);
    }
    s.wait(&mut sub, "[#2] Received on [foo]");
    s.show(&mut sub, "counter/received");
    s.interrupt(&mut sub, "counter/ctrl-c", "message(s) in all");
    if docs {
        // Slow handling (20 ms a message) and room for 16 waiting messages, then 200
        // messages published at once by the recorder's own client.
        let (args, block) = (["foo", "20", "16"], "counter/slow-start");
        let mut sub = s.subscriber(
            terminal(2, "counter-sub").args(&args),
            &server,
            "foo",
            subscribing,
            block,
        );
        let payloads: Vec<String> = (1..=200).map(|n| format!("message {n}")).collect();
        testkit::publish_all(&server, "foo", &payloads).map_err(|err| err.0)?;
        s.wait(&mut sub, "Slow consumer");
        s.interrupt(
            &mut sub,
            "counter/slow",
            "were dropped because this subscriber was too slow",
        );
    }

    s.heading("Beyond the tutorial: sharing work in a queue group (queue-sub)");
    let mut first = s.start(terminal(2, "queue-sub"));
    s.wait(&mut first, "Joined queue group 'workers'");
    s.show(&mut first, "queue/start-1");
    let mut second = s.start(terminal(3, "queue-sub"));
    s.wait(&mut second, "Joined queue group 'workers'");
    s.show(&mut second, "queue/start-2");
    if server.wait_for_subscriptions("foo", 2, PATIENCE).is_err() {
        s.check(
            "queue-sub",
            Err("the two members never both subscribed".into()),
        );
    }
    for job in 1..=4 {
        let text = format!("job {job}");
        let block = format!("queue/publish-{job}");
        s.publish(&block, 4, &["foo", &text], None);
    }
    s.wait_total(&[&first, &second], "Received message 'job", 4);
    s.show(&mut first, "queue/received-1");
    s.show(&mut second, "queue/received-2");
    s.interrupt(&mut first, "queue/ctrl-c-1", "for group 'workers'. Bye!");
    s.interrupt(&mut second, "queue/ctrl-c-2", "for group 'workers'. Bye!");

    s.heading("Beyond the tutorial: request and reply (request, reply)");
    let answering = "Answering requests on 'help'";
    let mut responder = s.subscriber(
        terminal(2, "reply"),
        &server,
        "help",
        answering,
        "reply/start",
    );
    let answered = ok("Received reply 'I can help!'");
    s.run("request/run", terminal(3, "request"), answered);
    s.wait(&mut responder, "Answered 'help me'");
    s.show(&mut responder, "reply/answered");
    s.interrupt(&mut responder, "reply/ctrl-c", "Bye!");
    let nobody = fails("nobody answers on 'help'");
    s.run("request/no-responders", terminal(3, "request"), nobody);

    s.heading("Beyond the tutorial: message headers (headers)");
    let read = ok("header Nats-Msg-Id: hello-1");
    s.run("headers/run", terminal(2, "headers"), read);
    drop(server);
    publisher_through_an_outage(s)?;
    crate::tour_security::run(s)?;
    persistence(s)?;

    s.heading("Beyond the tutorial: a cluster, and a subscriber that fails over (cluster-sub)");
    let mut cluster = s.cluster()?;
    s.say("terminal 1 $ cargo xtask cluster");
    let mut sub = s.start(terminal(2, "cluster-sub"));
    s.wait(&mut sub, "Connected to cluster node 'n1'");
    s.wait(&mut sub, "Subscribing to subject 'foo'");
    if cluster
        .node(0)
        .wait_for_subscription("foo", PATIENCE)
        .is_err()
    {
        s.check("cluster-sub", Err("never subscribed on n1".into()));
    }
    s.show(&mut sub, "cluster/start");
    let n1 = cluster.node(0).url();
    let args = ["foo", "through n1"];
    s.publish("cluster/publish-1", 3, &args, Some(&n1));
    s.wait(&mut sub, "Received message 'through n1'");
    s.show(&mut sub, "cluster/received-1");
    s.say("\nterminal 1: 1 and Enter (stops n1)");
    cluster.node_mut(0).stop();
    s.wait(&mut sub, "Reconnected to the cluster");
    let moved_to = cluster.wait_for_subscription("foo", PATIENCE);
    s.show(&mut sub, "cluster/failover");
    match moved_to {
        Ok(index) => {
            let url = cluster.node(index).url();
            let args = ["foo", "after the failover"];
            let block = "cluster/publish-2";
            s.publish(block, 3, &args, Some(&url));
            s.wait(&mut sub, "Received message 'after the failover'");
            s.show(&mut sub, "cluster/received-2");
        }
        Err(err) => s.check("cluster-sub", Err(err.0)),
    }
    s.interrupt(&mut sub, "cluster/ctrl-c", "reconnected 1 time(s)");
    drop(cluster);
    if docs {
        frozen_node(s)?;
    }
    Ok(())
}

/// pub-ticker while the server goes down and comes back, counted by counter-sub.
fn publisher_through_an_outage(s: &mut Script) -> Result<(), String> {
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

/// JetStream: js-pub stores into the stream ORDERS, js-pull reads it with a durable consumer.
fn persistence(s: &mut Script) -> Result<(), String> {
    s.heading("Persistence: a stream and a durable consumer (js-pub, js-pull)");
    let server = s.server(ServerOptions::new().jetstream(None))?;
    s.say("terminal 1 $ cargo xtask server --jetstream");
    let stored = ok("a duplicate of #1, stored once");
    s.run("js/pub", terminal(2, "js-pub"), stored);
    let more = ["orders.new", "two pizzas"];
    s.run(
        "js/pub-2",
        terminal(2, "js-pub").args(&more),
        ok("stored in ORDERS as #2"),
    );
    let caught_up = ok("Caught up: processed 2 message(s)");
    s.run("js/pull", terminal(3, "js-pull"), caught_up);
    let nothing = ok("Caught up: processed 0 message(s)");
    s.run("js/pull-again", terminal(3, "js-pull"), nothing);
    drop(server);
    key_value(s)?;
    replication(s)
}

/// The kv step: a watcher in one terminal, changes and a refused compare-and-set in another.
fn key_value(s: &mut Script) -> Result<(), String> {
    s.heading("Persistence: a key-value bucket (kv)");
    let server = s.server(ServerOptions::new().jetstream(None))?;
    s.say("terminal 1 $ cargo xtask server --jetstream");
    let mut watcher = s.start(terminal(3, "kv"));
    s.wait(&mut watcher, "Watching the bucket 'tutorial'");
    s.show(&mut watcher, "kv/watch");
    let commands: [(&str, &[&str], &str); 5] = [
        (
            "kv/put",
            &["put", "color", "blue"],
            "color = blue (revision 1)",
        ),
        (
            "kv/put-2",
            &["put", "color", "red"],
            "color = red (revision 2)",
        ),
        ("kv/get", &["get", "color"], "color = red (revision 2)"),
        (
            "kv/update",
            &["update", "color", "green", "2"],
            "(revision 3, was 2)",
        ),
        ("kv/delete", &["delete", "color"], "color deleted"),
    ];
    for (block, args, says) in commands {
        s.run(block, terminal(2, "kv").args(args), ok(says));
    }
    let stale = ["update", "color", "yellow", "2"];
    let refused = fails("changed after revision 2; now color deleted (revision 4)");
    s.run("kv/conflict", terminal(2, "kv").args(&stale), refused);
    s.run(
        "kv/history",
        terminal(2, "kv").args(&["history", "color"]),
        ok("color deleted (revision 4)"),
    );
    s.wait(&mut watcher, "color deleted (revision 4)");
    s.show(&mut watcher, "kv/watched");
    drop(server);
    Ok(())
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
    s.wait(&mut reader, "Caught up: processed 1000 message(s)");
    s.summary(
        &reader,
        "replicated/pull",
        failover_line,
        vary_order_numbers,
    );
    drop(cluster);
    Ok(())
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
fn frozen_node(s: &mut Script) -> Result<(), String> {
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
