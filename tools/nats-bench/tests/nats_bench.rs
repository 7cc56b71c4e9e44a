//! End-to-end tests of the benchmark against a real nats-server, with small counts. They check
//! that counts are exact and that loss is reported, never how fast anything is.

use testkit::{NatsServer, Output, PATIENCE, ServerOptions, Step, checks};

const BIN: &str = env!("CARGO_BIN_EXE_nats-bench");

fn bench(server: &NatsServer, args: &[&str]) -> Output {
    let mut command = Step::command(BIN);
    command.env("NATS_URL", server.url()).args(args);
    Step::run(&mut command, PATIENCE).unwrap_or_else(|err| panic!("{err}"))
}

/// The message count at the end of the `[variant] side` line.
fn count(out: &Output, variant: &str, side: &str) -> u64 {
    let prefix = format!("[{variant}] {side} ");
    let line = out
        .stdout
        .lines()
        .find(|line| line.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no line {prefix:?}:\n{}", out.all));
    let words: Vec<&str> = line.split_whitespace().collect();
    words[words.len() - 2]
        .parse()
        .unwrap_or_else(|err| panic!("{err} in {line:?}"))
}

#[test]
fn pub_sub_counts_are_exact_naive_and_tuned() {
    let server = checks::start(ServerOptions::new());
    let out = bench(
        &server,
        &[
            "--pubs", "2", "--subs", "2", "--msgs", "1001", "--size", "32",
        ],
    );
    assert_eq!(out.code, Some(0), "{}", out.all);
    for variant in ["naive", "tuned"] {
        assert_eq!(count(&out, variant, "pub"), 1001, "{}", out.all);
        // Every subscriber receives every message: 2 x 1001.
        assert_eq!(count(&out, variant, "sub"), 2002, "{}", out.all);
        assert!(
            out.contains(&format!("[{variant}] sub per client: min")),
            "{}",
            out.all
        );
    }
    assert!(!out.contains("LOSS"), "{}", out.all);
}

#[test]
fn publish_only_reaches_the_server_in_full() {
    let server = checks::start(ServerOptions::new());
    let out = bench(&server, &["--subs", "0", "--msgs", "500"]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    for variant in ["naive", "tuned"] {
        assert_eq!(count(&out, variant, "pub"), 500, "{}", out.all);
    }
    // No subscriber, no subscriber line.
    assert!(!out.contains("] sub "), "{}", out.all);
    // Published means the server has them: it counted both runs' messages, no more, no less.
    let varz = server.varz().unwrap();
    assert_eq!(
        varz["in_msgs"], 1000,
        "messages the server counted in (/varz)\n{}",
        out.all
    );
}

#[test]
fn a_slow_subscriber_is_reported_as_loss() {
    let server = checks::start(ServerOptions::new());
    let args = [
        "--msgs",
        "2000",
        "--sub-capacity",
        "16",
        "--work-us",
        "1000",
    ];
    let out = bench(&server, &args);
    assert_eq!(out.code, Some(1), "{}", out.all);
    assert!(
        out.stderr
            .contains("[tuned] LOSS: the subscribers received"),
        "{}",
        out.all
    );
    assert!(count(&out, "tuned", "sub") < 2000, "{}", out.all);
    // The cause comes with it: async-nats's slow-consumer events were counted.
    let reported: u64 = out
        .stderr
        .split("async-nats reported ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|number| number.parse().ok())
        .unwrap_or(0);
    assert!(reported > 0, "{}", out.all);
    checks::assert_error(
        &out,
        &["message(s) were lost", "slow consumer", "--sub-capacity"],
    );
}

#[test]
fn request_reply_answers_every_request_and_prints_latencies() {
    let server = checks::start(ServerOptions::new());
    let out = bench(
        &server,
        &["--request", "--pubs", "2", "--subs", "2", "--msgs", "301"],
    );
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert_eq!(count(&out, "tuned", "req"), 301, "{}", out.all);
    assert!(out.contains("[tuned] latency p50 "), "{}", out.all);
    assert!(
        out.contains(" p90 ") && out.contains(" p99 "),
        "{}",
        out.all
    );
}

#[test]
fn csv_gets_a_header_and_a_row_per_side() {
    let server = checks::start(ServerOptions::new());
    let path = std::env::temp_dir().join(format!("nats-bench-{}.csv", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let csv = path.to_string_lossy().to_string();
    let out = bench(&server, &["--msgs", "500", "--csv", &csv]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("mode,variant,side,clients,msgs,size,msgs_per_s"),
        "{text}"
    );
    assert_eq!(lines.len(), 5, "{text}");
    assert!(lines[1].starts_with("pubsub,naive,pub,1,500,16,"), "{text}");
    assert!(lines[4].starts_with("pubsub,tuned,sub,1,500,16,"), "{text}");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn bad_options_and_no_server_are_explained() {
    let server = checks::start(ServerOptions::new());
    let out = bench(&server, &["--msgs", "many"]);
    checks::assert_error(
        &out,
        &[
            "--msgs takes a whole number, not 'many'",
            "nats-bench [--pubs N]",
        ],
    );
    let out = bench(&server, &["--fast"]);
    checks::assert_error(&out, &["--fast needs a value"]);
    checks::fails_clearly_without_server(BIN, &[]);
}

/// The `[jetstream] WAY ... (N stored)` lines, in order.
fn jetstream_rows(out: &Output) -> Vec<String> {
    out.stdout
        .lines()
        .filter(|line| line.starts_with("[jetstream] "))
        .map(str::to_string)
        .collect()
}

#[test]
fn jetstream_four_ways_each_store_exactly_n() {
    let server = checks::start(ServerOptions::new().jetstream(None));
    // 1001: an atomic batch of 1000 and one of 1; ten fast-ingest windows and one message.
    let out = bench(&server, &["--jetstream", "--msgs", "1001", "--size", "32"]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    let rows = jetstream_rows(&out);
    let ways = [
        "1. await each acknowledgement",
        "2. acknowledgements in flight (256)",
        "3. atomic batches of 1000 (2.12)",
        "4. a fast-ingest batch (2.14)",
    ];
    assert_eq!(rows.len(), 4, "{}", out.all);
    for (row, way) in rows.iter().zip(ways) {
        assert!(row.contains(way), "{row}");
        assert!(row.ends_with("x  (1001 stored)"), "{row}");
        assert!(row.contains(" msgs/s "), "{row}");
    }
    assert!(rows[0].contains(" 1.0 x "), "{}", rows[0]);
    println!("{}", rows.join("\n"));
}

#[test]
fn jetstream_mode_without_jetstream_names_the_server_it_needs() {
    let server = checks::start(ServerOptions::new());
    let out = bench(&server, &["--jetstream", "--msgs", "10"]);
    assert_eq!(out.code, Some(1), "{}", out.all);
    assert!(out.contains("cannot make the stream BENCH"), "{}", out.all);
    assert!(
        out.contains("hint: the JetStream mode needs nats-server 2.14 or newer with JetStream"),
        "{}",
        out.all
    );
}

/// What the chapter says of the third way: an atomic batch is stored whole or not at all. A
/// batch whose second message never arrives (sequence 1, then 3 with the commit) is refused
/// at the commit, and the stream holds none of it.
#[test]
#[allow(clippy::unwrap_used)]
fn an_atomic_batch_with_a_missing_message_stores_nothing() {
    use async_nats::HeaderMap;
    use async_nats::jetstream::{self, message::PublishMessage, stream::Config};

    let server = checks::start(ServerOptions::new().jetstream(None));
    let (refused, stored) = testkit::with_client(&server, async |client| {
        let js = jetstream::new(client.clone());
        let config = Config {
            name: "ATOMIC".to_string(),
            subjects: vec!["atomic.>".to_string()],
            allow_atomic_publish: true,
            ..Default::default()
        };
        let mut stream = js.create_stream(config).await.unwrap();
        let header = |seq: &str| {
            let mut headers = HeaderMap::new();
            headers.insert("Nats-Batch-Id", "gap");
            headers.insert("Nats-Batch-Sequence", seq);
            headers
        };
        let first = header("1");
        client
            .publish_with_headers("atomic.orders", first, "one".into())
            .await
            .unwrap();
        let mut commit = header("3");
        commit.insert("Nats-Batch-Commit", "1");
        let commit = PublishMessage::build()
            .headers(commit)
            .payload("three".into());
        let ack = js
            .send_publish("atomic.orders", commit)
            .await
            .unwrap()
            .await;
        let stored = stream.info().await.unwrap().state.messages;
        (ack.map(|_| ()).map_err(|err| err.to_string()), stored)
    })
    .unwrap();
    println!("the commit of a batch with a gap: {refused:?}");
    let refused = refused.expect_err("a batch with a gap was acknowledged");
    assert!(refused.contains("error code 10176"), "{refused}");
    assert_eq!(stored, 0, "part of a refused batch was stored");
}
