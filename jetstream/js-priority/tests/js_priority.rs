//! End-to-end tests of js-priority against a real nats-server with JetStream. Each claim is
//! checked on the run the guide shows (`guide::scene_priority`): who took which job, as each
//! worker logged it, the times measured, and what the stream still holds, asked of the server.
#![allow(clippy::unwrap_used)]

use testkit::{NatsServer, checks};

const BIN: &str = env!("CARGO_BIN_EXE_js-priority");

testkit::step_checks!(jetstream: BIN, needs: ("js-priority", "2.11"));

#[test]
fn an_unknown_mode_is_one_sentence_with_the_modes() {
    let server = checks::start(testkit::ServerOptions::new().jetstream(None));
    let out = checks::run(BIN, &server.url(), &[], &["sticky"]);
    assert_eq!(out.code, Some(1), "{}", out.all);
    assert!(
        out.contains("'sticky' is not a mode of js-priority.")
            && out.contains("one of pinned, overflow, pause"),
        "{}",
        out.all
    );
}

/// What the chapter says of `unpin_consumer`: it releases the pin at once, without waiting for
/// `priority_timeout` (an hour here), while the pinned client is still pulling.
#[test]
fn unpin_releases_the_pin_at_once() {
    use async_nats::jetstream::consumer::{PriorityPolicy, PullConsumer, pull};
    use async_nats::jetstream::{self, stream};
    use futures_util::StreamExt;

    let server = checks::start(testkit::ServerOptions::new().jetstream(None));
    let (before, after) = testkit::with_client(&server, async |client| {
        let js = jetstream::new(client);
        let config = stream::Config {
            name: "JOBS".to_string(),
            subjects: vec!["jobs.>".to_string()],
            ..Default::default()
        };
        let stream = js.create_stream(config).await.unwrap();
        let config = pull::Config {
            durable_name: Some("workers".to_string()),
            priority_policy: PriorityPolicy::PinnedClient,
            priority_groups: vec!["jobs".to_string()],
            priority_timeout: std::time::Duration::from_secs(3600),
            ..Default::default()
        };
        let mut consumer: PullConsumer = stream.create_consumer(config).await.unwrap();
        let mut messages = consumer.stream().group("jobs").messages().await.unwrap();
        js.publish("jobs.new", "job 1".into())
            .await
            .unwrap()
            .await
            .unwrap();
        messages.next().await.unwrap().unwrap().ack().await.unwrap();
        let pinned = |info: &async_nats::jetstream::consumer::Info| {
            info.priority_groups
                .iter()
                .find(|group| group.group == "jobs")
                .and_then(|group| group.pinned_client_id.clone())
        };
        let before = pinned(consumer.info().await.unwrap());
        stream.unpin_consumer("workers", "jobs").await.unwrap();
        let after = pinned(consumer.info().await.unwrap());
        (before, after)
    })
    .unwrap();
    assert!(before.is_some(), "no client was pinned after a delivery");
    assert_eq!(after, None, "the pin was still there after unpin");
}

/// The jobs left in JOBS: every job taken was acknowledged, so a work queue holds none.
fn jobs_left(server: &NatsServer) -> u64 {
    testkit::with_client(server, async |client| {
        let js = async_nats::jetstream::new(client);
        let mut stream = js.get_stream("JOBS").await.unwrap();
        stream.info().await.unwrap().state.messages
    })
    .unwrap()
}

/// The number of seconds a line gives just before `s later` (`... 2.0 s later ...`).
fn seconds_before(lines: &[String], text: &str) -> f64 {
    let line = lines.iter().find(|l| l.contains(text)).unwrap();
    let words: Vec<&str> = line.split(' ').collect();
    let at = words.iter().position(|w| *w == "s").unwrap();
    words[at - 1].parse().unwrap()
}

/// A claim of one run: checked on its lines, and on the server it ran against.
type Claim = fn(&[String], &NatsServer);

fn has(lines: &[String], wanted: &str) {
    assert!(
        lines.iter().any(|l| l.contains(wanted)),
        "no '{wanted}':\n{}",
        lines.join("\n")
    );
}

