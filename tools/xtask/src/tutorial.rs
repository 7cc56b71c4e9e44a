//! The tutorial, scene by scene, as `cargo xtask tour` shows it and as `cargo xtask docs`
//! records it for the guide: the same scenes, run the same way; only where their output goes
//! differs (the terminal, or the guide's named blocks), which is the script's business. Block
//! names (`async-sub/start`, ...) are the names of the guide's output blocks.

use nats_servers::{NatsServer, PATIENCE, ServerOptions};

use crate::script::{SYNC_SUB_SECONDS, Script, fails, ok, terminal};
use crate::transcript::{client_log, refused_connection_log};
use crate::{tour_errors, tour_jetstream, tour_security, tour_services};

/// A scene: a part of the guide, with the servers and steps it needs.
type Scene = fn(&mut Script) -> Result<(), String>;

/// Every scene, in the guide's order.
const SCENES: &[Scene] = &[
    go_tutorial,
    authentication,
    tour_errors::errors_without_a_server,
    beyond_the_tutorial,
    tour_errors::publisher_through_an_outage,
    tour_security::run,
    tour_jetstream::persistence,
    tour_services::services,
    clusters,
    tour_errors::frozen_node,
];

/// Runs every scene, then sums up the verdicts.
pub fn run(s: &mut Script) -> Result<(), String> {
    for scene in SCENES {
        scene(s)?;
    }
    s.heading("Summary");
    s.verdicts()?;
    s.say("\nEvery step behaved as the tutorial describes.");
    Ok(())
}

/// Steps 1 to 4 on a plain server, what the server's monitoring shows of them, and the errors
/// chapter's cases on the same server.
fn go_tutorial(s: &mut Script) -> Result<(), String> {
    s.heading("Start a NATS server");
    let mut server = s.server(ServerOptions::new())?;
    s.say("terminal 1 $ cargo xtask server");
    s.say(&format!(
        "(The tour starts a private nats-server on {url} instead, so a server of yours on port \
         4222 is left alone, and runs every step below with NATS_URL={url}.)",
        url = server.url()
    ));
    subscriber_and_publishers(s, &server)?;

    s.heading("Step 4: synchronous subscriber (sync-sub)");
    let args = ["foo", SYNC_SUB_SECONDS];
    let subscribing = "Subscribing to subject 'foo'";
    let sync_sub = terminal(2, "sync-sub").args(&args);
    let mut sync = s.subscriber(sync_sub, &server, "foo", subscribing, "sync-sub/start");
    s.publish("sync-sub/publish", 3, &[], None);
    s.finish(
        &mut sync,
        "sync-sub/end",
        "sync-sub",
        ok("received 1, done"),
    );
    tour_errors::errors_on_a_plain_server(s, &mut server)
}

/// Steps 1 to 3: the subscriber, and the two publishers it hears.
fn subscriber_and_publishers(s: &mut Script, server: &NatsServer) -> Result<(), String> {
    s.heading("Step 1: asynchronous subscriber (async-sub)");
    let subscribing = "Subscribing to subject 'foo'";
    let async_sub = terminal(2, "async-sub");
    let mut sub = s.subscriber(async_sub, server, "foo", subscribing, "async-sub/start");

    s.heading("Step 2: simple publisher (pub-simple)");
    s.publish("pub-simple/run", 3, &[], None);
    s.wait(&mut sub, "Received message 'Hello NATS'");
    s.show(&mut sub, "async-sub/received");
    let connz = server.monitor("/connz?subs=1").map_err(|err| err.0)?;
    let table = crate::connz::table(&connz)?;
    s.emit("connz/one", &format!("$ cargo xtask connz --once\n{table}"));

    s.heading("Step 3: a message with a reply subject (pub-msg)");
    let published = ok("Published msg.Subject = foo | msg.Reply = bar | msg.Data = Hello World");
    s.run("pub-msg/run", terminal(3, "pub-msg"), published);
    s.wait(&mut sub, "Received message 'Hello World'");
    s.show(&mut sub, "async-sub/received-msg");
    s.interrupt(&mut sub, "async-sub/ctrl-c", "reconnected 0 time(s)");
    Ok(())
}

/// Steps 5 and 6 on a server that requires user foo, password bar, with its trace; then the
/// refusals: no credentials, a wrong password, and credentials written in the URL.
fn authentication(s: &mut Script) -> Result<(), String> {
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
    // auth-sub is still connected: the first connection closed is auth-pub's.
    s.say("\nterminal 1 (nats-server -DV), the lines about these two connections:");
    let lines = client_log(&server, 1)?;
    s.emit("trace/accepted", &lines.join("\n"));

    refusals(s, &server)?;
    s.interrupt(&mut sub, "auth-sub/ctrl-c", "reconnected 0 time(s)");
    Ok(())
}

