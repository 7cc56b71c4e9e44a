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
    ticker
        .wait_for_line("#15 published, and the server has it", PATIENCE)
        .unwrap();

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
    assert!(out.contains("Disconnected from the server"), "{}", out.all);
    assert!(out.contains("Published 60 message(s)"), "{}", out.all);

    // What the subscriber saw. The last message was confirmed after the reconnect, and the
    // subscriber was back by then: waiting for it is waiting for everything.
    let mut received: Vec<u64> = Vec::new();
    testkit::wait_until(PATIENCE, || {
        received = observer
            .so_far()
            .iter()
            .map(|message| message.payload.parse().unwrap())
            .collect();
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
        .skip_while(|line| !line.contains("Published 60"))
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
    assert!(
        out.contains("The server confirmed every one"),
        "{}",
        out.all
    );
    let received = observer.take(5, PATIENCE).unwrap();
    let numbers: Vec<&str> = received.iter().map(|m| m.payload.as_str()).collect();
    assert_eq!(numbers, ["1", "2", "3", "4", "5"]);
}

testkit::step_checks!(
    plain: BIN,
    auth_hint: "cargo xtask server",
    subject_args: |subject| vec![subject.to_string()],
);
