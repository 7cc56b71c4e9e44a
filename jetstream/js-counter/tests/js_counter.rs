//! End-to-end tests of js-counter against a real nats-server with JetStream. The totals are
//! read from the stream itself (its last message on the subject), not only from the log.
#![allow(clippy::unwrap_used)]

use testkit::{ServerOptions, checks};

use testkit::scene::Played;

const BIN: &str = env!("CARGO_BIN_EXE_js-counter");

testkit::step_checks!(jetstream: BIN, needs: ("js-counter", "2.12"));

/// The counter as the stream keeps it: the payload of the last message on `counters.views`.
fn stored_total(server: &testkit::NatsServer) -> String {
    testkit::with_client(server, async |client| {
        let js = async_nats::jetstream::new(client);
        let stream = js.get_stream("COUNTERS").await.unwrap();
        let last = stream
            .get_last_raw_message_by_subject("counters.views")
            .await
            .unwrap();
        String::from_utf8_lossy(&last.payload).to_string()
    })
    .unwrap()
}

#[test]
fn concurrent_increments_from_many_writers_give_the_exact_total() {
    let server = checks::start(ServerOptions::new().jetstream(None));
    let out = checks::run(BIN, &server.url(), &[], &["8", "50"]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(out.contains("400 acknowledged in "), "{}", out.all);
    assert!(
        out.contains(r#"counters.views = 400 (stored as {"val":"400"}), none lost"#),
        "{}",
        out.all
    );
    // After the lesson's decrement of 10.
    assert_eq!(stored_total(&server), r#"{"val":"390"}"#);
    println!(
        "{}",
        out.all
            .lines()
            .find(|l| l.contains("acknowledged in"))
            .unwrap_or_default()
    );
}

/// Checked on the guide scene's run (`guide::scene_counter`).
fn an_increment_needs_a_counter_stream_and_a_counter_stream_needs_an_increment(played: &Played) {
    let (out, server) = (&played.out, &played.server);
    for line in [
        "Without allow_message_counter: refused: publish failed: message counters is disabled (code 400, error code 10168)",
        "A message without Nats-Incr: refused: publish failed: message counter increment is missing (code 400, error code 10169)",
        "4 writers sent 25 increments each at once: 100 acknowledged",
        "A decrement, Nats-Incr: -10: the total is now 90",
    ] {
        assert!(out.contains(line), "no '{line}':\n{}", out.all);
    }
    assert_eq!(stored_total(server), r#"{"val":"90"}"#);
}

/// The guide's scene of a counter stream.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::scene::Script;

    #[test]
    fn scene_counter() {
        Script::play(counter);
    }

    /// js-counter, in one run, and the lesson's claims checked on that run.
    fn counter(s: &mut Script) -> Result<(), String> {
        let played = s.one_run(
            "Persistence: a counter stream (js-counter)",
            "counter/run",
            "js-counter",
            vary_milliseconds,
        )?;
        super::an_increment_needs_a_counter_stream_and_a_counter_stream_needs_an_increment(&played);
        Ok(())
    }

    /// A line with each number of milliseconds (a number followed by ` ms`) written as `n`.
    fn vary_milliseconds(line: &str) -> String {
        let words: Vec<&str> = line.split(' ').collect();
        let fixed = words.iter().enumerate().map(|(i, word)| {
            let timed = words.get(i + 1) == Some(&"ms") && word.parse::<u64>().is_ok();
            if timed { "n" } else { word }
        });
        fixed.collect::<Vec<_>>().join(" ")
    }
}
