//! End-to-end tests of the calc service, its client (`calc`) and discovery (`discover`), against
//! a real nats-server: answers, error replies in headers, two instances sharing the work, the
//! `$SRV` statistics, and Ctrl-C under load.
// A panic is the test failing with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use testkit::{NatsServer, Output, PATIENCE, ServerOptions, Step, checks, requests};

const BIN: &str = env!("CARGO_BIN_EXE_service");

fn start_service(server: &NatsServer, args: &[&str]) -> Step {
    let service = Step::start(Step::command(BIN).env("NATS_URL", server.url()).args(args)).unwrap();
    service
        .wait_for_line("calc 1.0.0, instance", PATIENCE)
        .unwrap();
    service
}

fn run(server: &NatsServer, step: &str, args: &[&str]) -> Output {
    Step::run(
        Step::command(testkit::workspace_step(step))
            .env("NATS_URL", server.url())
            .args(args),
        PATIENCE,
    )
    .unwrap()
}

/// The instance id the service logged when it started.
fn instance_id(service: &Step) -> String {
    let line = service.wait_for_line("instance ", PATIENCE).unwrap();
    let id = line
        .split("instance ")
        .nth(1)
        .unwrap()
        .split(':')
        .next()
        .unwrap();
    id.to_string()
}

#[test]
fn calc_gets_a_sum_and_a_maximum() {
    let server = checks::start(ServerOptions::new());
    let service = start_service(&server, &[]);
    let out = run(&server, "calc", &["sum", "1", "2", "3"]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    out.assert_first_lines(&["calc.sum [1.0,2.0,3.0] = 6"]);
    let out = run(&server, "calc", &["max", "4", "9.5", "2"]);
    out.assert_first_lines(&["calc.max [4.0,9.5,2.0] = 9.5"]);
    service
        .wait_for_line("calc.max [4.0,9.5,2.0] = 9.5", PATIENCE)
        .unwrap();
}

#[test]
fn an_error_reply_carries_its_sentence_and_code_in_headers() {
    let server = checks::start(ServerOptions::new());
    let _service = start_service(&server, &[]);
    // calc sends `[]` to max: the service refuses it; calc exits 2 with the service's sentence.
    let out = run(&server, "calc", &["max"]);
    assert_eq!(out.code, Some(2), "{}", out.all);
    assert!(
        out.stderr.contains(
            "[ERROR calc] The service refused [] on calc.max (code 400): max needs at least one \
             number"
        ),
        "{}",
        out.all
    );
    assert!(
        !out.contains("Error:"),
        "an answer, not calc's failure:\n{}",
        out.all
    );
    // Not JSON at all: the headers say what was wrong.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answer = runtime.block_on(async {
        let client = async_nats::connect(server.url()).await.unwrap();
        client.request("calc.sum", "1 2 3".into()).await.unwrap()
    });
    let headers = answer.headers.expect("an error reply has headers");
    assert_eq!(
        headers.get("Nats-Service-Error-Code").map(|v| v.as_str()),
        Some("400")
    );
    let sentence = headers.get("Nats-Service-Error").map(|v| v.to_string());
    assert_eq!(
        sentence.as_deref(),
        Some("expected a JSON array of numbers, such as [1, 2, 3]")
    );
}

