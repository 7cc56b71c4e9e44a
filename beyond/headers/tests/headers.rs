//! End-to-end tests of the headers step against a real nats-server.

use testkit::{Observer, PATIENCE, ServerOptions, checks};

const BIN: &str = env!("CARGO_BIN_EXE_headers");

#[test]
fn the_message_id_comes_from_the_arguments() {
    let server = checks::start(ServerOptions::new());
    let observer = Observer::subscribe(&server, "orders").unwrap();
    let out = checks::run(BIN, &server.url(), &[], &["orders", "order-42"]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    // What another client receives (the log's lines are the guide scene's to check).
    let message = observer.next(PATIENCE).unwrap();
    assert!(
        message
            .headers
            .contains(&("Nats-Msg-Id".into(), "order-42".into()))
    );
}

// The behaviours every step shares: no server, a bad URL, a server that wants credentials,
// credentials in the URL, invalid subjects (see testkit::checks).
testkit::step_checks!(
    plain: BIN,
    auth_hint: "cargo xtask server",
    subject_args: |subject| vec![subject.to_string()],
);

/// The guide's scene of a message with headers, and its claim: the step publishes headers that
/// it and another client read back. It writes the transcripts that the guide's output blocks
/// show (`cargo xtask docs`), and `cargo xtask tour` runs it with `NATS_TOUR` set.
mod guide {
    use testkit::scene::{Running, Script, terminal};
    use testkit::{Observer, PATIENCE};

    #[test]
    fn scene_headers() {
        Script::play(headers);
    }

    /// headers on a plain server of its own, while a second client listens on foo.
    fn headers(s: &mut Script) -> Result<(), String> {
        s.heading("Beyond the tutorial: message headers (headers)");
        let server = s.plain_server()?;
        let observer = Observer::subscribe(&server, "foo").map_err(|err| err.0)?;
        let mut run = s.start(terminal(2, "headers"));
        s.end(&mut run, 0);
        s.show(&mut run, "headers/run");
        let said = run
            .as_ref()
            .map(Running::lines)
            .unwrap_or_default()
            .join("\n");
        for line in [
            "'Hello NATS' on foo",
            "Nats-Msg-Id: hello-1",
            "Greeting-Language: en",
        ] {
            assert!(said.contains(line), "no {line:?} in:\n{said}");
        }
        // The other client got the same headers, sorted by name.
        let message = observer.next(PATIENCE).map_err(|err| err.0)?;
        assert_eq!(message.payload, "Hello NATS");
        let headers = [("Greeting-Language", "en"), ("Nats-Msg-Id", "hello-1")];
        let headers = headers.map(|(name, value)| (name.to_string(), value.to_string()));
        assert_eq!(message.headers, headers.to_vec());
        Ok(())
    }
}
