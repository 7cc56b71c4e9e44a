//! The checks of the exercise "kv-counter", run by `cargo xtask check kv-counter`.

use std::time::Duration;

use testkit::{EXERCISE_PATIENCE, NatsServer, Step, exercise_bin};

fn counter(server: &NatsServer, args: &[&str]) -> Step {
    let bin = exercise_bin(env!("CARGO_BIN_EXE_exercise-kv-counter"));
    let mut command = Step::command(bin);
    command.env("NATS_URL", server.url()).args(args);
    Step::start(&mut command).unwrap_or_else(|err| panic!("{err}"))
}

/// The last `count` values of `visits`, oldest first, read from the bucket's stream.
fn last_values(server: &NatsServer, count: usize) -> Vec<String> {
    let messages = testkit::read_stream(server, "KV_tutorial", count, EXERCISE_PATIENCE)
        .unwrap_or_else(|err| panic!("{err}"));
    messages
        .into_iter()
        .map(|message| message.payload)
        .collect()
}

/// A JetStream server new enough for async-nats's key-value API.
fn jetstream() -> NatsServer {
    testkit::jetstream_at_least(
        (2, 10),
        "async-nats's key-value API cannot read an older server's account information",
    )
}

#[test]
fn a_change_made_between_read_and_write_is_not_overwritten() {
    let server = jetstream();
    let mut slow = counter(&server, &["1", "1500"]);
    slow.wait_for_line("Read visits = 0 at revision 0", EXERCISE_PATIENCE)
        .unwrap_or_else(|err| panic!("{err}"));
    // While it thinks, another client puts 100 (a publish on the key's subject is a put).
    testkit::publish(&server, "$KV.tutorial.visits", "100").unwrap_or_else(|err| panic!("{err}"));
    let out = slow
        .wait_exit(Duration::from_secs(10))
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert_eq!(
        last_values(&server, 2),
        ["100", "101"],
        "hint: it overwrote the 100 with its own 1: write with bucket.update(key, value, \
         revision), which refuses when the key has changed since that revision, then read \
         again and retry\n{}",
        out.all
    );
}

#[test]
fn four_counters_at_once_lose_no_increment() {
    let server = jetstream();
    let counters: Vec<Step> = (0..4).map(|_| counter(&server, &["25"])).collect();
    for mut counter in counters {
        let out = counter
            .wait_exit(Duration::from_secs(30))
            .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(out.code, Some(0), "{}", out.all);
    }
    // The bucket keeps the last 10 values: they must end at 100, one increment at a time.
    let expected: Vec<String> = (91..=100).map(|n| n.to_string()).collect();
    assert_eq!(
        last_values(&server, 10),
        expected,
        "hint: increments were lost: two counters read the same value and both wrote value + 1; \
         compare-and-set (bucket.update with the revision read) and retry when refused"
    );
}
