//! The checks of the exercise "incr-counter", run by `cargo xtask check incr-counter`.

use std::time::Duration;

use testkit::{NatsServer, Step, exercise_bin};

fn counter(server: &NatsServer, count: &str) -> Step {
    let bin = exercise_bin(env!("CARGO_BIN_EXE_exercise-incr-counter"));
    let mut command = Step::command(bin);
    command.env("NATS_URL", server.url()).arg(count);
    Step::start(&mut command).unwrap_or_else(|err| panic!("{err}"))
}

/// A JetStream server new enough for counter streams.
fn jetstream() -> NatsServer {
    testkit::jetstream_at_least((2, 12), "counter streams came with nats-server 2.12")
}

/// Whether VISITS is a counter stream, and the last message stored on visits.total.
fn stored(server: &NatsServer) -> (bool, String) {
    testkit::with_client(server, async |client| {
        let js = async_nats::jetstream::new(client);
        let Ok(mut stream) = js.get_stream("VISITS").await else {
            return (false, "no stream VISITS".to_string());
        };
        let counting = stream
            .info()
            .await
            .is_ok_and(|info| info.config.allow_message_counter);
        let last = stream
            .get_last_raw_message_by_subject("visits.total")
            .await
            .map(|message| String::from_utf8_lossy(&message.payload).to_string())
            .unwrap_or_else(|err| format!("nothing on visits.total ({err})"));
        (counting, last)
    })
    .unwrap_or_else(|err| panic!("{err}"))
}

#[test]
fn the_stream_adds_the_increments() {
    let server = jetstream();
    let out = counter(&server, "3")
        .wait_exit(Duration::from_secs(10))
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(out.code, Some(0), "{}", out.all);
    let (counting, last) = stored(&server);
    assert!(
        counting,
        "hint: VISITS is not a counter stream: create it with allow_message_counter: true"
    );
    assert_eq!(
        last, r#"{"val":"3"}"#,
        "hint: a counter stream stores each total as {{\"val\":\"N\"}}: publish the header \
         Nats-Incr: +1 with no payload, and let the server add\n{}",
        out.all
    );
    assert!(
        out.contains("visits = 3"),
        "hint: log `visits = N` with the total the acknowledgement gives (its `value`)\n{}",
        out.all
    );
}

#[test]
fn four_counters_at_once_lose_no_increment() {
    let server = jetstream();
    let counters: Vec<Step> = (0..4).map(|_| counter(&server, "25")).collect();
    let mut totals = Vec::new();
    for mut counter in counters {
        let out = counter
            .wait_exit(Duration::from_secs(30))
            .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(out.code, Some(0), "{}", out.all);
        totals.extend(out.all.lines().filter_map(|line| {
            line.split_once("visits = ")
                .and_then(|(_, total)| total.trim().parse::<u64>().ok())
        }));
    }
    assert_eq!(
        stored(&server).1,
        r#"{"val":"100"}"#,
        "hint: increments were lost: with Nats-Incr the server adds, and nothing is read first"
    );
    // Each increment's acknowledgement gave a total of its own: 1 to 100, each once.
    totals.sort_unstable();
    let expected: Vec<u64> = (1..=100).collect();
    assert_eq!(
        totals, expected,
        "hint: log the total each increment's acknowledgement gives (`value`), once per visit"
    );
}
