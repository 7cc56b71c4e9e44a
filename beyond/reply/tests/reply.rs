//! End-to-end tests of the responder against a real nats-server.

use std::time::Duration;

use testkit::{PATIENCE, ServerOptions, Step, checks, publish, requests};

const BIN: &str = env!("CARGO_BIN_EXE_reply");

#[test]
fn answers_requests_and_ignores_plain_messages() {
    let server = checks::start(ServerOptions::new());
    let mut responder = Step::start(Step::command(BIN).env("NATS_URL", server.url())).unwrap();
    server.wait_for_subscription("help", PATIENCE).unwrap();

    let answers = requests(&server, "help", &["help me"], PATIENCE).unwrap();
    assert_eq!(answers, vec![Ok("I can help!".to_string())]);
    publish(&server, "help", "just saying").unwrap();
    responder
        .wait_for_line("'just saying' without a reply subject", PATIENCE)
        .unwrap();

    responder.interrupt().unwrap();
    let out = responder.wait_exit(Duration::from_secs(2)).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(out.contains("requests on 'help'"), "{}", out.all);
    assert!(out.contains("'help me' with 'I can help!'"), "{}", out.all);
    assert!(out.contains("1 request(s)"), "{}", out.all);
}

#[test]
fn ctrl_c_still_answers_the_requests_already_received() {
    let server = checks::start(ServerOptions::new());
    // 300 ms of work per request: five requests take 1.5 s, so Ctrl-C comes in the middle.
    let mut command = Step::command(BIN);
    command
        .env("NATS_URL", server.url())
        .args(["help", "done", "300"]);
    let mut responder = Step::start(&mut command).unwrap();
    server.wait_for_subscription("help", PATIENCE).unwrap();

    let questions = ["one", "two", "three", "four", "five"];
    let answers = std::thread::scope(|scope| {
        let asked = scope.spawn(|| requests(&server, "help", &questions, PATIENCE));
        // The five requests leave together; by the time the first one is answered (300 ms),
        // the other four wait in the responder's queue.
        responder.wait_for_line("' with '", PATIENCE).unwrap();
        responder.interrupt().unwrap();
        asked.join().unwrap().unwrap()
    });
    assert!(
        answers.iter().all(|answer| answer.as_deref() == Ok("done")),
        "{answers:?}"
    );

    let out = responder.wait_exit(PATIENCE).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(out.contains("no new requests"), "{}", out.all);
    assert!(out.contains("5 request(s)"), "{}", out.all);

    // After the drain nobody serves the subject any more.
    let late = requests(&server, "help", &["six"], Duration::from_secs(1)).unwrap();
    assert!(
        late[0]
            .as_ref()
            .is_err_and(|err| err.contains("no responders")),
        "{late:?}"
    );
}

// The behaviours every step shares: no server, a bad URL, a server that wants credentials,
// credentials in the URL, invalid subjects (see testkit::checks).
testkit::step_checks!(
    plain: BIN,
    auth_hint: "cargo xtask server",
    subject_args: |subject| vec![subject.to_string()],
);

/// The guide's scene of request and reply.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::scene::{Script, fails, ok, terminal};

    #[test]
    fn scene_request_reply() {
        Script::play(request_reply);
    }

    /// A responder and a requester, and a request nobody answers.
    fn request_reply(s: &mut Script) -> Result<(), String> {
        s.heading("Beyond the tutorial: request and reply (request, reply)");
        let server = &s.plain_server()?;
        let answering = "'help'";
        let mut responder = s.subscriber(
            terminal(2, "reply"),
            server,
            "help",
            answering,
            "reply/start",
        );
        let answered = ok("'I can help!'");
        s.run("request/run", terminal(3, "request"), answered);
        s.wait(&mut responder, "'help me' with");
        s.show(&mut responder, "reply/answered");
        s.interrupt(&mut responder, "reply/ctrl-c", "Bye!");
        let nobody = fails("nobody answers on 'help'");
        s.run("request/no-responders", terminal(3, "request"), nobody);
        Ok(())
    }
}
