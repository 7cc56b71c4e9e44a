//! End-to-end tests of step 5 against a real nats-server that requires credentials.
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use testkit::{NatsServer, PATIENCE, ServerOptions, Step, checks, publish};

const BIN: &str = env!("CARGO_BIN_EXE_auth-sub");

/// Runs auth-sub until it has received one message from the test, then presses Ctrl-C.
fn receive_one(server: &NatsServer, url: &str, env: &[(&str, &str)]) -> testkit::Output {
    let mut sub = Step::start(
        Step::command(BIN)
            .env("NATS_URL", url)
            .envs(env.iter().copied()),
    )
    .unwrap();
    server.wait_for_subscription("foo", PATIENCE).unwrap();
    publish(server, "foo", "Hello NATS").unwrap();
    sub.wait_for_line("'Hello NATS'", PATIENCE).unwrap();
    sub.interrupt().unwrap();
    // Ctrl-C must end it promptly: exit 0 within 2 seconds.
    let out = sub.wait_exit(Duration::from_secs(2)).unwrap();
    checks::assert_secrets_kept(&out, url, env);
    out
}

#[test]
fn the_tutorials_credentials_are_the_default() {
    let server = checks::start(ServerOptions::new().auth("foo", "bar"));
    let out = receive_one(&server, &server.url(), &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    // What it logs, by the data each line carries (the wording is the guide's block's).
    let connected = format!("{} as user 'foo'", server.url());
    out.assert_lines_in_order(&[&connected, "'foo'", "'Hello NATS'", "drained"]);
}

#[test]
fn credentials_from_the_environment_are_used_and_never_shown() {
    let password = "env-secret-c0ffee";
    let server = checks::start(ServerOptions::new().auth("alice", password));
    let env = [("NATS_USER", "alice"), ("NATS_PASSWORD", password)];
    // Every run fails its test if this password shows (testkit::checks::assert_secrets_kept).
    let out = receive_one(&server, &server.url(), &env);
    assert_eq!(out.code, Some(0), "{}", out.all);
}

#[test]
fn credentials_in_the_url_are_applied_and_never_shown() {
    let password = "url-secret-5a5a";
    let server = checks::start(ServerOptions::new().auth("alice", password));
    let url = format!("nats://alice:{password}@127.0.0.1:{}", server.port());
    // Every run fails its test if this password shows (testkit::checks::assert_secrets_kept).
    let out = receive_one(&server, &url, &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(
        out.contains("user and password written in NATS_URL"),
        "{}",
        out.all
    );
    assert!(out.contains(&server.url()), "{}", out.all);
}

#[test]
fn survives_a_server_restart_and_keeps_its_credentials() {
    let password = "restart-pass-11aa";
    let options = ServerOptions::new().auth("alice", password);
    let env = [("NATS_USER", "alice"), ("NATS_PASSWORD", password)];
    checks::survives_a_server_restart(BIN, options, &env);
}

// The behaviours every authenticating step shares: no server, a bad URL, a wrong password,
// URL credentials it cannot use, invalid subjects (see testkit::checks).
testkit::step_checks!(auth: BIN, subject_args: |subject| vec![subject.to_string()]);

/// A learner's shell may export any setting of the README's table: the tests above must not
/// care (each step they start gets only the settings the test gives it).
#[test]
fn the_tests_pass_whatever_the_shell_exports() {
    testkit::sealed::sealed_from_the_shell("the_tests_pass_whatever_the_shell_exports");
}

/// The reason the step takes credentials out of the URL (nats.rs issue 1623): async-nats
/// itself, given `nats://foo:bar@host`, sends no user and no password, and the server refuses.
#[test]
fn async_nats_itself_ignores_credentials_written_in_the_url() {
    let server = checks::start(ServerOptions::new().auth("foo", "bar"));
    let url = server.url().replace("nats://", "nats://foo:bar@");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let refused = runtime.block_on(async {
        let options = async_nats::ConnectOptions::new().max_reconnects(Some(1));
        options.connect(url.as_str()).await
    });
    let Err(err) = refused else {
        panic!("async-nats used the URL's credentials");
    };
    assert_eq!(
        err.kind(),
        async_nats::ConnectErrorKind::AuthorizationViolation,
        "{err}"
    );
}

/// The guide's scene of steps 5 and 6, and of what a server with a password refuses.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::scene::{Script, client_log, fails, ok, refused_connection_log, terminal};
    use testkit::{NatsServer, ServerOptions};

    #[test]
    fn scene_authentication() {
        Script::play(authentication);
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
        let subscribing = "'foo'";
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
        s.wait(&mut sub, "'Hello NATS'");
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
}
