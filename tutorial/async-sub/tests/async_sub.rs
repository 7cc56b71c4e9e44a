//! End-to-end tests of step 1 against a real nats-server.
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use testkit::{NatsServer, PATIENCE, ServerOptions, Step, checks, publish};

const BIN: &str = env!("CARGO_BIN_EXE_async-sub");

fn start(server: &NatsServer, args: &[&str]) -> Step {
    Step::start(Step::command(BIN).env("NATS_URL", server.url()).args(args)).unwrap()
}

#[test]
fn receives_what_is_published_and_exits_cleanly_on_ctrl_c() {
    let server = checks::start(ServerOptions::new());
    let mut sub = start(&server, &[]);
    server.wait_for_subscription("foo", PATIENCE).unwrap();

    publish(&server, "foo", "Hello NATS").unwrap();
    publish(&server, "other", "not for us").unwrap();
    publish(&server, "foo", "second").unwrap();
    sub.wait_for_line("'second'", PATIENCE).unwrap();

    sub.interrupt().unwrap();
    // Ctrl-C must end it promptly: exit 0 within 2 seconds, with a last log line.
    let out = sub.wait_exit(Duration::from_secs(2)).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    // What it logs, by the data each line carries (the wording is the guide's block's).
    out.assert_lines_in_order(&[&server.url(), "'foo'", "'Hello NATS'", "'second'"]);
    let lines: Vec<&str> = out.all.lines().collect();
    assert!(!out.contains("not for us"), "{}", out.all);
    // Then the client's own counters: the two messages of 'foo'.
    let [.., drained, statistics] = lines[..] else {
        panic!("{}", out.all)
    };
    assert!(drained.contains("drained"), "{}", out.all);
    assert!(
        statistics.contains("received 2 message(s), sent 0;")
            && statistics.ends_with("reconnected 0 time(s)"),
        "{}",
        out.all
    );
}

#[test]
fn subject_argument_changes_what_it_listens_to() {
    let server = checks::start(ServerOptions::new());
    let mut sub = start(&server, &["greetings.*"]);
    server
        .wait_for_subscription("greetings.*", PATIENCE)
        .unwrap();
    publish(&server, "foo", "on foo").unwrap();
    publish(&server, "greetings.en", "hello").unwrap();
    sub.wait_for_line("'hello'", PATIENCE).unwrap();
    sub.interrupt().unwrap();
    let out = sub.wait_exit(Duration::from_secs(2)).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(out.contains("'greetings.*'"), "{}", out.all);
    assert!(!out.contains("on foo"), "{}", out.all);
}

#[test]
fn with_nats_wait_for_server_it_starts_before_the_server_and_waits() {
    let port = testkit::free_port().unwrap();
    let mut sub = Step::start(
        Step::command(BIN)
            .env("NATS_URL", format!("nats://127.0.0.1:{port}"))
            .env("NATS_WAIT_FOR_SERVER", "1"),
    )
    .unwrap();
    // About two seconds of attempts (one every half second), then the server comes up.
    sub.wait_for_line("Trying to connect (attempt 5)", PATIENCE)
        .unwrap();
    let so_far = sub.output_so_far();
    assert!(
        !so_far.contains(&format!("127.0.0.1:{port}")),
        "connected before any server:\n{so_far}"
    );
    let server = checks::start(ServerOptions::new().port(port));
    server.wait_for_subscription("foo", PATIENCE).unwrap();
    publish(&server, "foo", "you waited").unwrap();
    sub.wait_for_line("'you waited'", PATIENCE).unwrap();
    sub.interrupt().unwrap();
    let out = sub.wait_exit(Duration::from_secs(2)).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
}

#[test]
fn survives_a_server_restart() {
    checks::survives_a_server_restart(BIN, ServerOptions::new(), &[]);
}

#[test]
fn ctrl_c_while_the_server_is_down_still_exits_cleanly() {
    let mut server = checks::start(ServerOptions::new());
    let mut sub = start(&server, &[]);
    server.wait_for_subscription("foo", PATIENCE).unwrap();
    server.stop();
    sub.wait_for_line("Disconnected from the server", PATIENCE)
        .unwrap();

    sub.interrupt().unwrap();
    // Nobody can confirm the drain; it gives up after a second and still exits 0.
    let out = sub.wait_exit(Duration::from_secs(2)).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    let lines: Vec<&str> = out.all.lines().collect();
    let [.., gave_up, _statistics] = lines[..] else {
        panic!("{}", out.all)
    };
    assert!(gave_up.contains("exiting anyway"), "{}", out.all);
}