#[test]
fn the_sum_of_no_numbers_is_zero_not_minus_zero() {
    let server = checks::start(ServerOptions::new());
    let _service = start_service(&server, &[]);
    let out = run(&server, "calc", &["sum"]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    out.assert_first_lines(&["calc.sum [] = 0"]);
}

#[test]
fn an_operation_the_service_lacks_is_told_from_a_missing_service() {
    let server = checks::start(ServerOptions::new());
    let _service = start_service(&server, &[]);
    let out = run(&server, "calc", &["avg", "1", "2"]);
    assert_eq!(out.code, Some(1), "{}", out.all);
    assert!(
        out.stderr.contains("no service answers on calc.avg."),
        "{}",
        out.all
    );
    let hint = "the service step has the endpoints sum and max only; one with avg must run";
    assert!(out.stderr.contains(hint), "{}", out.all);
    assert!(!out.stderr.contains("start one with"), "{}", out.all);
}

#[test]
fn a_concurrency_of_zero_is_refused_not_changed() {
    let server = checks::start(ServerOptions::new());
    for concurrency in ["0", "1001"] {
        let mut command = Step::command(BIN);
        command.env("NATS_URL", server.url()).arg(concurrency);
        let out = Step::run(&mut command, PATIENCE).unwrap();
        assert_eq!(out.code, Some(1), "{}", out.all);
        let sentence = format!("CONCURRENCY must be from 1 to 1000, not {concurrency}.");
        assert!(out.stderr.contains(&sentence), "{}", out.all);
    }
}

#[test]
fn the_endpoints_are_named_sum_and_max_as_go_and_javascript_name_them() {
    let server = checks::start(ServerOptions::new());
    let _service = start_service(&server, &[]);
    let info = requests(&server, "$SRV.INFO.calc", &[""], PATIENCE).unwrap();
    let info: serde_json::Value = serde_json::from_str(info[0].as_ref().unwrap()).unwrap();
    let mut endpoints: Vec<(String, String)> = info["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].to_string(), e["subject"].to_string()))
        .collect();
    endpoints.sort();
    assert_eq!(
        endpoints,
        [
            (r#""max""#.to_string(), r#""calc.max""#.to_string()),
            (r#""sum""#.to_string(), r#""calc.sum""#.to_string())
        ],
        "{info}"
    );
}

#[test]
fn discover_stops_at_the_count_ping_gave_instead_of_three_windows() {
    let server = checks::start(ServerOptions::new());
    let _service = start_service(&server, &[]);
    server
        .wait_for_subscriptions("calc.sum", 1, PATIENCE)
        .unwrap();
    // A window of 3 s: PING waits all of it (nobody knows how many will answer), INFO and
    // STATS stop at the one instance PING found. Three whole windows would be 9 s.
    let out = run(&server, "discover", &["calc", "3000"]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(
        out.contains("1 instance(s) answered within 3000 ms"),
        "{}",
        out.all
    );
    assert!(
        out.elapsed < Duration::from_secs(6),
        "{:?}\n{}",
        out.elapsed,
        out.all
    );
}

#[test]
fn without_a_service_calc_says_nobody_answers() {
    let server = checks::start(ServerOptions::new());
    let out = run(&server, "calc", &["sum", "1"]);
    assert_eq!(out.code, Some(1), "{}", out.all);
    assert!(
        out.stderr.contains("no service answers on calc.sum."),
        "{}",
        out.all
    );
    assert!(out.stderr.contains("cargo run -p service"), "{}", out.all);
}

#[test]
fn two_instances_share_the_requests_and_discovery_sees_both() {
    let server = checks::start(ServerOptions::new());
    let (one, two) = (start_service(&server, &[]), start_service(&server, &[]));
    server
        .wait_for_subscriptions("calc.sum", 2, PATIENCE)
        .unwrap();
    let bodies: Vec<String> = (1..=20).map(|n| format!("[{n}, 1]")).collect();
    let bodies: Vec<&str> = bodies.iter().map(String::as_str).collect();
    let answers = requests(&server, "calc.sum", &bodies, PATIENCE).unwrap();
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");
    // Each answered some: the queue group spread them.
    let handled = |service: &Step| {
        service
            .lines()
            .iter()
            .filter(|l| l.contains("calc.sum ["))
            .count()
    };
    testkit::wait_until(PATIENCE, || {
        (handled(&one) + handled(&two) == 20).then_some(())
    })
    .unwrap();
    assert!(
        handled(&one) > 0 && handled(&two) > 0,
        "{} and {}",
        handled(&one),
        handled(&two)
    );

    let lines: Vec<String> = [(&one, handled(&one)), (&two, handled(&two))]
        .iter()
        .map(|(service, count)| {
            let id = instance_id(service);
            format!(
                "instance {id}: calc 1.0.0 (calc.max, calc.sum); {count} request(s), 0 error(s)"
            )
        })
        .collect();
    let out = discover_until(&server, &lines);
    assert!(
        out.contains("$SRV.PING.calc: 2 instance(s) answered"),
        "{}",
        out.all
    );
}

#[test]
fn the_statistics_count_requests_and_errors() {
    let server = checks::start(ServerOptions::new());
    let service = start_service(&server, &[]);
    let answers = requests(&server, "calc.sum", &["[1]", "[2, 3]", "oops"], PATIENCE).unwrap();
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");
    let out = run(&server, "calc", &["max"]);
    assert_eq!(out.code, Some(2), "{}", out.all);
    let line = format!(
        "instance {}: calc 1.0.0 (calc.max, calc.sum); 4 request(s), 2 error(s)",
        instance_id(&service)
    );
    discover_until(&server, &[line]);
}

/// Runs discover until its output has every one of `lines`. An instance counts a request just
/// after it sends the answer, and answers discovery within the window on a busy machine too:
/// the test waits for the counts rather than trust one snapshot.
fn discover_until(server: &NatsServer, lines: &[String]) -> Output {
    let mut last = None;
    let found = testkit::wait_until(PATIENCE, || {
        let out = run(server, "discover", &["calc", "500"]);
        let all = lines.iter().all(|line| out.contains(line));
        let done = (out.code == Some(0) && all).then(|| out.all.clone());
        last = Some(out);
        done
    });
    let last = last.expect("discover ran");
    assert!(
        found.is_some(),
        "no lines {lines:?} in discover's output:\n{}",
        last.all
    );
    last
}

#[test]
fn discover_without_a_service_says_so() {
    let server = checks::start(ServerOptions::new());
    let out = run(&server, "discover", &["calc", "200"]);
    assert_eq!(out.code, Some(1), "{}", out.all);
    assert!(
        out.stderr
            .contains("no instance of the service 'calc' answered."),
        "{}",
        out.all
    );
}

/// 40 requests on `calc.sum`, one every 25 ms, each waiting up to 5 s: what each got.
fn steady_requests(server: &NatsServer) -> Vec<Result<String, String>> {
    testkit::with_client(server, async |client| {
        let mut asked = Vec::new();
        for _ in 0..40 {
            let request = async_nats::Request::new()
                .payload("[1, 2]".into())
                .timeout(Some(Duration::from_secs(5)));
            let client = client.clone();
            asked.push(tokio::spawn(async move {
                client.send_request("calc.sum", request).await
            }));
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let mut answers = Vec::new();
        for task in asked {
            let answer = task.await.unwrap();
            answers.push(
                answer
                    .map(|m| String::from_utf8_lossy(&m.payload).to_string())
                    .map_err(|e| e.to_string()),
            );
        }
        answers
    })
    .unwrap()
}

#[test]
fn ctrl_c_under_load_answers_every_request_it_accepted() {
    let server = checks::start(ServerOptions::new());
    // Four at a time, 100 ms each, while requests keep coming; Ctrl-C comes in the middle.
    let mut service = start_service(&server, &["4", "100"]);
    let answers = std::thread::scope(|scope| {
        let asked = scope.spawn(|| steady_requests(&server));
        service
            .wait_for_lines("calc.sum [1, 2] = 3", 8, PATIENCE)
            .unwrap();
        service.interrupt().unwrap();
        asked.join().unwrap()
    });
    let out = service.wait_exit(PATIENCE).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    // Every request the service took was answered; those sent after Ctrl-C found nobody. (One
    // that reached the service as it unsubscribed would time out: at most once, as the guide
    // says; it was never accepted.)
    let accepted: usize = out
        .all
        .lines()
        .find_map(|l| {
            l.split("stopped after ")
                .nth(1)?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .unwrap();
    let answered = answers.iter().filter(|a| a.is_ok()).count();
    assert_eq!(answered, accepted, "{answers:?}\n{}", out.all);
    let refused = answers
        .iter()
        .filter(|a| a.as_ref().is_err_and(|e| e.contains("no responders")))
        .count();
    assert!(refused > 0, "Ctrl-C came too late to matter:\n{}", out.all);
}

#[test]
fn with_concurrency_slow_requests_are_handled_side_by_side() {
    let server = checks::start(ServerOptions::new());
    let _service = start_service(&server, &["8", "300"]);
    // Eight requests of 300 ms each. One at a time, the last would be answered after 2.4 s;
    // eight at a time, all after about 0.3 s: each must come within 1 s. (The guide measures
    // the difference; this checks only that the requests overlap.)
    let bodies = vec!["[1]"; 8];
    let answers = requests(&server, "calc.sum", &bodies, Duration::from_secs(1)).unwrap();
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");
}

testkit::step_checks!(plain: BIN, auth_hint: "cargo xtask server", server: ServerOptions::new());

/// The guide's scene of the calc service, its client, discovery and two instances.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::scene::{Expect, Running, Script, fails, ok, steady_ids as steady, terminal};
    use testkit::{NatsServer, PATIENCE, ServerOptions};

    #[test]
    fn scene_services() {
        Script::play(services);
    }

    /// Starts a calc instance in `terminal_number` and waits until it serves.
    fn instance(
        s: &mut Script,
        server: &NatsServer,
        terminal_number: u8,
        count: usize,
    ) -> Option<Running> {
        let mut running = s.start(terminal(terminal_number, "service"));
        s.wait(&mut running, "calc 1.0.0, instance");
        let serving = server
            .wait_for_subscriptions("calc.sum", count, PATIENCE)
            .map_err(|err| err.0);
        s.check("service", serving);
        running
    }

    /// A step run to its end, its output recorded through [`steady`].
    fn run_steady(s: &mut Script, block: &str, step: &'static str, args: &[&str], last: &str) {
        s.run_fixed(block, terminal(4, step).args(args), last, steady);
    }

    /// calc against one instance, an error reply, discovery; then two instances sharing work.
    fn services(s: &mut Script) -> Result<(), String> {
        s.heading("Services: a service, its client and discovery (service, calc, discover)");
        let server = s.server(ServerOptions::new())?;
        s.say("terminal 1 $ cargo xtask server");
        let mut one = instance(s, &server, 2, 1);
        s.summary(&one, "service/start", |_| true, steady);
        s.run(
            "calc/sum",
            terminal(3, "calc").args(&["sum", "1", "2", "3"]),
            ok("calc.sum [1.0,2.0,3.0] = 6"),
        );
        s.run(
            "calc/max",
            terminal(3, "calc").args(&["max", "4", "9.5", "2"]),
            ok("= 9.5"),
        );
        let refused = Expect::exits(2, "max needs at least one number");
        s.run("calc/refused", terminal(3, "calc").args(&["max"]), refused);
        run_steady(s, "discover/one", "discover", &[], "on average");

        s.say("\nterminal 4 $ cargo run -p service   # a second instance");
        let mut two = instance(s, &server, 4, 2);
        let bodies = ["[1.0,2.0]"; 20]; // what the guide's loop of `calc sum 1 2` sends
        let answers =
            testkit::requests(&server, "calc.sum", &bodies, PATIENCE).map_err(|err| err.0)?;
        let all = answers
            .iter()
            .all(Result::is_ok)
            .then_some(())
            .ok_or("not all 20 answered");
        s.check("service", all.map_err(String::from));
        s.say("\n20 requests on calc.sum: both instances take some");
        s.wait_total(&[&one, &two], "calc.sum [1.0,2.0] = 3", 20);
        let shared = |l: &str| l.contains("Service calc") || l.contains("calc.sum [1.0,2.0] = 3");
        s.summary(&one, "service/shared-1", shared, steady);
        s.summary(&two, "service/shared-2", shared, steady);
        let mut discover = s.start(terminal(3, "discover"));
        s.wait(&mut discover, "on average");
        s.end(&mut discover, 0);
        s.summary(
            &discover,
            "discover/two",
            |line| line.contains("$SRV.PING"),
            steady,
        );
        // How many each took changes from run to run: the guide shows the Ctrl-C line.
        let said = |line: &str| line.contains("Service calc") || line.contains("Ctrl-C");
        s.interrupt_summary(&mut two, "service/ctrl-c", (said, steady));
        s.interrupt_summary(&mut one, "service/ctrl-c-1", (said, steady));
        s.run(
            "calc/nobody",
            terminal(3, "calc").args(&["sum", "1"]),
            fails("no service answers on calc.sum"),
        );
        drop(server);
        Ok(())
    }
}
