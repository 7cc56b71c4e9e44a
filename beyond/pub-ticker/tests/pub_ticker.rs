//! End-to-end tests of pub-ticker against a real nats-server that restarts under it.
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use testkit::{Observer, PATIENCE, ServerOptions, Step, checks};

const BIN: &str = env!("CARGO_BIN_EXE_pub-ticker");

/// The numbers of the `#N ...` lines the publisher logged so far.
fn last_logged(step: &Step) -> u64 {
    let lines = step.lines();
    let numbers = lines.iter().filter_map(|line| {
        let rest = line.split_once("] #")?.1;
        rest.split(' ').next()?.parse::<u64>().ok()
    });
    numbers.max().unwrap_or(0)
}

#[test]
fn through_a_restart_the_gaps_are_within_what_it_could_not_vouch_for() {
    let mut server = checks::start(ServerOptions::new());
    let observer = Observer::subscribe(&server, "ticks").unwrap();
    let mut ticker = Step::start(
        Step::command(BIN)
            .env("NATS_URL", server.url())
            .args(["ticks", "60", "40"]),
    )
    .unwrap();
    ticker.wait_for_line("#15 ", PATIENCE).unwrap();

    // The server goes down half-way through, stays down while three messages are published,
    // and comes back on the same port.
    server.stop();
    ticker.wait_for_lines("not confirmed", 3, PATIENCE).unwrap();
    server.restart().unwrap();
    server.wait_for_subscription("ticks", PATIENCE).unwrap();
    // From here on the subscriber is back: whatever the publisher sends now can arrive.
    let subscriber_back = last_logged(&ticker);
    let out = ticker.wait_exit(PATIENCE).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(out.contains("Disconnected"), "{}", out.all);
    assert!(out.contains("60 message(s)"), "{}", out.all);

    // What the subscriber saw. The last message was confirmed after the reconnect, and the
    // subscriber was back by then: waiting for it is waiting for everything.
    let mut received: Vec<u64> = Vec::new();
    testkit::wait_until(PATIENCE, || {
        // `drain` hands over each message once, so collect across the polls.
        received.extend(
            observer
                .drain()
                .iter()
                .map(|message| message.payload.parse::<u64>().unwrap()),
        );
        received.contains(&60).then_some(())
    })
    .unwrap_or_else(|| panic!("#60 never arrived; got {received:?}\n{}", out.all));
    let mut unique = received.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), received.len(), "a message arrived twice");
    assert!(unique.iter().all(|n| (1..=60).contains(n)), "{unique:?}");
    let missing: Vec<u64> = (1..=60).filter(|n| !unique.contains(n)).collect();

    // The publisher's account, and the subscriber's, side by side.
    let report: Vec<&str> = out
        .all
        .lines()
        .skip_while(|line| !line.contains("60 message(s)"))
        .collect();
    println!("publisher:\n{}", report.join("\n"));
    println!(
        "subscriber: received {} of 60; missing {missing:?}",
        received.len()
    );

    // The two agree within what the publisher could not vouch for: every gap lies between
    // the last message confirmed before the outage (the server may have died before passing
    // it on) and the moment both clients were back.
    let range = out
        .all
        .lines()
        .find_map(|line| {
            let rest = line.split_once("Not confirmed: #")?.1;
            let (first, rest) = rest.split_once(" to #")?;
            let last = rest.split(',').next()?;
            Some((first.parse::<u64>().ok()?, last.parse::<u64>().ok()?))
        })
        .unwrap_or_else(|| panic!("no unconfirmed range in the report:\n{}", out.all));
    let (first, last) = range;
    let window = first.saturating_sub(1)..=last.max(subscriber_back);
    assert!(
        missing.iter().all(|n| window.contains(n)),
        "missing {missing:?} outside {window:?}:\n{}",
        out.all
    );
}

#[test]
fn without_an_outage_the_server_confirms_every_message() {
    let server = checks::start(ServerOptions::new());
    let observer = Observer::subscribe(&server, "ticks").unwrap();
    let out = checks::run(BIN, &server.url(), &[], &["ticks", "5", "10"]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(out.contains("confirmed every one"), "{}", out.all);
    let received = observer.take(5, PATIENCE).unwrap();
    let numbers: Vec<&str> = received.iter().map(|m| m.payload.as_str()).collect();
    assert_eq!(numbers, ["1", "2", "3", "4", "5"]);
}

testkit::step_checks!(
    plain: BIN,
    auth_hint: "cargo xtask server",
    subject_args: |subject| vec![subject.to_string()],
);

/// The guide's scene of a publisher through an outage.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::ServerOptions;
    use testkit::scene::{Script, ok, terminal};

    #[test]
    fn scene_publisher_through_an_outage() {
        Script::play(publisher_through_an_outage);
    }

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

    /// pub-ticker while the server goes down and comes back, counted by counter-sub.
    fn publisher_through_an_outage(s: &mut Script) -> Result<(), String> {
        s.heading("Beyond the tutorial: a publisher through an outage (pub-ticker)");
        let mut server = s.server(ServerOptions::new())?;
        s.say("(a fresh private nats-server; terminal 1 $ cargo xtask server)");
        let counting = "'ticks'";
        let counter = terminal(2, "counter-sub").args(&["ticks"]);
        let mut sub = s.subscriber(counter, &server, "ticks", counting, "ticker/counter");
        // Its defaults, 60 messages four a second: the fifteen seconds a person needs to stop and
        // start a server by hand, as the guide asks.
        let mut ticker = s.start(terminal(3, "pub-ticker"));
        s.wait(&mut ticker, "#10 ");
        s.show(&mut ticker, "ticker/start");
        s.say("\nterminal 1: Ctrl-C (the server stops), then cargo xtask server again");
        server.stop();
        s.wait(&mut ticker, "not confirmed");
        server.restart().map_err(|err| err.0)?;
        s.finish(&mut ticker, "ticker/end", "pub-ticker", ok("60 message(s)"));
        // For the guide: the timeline without the per-message lines, and with the numbers that
        // depend on how fast the server went and came back written as `n`.
        s.record_summary(&ticker, "ticker/summary", summary_line, vary_numbers);
        s.wait(&mut sub, "[ticks]: '60'");
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
}