/// Pinned: async-nats refuses a fetch; a took all ten jobs while b pulled on standby; when a
/// stopped, its pin was released after priority_timeout (2 s), and b took the next job.
fn one_worker_at_a_time_and_the_next_after_priority_timeout(lines: &[String], server: &NatsServer) {
    has(
        lines,
        "fetch: refused by async-nats: pinned client consumers need a pull stream",
    );
    has(
        lines,
        "jobs 1 to 10: a took 10, b took 0: b pulls, on standby",
    );
    has(lines, "b took job 11: the server pinned b");
    let moved = seconds_before(lines, "its pin was released");
    println!(
        "switch-over: a's pin was released {moved:.2} s after it stopped (priority_timeout 2 s)"
    );
    assert!(
        (1.5..5.0).contains(&moved),
        "the pin was released after {moved} s"
    );
    assert_eq!(jobs_left(server), 0);
}

/// Overflow: of 8 jobs, the standby (min_pending 5) took the four that left 4 or more behind
/// it, in order; the main worker took the other four.
fn the_standby_takes_jobs_only_while_five_or_more_wait(lines: &[String], server: &NatsServer) {
    let took: Vec<&str> = lines
        .iter()
        .filter_map(|l| {
            l.split("] ")
                .nth(1)
                .filter(|rest| rest.contains(" took job "))
        })
        .collect();
    let expected = [
        "standby took job 1",
        "standby took job 2",
        "standby took job 3",
        "standby took job 4",
        "main took job 5",
        "main took job 6",
        "main took job 7",
        "main took job 8",
    ];
    assert_eq!(took, expected, "{}", lines.join("\n"));
    has(
        lines,
        "4 jobs left to deliver, fewer than 5: the standby waits",
    );
    assert_eq!(jobs_left(server), 0);
}

/// Pause: a job published during a 2 s pause is delivered when the pause ends, not before;
/// one published during an hour's pause is delivered once the consumer is resumed.
fn a_paused_consumer_delivers_when_the_pause_ends_or_on_resume(
    lines: &[String],
    server: &NatsServer,
) {
    has(lines, "paused for 2 s: paused true");
    let waited = seconds_before(lines, "published during the pause");
    println!("a job published during a 2 s pause came {waited:.2} s later");
    assert!(waited >= 1.9, "delivered {waited} s into a 2 s pause");
    has(lines, "paused for an hour: paused true, 60 min remaining");
    let resumed = lines
        .iter()
        .position(|l| l.contains("resumed: paused false"))
        .unwrap();
    let took = lines
        .iter()
        .position(|l| l.contains("w took job 2"))
        .unwrap();
    assert!(
        resumed < took,
        "job 2 came before the resume:\n{}",
        lines.join("\n")
    );
    let after = seconds_before(lines, "after the resume");
    println!("a job that waited for the resume came {after:.2} s after it");
    assert_eq!(jobs_left(server), 0);
}

/// The guide's scene of priority groups and pausing.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::ServerOptions;
    use testkit::scene::{Script, terminal, whole_seconds};

    #[test]
    fn scene_priority() {
        Script::play(priority);
    }

    /// js-priority: each mode, one run each, and its claims checked on that run.
    fn priority(s: &mut Script) -> Result<(), String> {
        s.heading("Persistence: priority groups and pausing (js-priority)");
        let server = s.server(ServerOptions::new().jetstream(None))?;
        s.say("terminal 1 $ cargo xtask server --jetstream");
        let claims: [(&str, super::Claim); 3] = [
            (
                "pinned",
                super::one_worker_at_a_time_and_the_next_after_priority_timeout,
            ),
            (
                "overflow",
                super::the_standby_takes_jobs_only_while_five_or_more_wait,
            ),
            (
                "pause",
                super::a_paused_consumer_delivers_when_the_pause_ends_or_on_resume,
            ),
        ];
        for (mode, claim) in claims {
            let args = [mode];
            let mut running = s.start(terminal(2, "js-priority").args(&args));
            s.wait(&mut running, "the next run starts afresh");
            s.end(&mut running, 0);
            let lines = running.as_ref().map(|r| r.lines()).unwrap_or_default();
            claim(&lines, &server);
            s.summary(
                &running,
                &format!("priority/{mode}"),
                |_| true,
                whole_seconds,
            );
        }
        Ok(())
    }
}