/// What the server with a password refuses: no credentials (with its trace), a wrong
/// password, and credentials written in the URL of a step that sends none.
fn refusals(s: &mut Script, server: &NatsServer) -> Result<(), String> {
    s.heading("Without credentials, or with the wrong ones, the server refuses the connection");
    let verdict = "refused without credentials";
    let refused = fails("authorization violation");
    s.run(
        "auth/refused",
        terminal(3, "pub-simple").verdict(verdict),
        refused,
    );
    s.say("\nterminal 1 (nats-server -DV), the lines about that connection:");
    let lines = refused_connection_log(server);
    if lines.is_empty() {
        s.check(
            verdict,
            Err("the server logged no authorization error".into()),
        );
    }
    s.emit("trace/refused", &lines.join("\n"));
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
    Ok(())
}

/// The steps past the Go tutorial on one plain server: wildcards, a counter, a queue group,
/// request and reply, headers.
fn beyond_the_tutorial(s: &mut Script) -> Result<(), String> {
    s.heading("Beyond the tutorial: a wildcard subscriber (wildcard-sub)");
    let server = s.server(ServerOptions::new())?;
    s.say("(a fresh private nats-server; terminal 1 $ cargo xtask server)");
    let subscribing = "Subscribing to 'foo.*'";
    let wildcard_sub = terminal(2, "wildcard-sub").args(&["foo.*"]);
    let mut sub = s.subscriber(
        wildcard_sub,
        &server,
        "foo.*",
        subscribing,
        "wildcard/start",
    );
    s.publish("wildcard/publish-two", 3, &["foo.a.b", "two tokens"], None);
    s.publish("wildcard/publish-one", 3, &["foo.a", "one token"], None);
    s.wait(&mut sub, "Received on [foo.a]: 'one token'");
    s.show(&mut sub, "wildcard/received");
    s.refute(&sub, "two tokens");
    s.interrupt(&mut sub, "wildcard/ctrl-c", "reconnected 0 time(s)");
    counters(s, &server)?;
    queue_group(s, &server);
    request_reply_and_headers(s, &server);
    Ok(())
}

/// counter-sub counting, then counting too slowly: 200 messages at once for a subscriber that
/// takes 20 ms a message and has room for 16 waiting.
fn counters(s: &mut Script, server: &NatsServer) -> Result<(), String> {
    s.heading("Beyond the tutorial: a message counter (counter-sub)");
    let subscribing = "Subscribing to subject 'foo'";
    let mut sub = s.subscriber(
        terminal(2, "counter-sub"),
        server,
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

    let slow = terminal(2, "counter-sub").args(&["foo", "20", "16"]);
    let mut sub = s.subscriber(slow, server, "foo", subscribing, "counter/slow-start");
    let payloads: Vec<String> = (1..=200).map(|n| format!("message {n}")).collect();
    testkit::publish_all(server, "foo", &payloads).map_err(|err| err.0)?;
    s.wait(&mut sub, "Slow consumer");
    s.interrupt(
        &mut sub,
        "counter/slow",
        "were dropped because this subscriber was too slow",
    );
    Ok(())
}

/// Two members of a queue group sharing four jobs.
fn queue_group(s: &mut Script, server: &NatsServer) {
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
        s.publish(&format!("queue/publish-{job}"), 4, &["foo", &text], None);
    }
    s.wait_total(&[&first, &second], "Received message 'job", 4);
    s.show(&mut first, "queue/received-1");
    s.show(&mut second, "queue/received-2");
    s.interrupt(&mut first, "queue/ctrl-c-1", "for group 'workers'. Bye!");
    s.interrupt(&mut second, "queue/ctrl-c-2", "for group 'workers'. Bye!");
}

/// A responder and a requester, a request nobody answers, and a message with headers.
fn request_reply_and_headers(s: &mut Script, server: &NatsServer) {
    s.heading("Beyond the tutorial: request and reply (request, reply)");
    let answering = "Answering requests on 'help'";
    let mut responder = s.subscriber(
        terminal(2, "reply"),
        server,
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
}

/// cluster-sub on a three-node cluster: it fails over when its node stops.
fn clusters(s: &mut Script) -> Result<(), String> {
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
    s.publish("cluster/publish-1", 3, &["foo", "through n1"], Some(&n1));
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
            s.publish(
                "cluster/publish-2",
                3,
                &["foo", "after the failover"],
                Some(&url),
            );
            s.wait(&mut sub, "Received message 'after the failover'");
            s.show(&mut sub, "cluster/received-2");
        }
        Err(err) => s.check("cluster-sub", Err(err.0)),
    }
    s.interrupt(&mut sub, "cluster/ctrl-c", "reconnected 1 time(s)");
    Ok(())
}