#[test]
fn subscribing_with_malformed_dots_is_explained() {
    let server = checks::start(ServerOptions::new());
    for subject in ["foo..bar", ".foo", "foo."] {
        let out = checks::run(BIN, &server.url(), &[], &[subject]);
        checks::assert_error(&out, &[&format!("'{subject}' is not a valid subject")]);
    }
}

// The behaviours every step shares: no server, a bad URL, a server that wants credentials,
// credentials in the URL, invalid subjects (see testkit::checks).
testkit::step_checks!(
    plain: BIN,
    auth_hint: "auth-sub",
    subject_args: |subject| vec![subject.to_string()],
);

/// A learner's shell may export any setting of the README's table: the tests above must not
/// care (each step they start gets only the settings the test gives it).
#[test]
fn the_tests_pass_whatever_the_shell_exports() {
    testkit::sealed::sealed_from_the_shell("the_tests_pass_whatever_the_shell_exports");
}

/// The guide's scenes of steps 1 to 4 and of the errors chapter, as a learner runs them.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::scene::{SYNC_SUB_SECONDS, Script, fails, ok, terminal};
    use testkit::{NatsServer, ServerOptions};

    #[test]
    fn scene_1_the_go_tutorial() {
        Script::play(go_tutorial);
    }

    #[test]
    fn scene_2_without_a_server() {
        Script::play(errors_without_a_server);
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
        let subscribing = "'foo'";
        let sync_sub = terminal(2, "sync-sub").args(&args);
        let mut sync = s.subscriber(sync_sub, &server, "foo", subscribing, "sync-sub/start");
        s.publish("sync-sub/publish", 3, &[], None);
        s.finish(
            &mut sync,
            "sync-sub/end",
            "sync-sub",
            ok("received 1, done"),
        );
        errors_on_a_plain_server(s, &mut server)
    }

    /// Steps 1 to 3: the subscriber, and the two publishers it hears.
    fn subscriber_and_publishers(s: &mut Script, server: &NatsServer) -> Result<(), String> {
        s.heading("Step 1: asynchronous subscriber (async-sub)");
        let subscribing = "'foo'";
        let async_sub = terminal(2, "async-sub");
        let mut sub = s.subscriber(async_sub, server, "foo", subscribing, "async-sub/start");

        s.heading("Step 2: simple publisher (pub-simple)");
        s.publish("pub-simple/run", 3, &[], None);
        s.wait(&mut sub, "'Hello NATS'");
        s.show(&mut sub, "async-sub/received");
        let connz = server.monitor("/connz?subs=1").map_err(|err| err.0)?;
        let table = testkit::connz_table(&connz)?;
        s.emit("connz/one", &format!("$ cargo xtask connz --once\n{table}"));

        s.heading("Step 3: a message with a reply subject (pub-msg)");
        let published =
            ok("Published msg.Subject = foo | msg.Reply = bar | msg.Data = Hello World");
        s.run("pub-msg/run", terminal(3, "pub-msg"), published);
        s.wait(&mut sub, "'Hello World'");
        s.show(&mut sub, "async-sub/received-msg");
        s.interrupt(&mut sub, "async-sub/ctrl-c", "reconnected 0 time(s)");
        Ok(())
    }

    /// The guide's error chapter: bad input, a server restart, an oversized payload.
    fn errors_on_a_plain_server(
        s: &mut Script,
        server: &mut testkit::NatsServer,
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

        let subscribing = "'foo'";
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
        s.wait(&mut sub, "'Hello again'");
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
        s.wait(&mut sub, "'foo'");
        s.wait_subscribed(&mut sub, &server, "foo");
        s.show_without(&mut sub, "wait/connected", Some("Trying to connect"));
        s.interrupt(&mut sub, "wait/ctrl-c", "reconnected 0 time(s)");
        Ok(())
    }
}
