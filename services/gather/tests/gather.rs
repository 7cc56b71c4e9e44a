//! End-to-end tests of scatter-gather: gather against quotes responders on a real nats-server,
//! with three responders, with none, and with one that answers after the deadline.
// A panic is the test failing with its message.
#![allow(clippy::unwrap_used)]

use testkit::{NatsServer, Output, PATIENCE, ServerOptions, Step, checks};

const BIN: &str = env!("CARGO_BIN_EXE_gather");

/// Quote responders, each `[AUTHOR, SCORE, DELAY_MS]`, all subscribed.
fn responders(server: &NatsServer, who: &[[&str; 3]]) -> Vec<Step> {
    let steps: Vec<Step> = who
        .iter()
        .map(|args| {
            Step::start(
                Step::command(testkit::workspace_step("quotes"))
                    .env("NATS_URL", server.url())
                    .args(args),
            )
            .unwrap()
        })
        .collect();
    server
        .wait_for_subscriptions("quote", who.len(), PATIENCE)
        .unwrap();
    steps
}

fn gather(server: &NatsServer, args: &[&str]) -> Output {
    Step::run(
        Step::command(BIN).env("NATS_URL", server.url()).args(args),
        PATIENCE,
    )
    .unwrap()
}

#[test]
fn every_responder_answers_and_all_answers_are_gathered() {
    let server = checks::start(ServerOptions::new());
    let _quotes = responders(
        &server,
        &[["ada", "7", "0"], ["grace", "9", "0"], ["edsger", "3", "0"]],
    );
    let out = gather(&server, &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    for author in ["ada", "grace", "edsger"] {
        assert!(
            out.contains(&format!("\"author\":\"{author}\"")),
            "{author}:\n{}",
            out.all
        );
    }
    assert!(out.contains("3 answer(s) in"), "{}", out.all);
    assert!(out.contains("stopped by the deadline"), "{}", out.all);
    // With a count, it stops as soon as it has that many.
    let out = gather(&server, &["quote", "{}", "2"]);
    assert!(
        out.contains("2 answer(s)") && out.contains("stopped by the count"),
        "{}",
        out.all
    );
    // With a quiet period, it stops once the answers stop coming.
    let out = gather(&server, &["quote", "{}", "0", "5000", "200"]);
    assert!(
        out.contains("3 answer(s)") && out.contains("stopped by the quiet period"),
        "{}",
        out.all
    );
}

#[test]
fn with_no_responder_the_server_says_so_at_once() {
    let server = checks::start(ServerOptions::new());
    let out = gather(&server, &[]);
    assert_eq!(out.code, Some(1), "{}", out.all);
    assert!(
        out.stderr
            .contains("nobody listens on 'quote' (no responders)."),
        "{}",
        out.all
    );
    assert!(
        out.elapsed < std::time::Duration::from_secs(1),
        "it waited for the deadline: {:?}",
        out.elapsed
    );
}

#[test]
fn a_late_answer_is_not_gathered() {
    let server = checks::start(ServerOptions::new());
    let quotes = responders(&server, &[["ada", "7", "0"], ["slow", "10", "1500"]]);
    let out = gather(&server, &["quote", "{}", "0", "500"]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(out.contains("1 answer(s)"), "{}", out.all);
    assert!(!out.contains("\"author\":\"slow\""), "{}", out.all);
    // The slow one did answer, later, to an inbox that was gone.
    quotes[1].wait_for_line("Answered {}", PATIENCE).unwrap();

    // Silence until the deadline is told apart from nobody listening. The killed responders'
    // subscriptions must be gone first, or the wait for the new one's would count theirs.
    drop(quotes);
    server
        .wait_until_subscriptions(PATIENCE, |subs| subs.iter().all(|(_, s)| s != "quote"))
        .unwrap();
    let _slow = responders(&server, &[["slow", "10", "1500"]]);
    let out = gather(&server, &["quote", "{}", "0", "300"]);
    assert_eq!(out.code, Some(1), "{}", out.all);
    assert!(
        out.stderr.contains("no answer on 'quote' within 0.3 s."),
        "{}",
        out.all
    );
}

testkit::step_checks!(
    plain: BIN,
    auth_hint: "cargo xtask server",
    subject_args: |subject| vec![subject.to_string()],
);

/// The guide's scene of scatter-gather.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::scene::{Script, fails, steady_ids as steady, terminal};
    use testkit::{PATIENCE, ServerOptions};

    #[test]
    fn scene_gather() {
        Script::play(gather);
    }

    /// A step run to its end, its output recorded through [`steady`].
    fn run_steady(s: &mut Script, block: &str, step: &'static str, args: &[&str], last: &str) {
        s.run_fixed(block, terminal(4, step).args(args), last, steady);
    }

    /// Two quotes responders, one slower, and gather collecting their answers.
    fn gather(s: &mut Script) -> Result<(), String> {
        s.heading("Services: scatter-gather (quotes, gather)");
        let server = s.server(ServerOptions::new())?;
        s.say("terminal 1 $ cargo xtask server");
        let mut ada = s.start(terminal(2, "quotes").args(&["ada", "7"]));
        s.wait(&mut ada, "ada answers on 'quote'");
        let mut grace = s.start(terminal(3, "quotes").args(&["grace", "9", "300"]));
        s.wait(&mut grace, "grace answers on 'quote'");
        let both = server
            .wait_for_subscriptions("quote", 2, PATIENCE)
            .map_err(|err| err.0);
        s.check("quotes", both);
        s.show(&mut ada, "quotes/start");
        run_steady(s, "gather/run", "gather", &[], "2 answer(s)");
        run_steady(
            s,
            "gather/count",
            "gather",
            &["quote", "{}", "1"],
            "stopped by the count",
        );
        s.interrupt(&mut ada, "quotes/ctrl-c", "stopped");
        s.interrupt(&mut grace, "quotes/ctrl-c-2", "stopped");
        s.run(
            "gather/nobody",
            terminal(4, "gather"),
            fails("nobody listens on 'quote'"),
        );
        drop(server);
        Ok(())
    }
}
