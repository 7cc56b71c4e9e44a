//! The tutorial, step by step, as `cargo xtask tour` shows it and as the guide records it.
//! Block names (`async-sub/start`, ...) are the names of the guide's output blocks.

use nats_servers::{PATIENCE, ServerOptions};

use crate::script::{Mode, SYNC_SUB_SECONDS, Script, fails, ok, terminal};
use crate::transcript::{client_log, refused_connection_log};

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
        crate::tour_errors::errors_on_a_plain_server(s, &mut server)?;
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
        crate::tour_errors::errors_without_a_server(s)?;
    }
    s.heading("Summary");
    s.verdicts()?;
    s.say("\nEvery step behaved as the tutorial describes.");
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
    crate::tour_errors::publisher_through_an_outage(s)?;
    crate::tour_security::run(s)?;
    crate::tour_jetstream::persistence(s)?;

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
        crate::tour_errors::frozen_node(s)?;
    }
    Ok(())
}
