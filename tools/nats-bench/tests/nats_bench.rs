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
