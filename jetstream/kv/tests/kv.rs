//! End-to-end tests of kv against a real nats-server with JetStream.
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use testkit::{PATIENCE, ServerOptions, Step, checks};

const BIN: &str = env!("CARGO_BIN_EXE_kv");

/// Runs `kv ARGS` against `server` and expects it to succeed.
fn kv(server: &testkit::NatsServer, args: &[&str]) -> testkit::Output {
    let out = checks::run(BIN, &server.url(), &[], args);
    assert_eq!(out.code, Some(0), "kv {args:?}:\n{}", out.all);
    out
}

fn jetstream() -> testkit::NatsServer {
    testkit::jetstream_at_least(
        (2, 10),
        "async-nats's key-value API cannot read an older server's account information",
    )
}

#[test]
fn put_get_delete_and_the_history_of_a_key() {
    let server = jetstream();
    assert!(kv(&server, &["put", "color", "blue"]).contains("color = blue (revision 1)"));
    assert!(kv(&server, &["put", "color", "red"]).contains("color = red (revision 2)"));
    assert!(kv(&server, &["get", "color"]).contains("color = red (revision 2)"));
    assert!(kv(&server, &["delete", "color"]).contains("color deleted"));

    // Deleted: no value any more, and a sentence that says so.
    let out = checks::run(BIN, &server.url(), &[], &["get", "color"]);
    checks::assert_error(&out, &["'color' has no value", "put color VALUE"]);

    // The history keeps every revision, the delete marker last.
    let history = kv(&server, &["history", "color"]);
    let lines: Vec<&str> = history
        .all
        .lines()
        .filter(|l| l.contains("(revision"))
        .collect();
    let expected = [
        "color = blue (revision 1)",
        "color = red (revision 2)",
        "color deleted (revision 3)",
    ];
    assert_eq!(lines.len(), 3, "{}", history.all);
    for (line, expected) in lines.iter().zip(expected) {
        assert!(line.ends_with(expected), "{}", history.all);
    }
}

#[test]
fn a_watcher_sees_the_current_values_then_each_change_live() {
    let server = jetstream();
    kv(&server, &["put", "size", "large"]);
    let mut command = Step::command(BIN);
    command.env("NATS_URL", server.url());
    let watcher = Step::start(&mut command).unwrap();
    watcher
        .wait_for_line("size = large (revision 1)", PATIENCE)
        .unwrap();
    watcher.wait_for_line("'tutorial'", PATIENCE).unwrap();

    kv(&server, &["put", "color", "green"]);
    watcher
        .wait_for_line("color = green (revision 2)", PATIENCE)
        .unwrap();
    kv(&server, &["delete", "size"]);
    watcher
        .wait_for_line("size deleted (revision 3)", PATIENCE)
        .unwrap();
}

#[test]
fn a_stale_compare_and_set_is_refused_and_says_how_to_retry() {
    let server = jetstream();
    kv(&server, &["put", "color", "blue"]);
    // Read at revision 1, updated at revision 1: accepted.
    let out = kv(&server, &["update", "color", "red", "1"]);
    assert!(
        out.contains("color = red (revision 2, was 1)"),
        "{}",
        out.all
    );
    // Another update that also read revision 1 comes too late.
    let out = checks::run(BIN, &server.url(), &[], &["update", "color", "green", "1"]);
    checks::assert_error(
        &out,
        &[
            "refused: 'color' changed after revision 1; now color = red (revision 2)",
            "retry",
        ],
    );
    assert!(kv(&server, &["get", "color"]).contains("color = red (revision 2)"));
    // Retried with the revision it was shown: accepted.
    assert!(kv(&server, &["update", "color", "green", "2"]).contains("(revision 3, was 2)"));
}

#[test]
fn a_server_without_jetstream_and_an_unknown_command_are_explained() {
    let plain = checks::start(ServerOptions::new());
    let out = checks::run(BIN, &plain.url(), &[], &["get", "color"]);
    checks::assert_error(
        &out,
        &["does not run JetStream", "cargo xtask server --jetstream"],
    );

    let server = jetstream();
    let out = checks::run(BIN, &server.url(), &[], &["set", "color", "blue"]);
    checks::assert_error(&out, &["not 'set'", "put color blue"]);
    let out = checks::run(
        BIN,
        &server.url(),
        &[],
        &["update", "color", "red", "latest"],
    );
    checks::assert_error(&out, &["REVISION must be a whole number, not 'latest'"]);
}

// The behaviours every step shares, against a server with JetStream (no arguments: it watches).
testkit::step_checks!(jetstream: BIN);

/// nats.rs issue 1596: a watcher must go on after the server restarts (its store kept). With
/// async-nats 0.51 it reports nothing while the server is away, as the lesson says; it stops
/// only at Ctrl-C, with exit code 0.
#[test]
fn a_watcher_goes_on_through_a_server_restart_silently_and_stops_at_ctrl_c() {
    let store = testkit::pki::ScratchDir::new("kv-restart");
    let options = ServerOptions::new().jetstream(Some(store.path().to_path_buf()));
    let mut server = checks::start(options);
    kv(&server, &["put", "color", "blue"]);
    let mut command = Step::command(BIN);
    command.env("NATS_URL", server.url());
    let mut watcher = Step::start(&mut command).unwrap();
    watcher.wait_for_line("'tutorial'", PATIENCE).unwrap();
    watcher
        .wait_for_line("color = blue (revision 1)", PATIENCE)
        .unwrap();

    // Away for longer than two idle heartbeats (10 s), the case of nats.rs issue 1596. The
    // outage is the scenario, not a wait for something: nothing can be awaited while away.
    let before = watcher.lines().len();
    server.stop();
    std::thread::sleep(std::time::Duration::from_secs(12));
    let away = watcher.lines()[before..].to_vec();
    assert!(
        away.is_empty(),
        "the lesson says nothing is reported: {away:?}"
    );
    server.restart().unwrap();
    // Changes made after the restart still reach the same watcher.
    kv(&server, &["put", "color", "red"]);
    watcher
        .wait_for_line("color = red (revision 2)", PATIENCE)
        .unwrap();
    kv(&server, &["put", "color", "green"]);
    watcher
        .wait_for_line("color = green (revision 3)", PATIENCE)
        .unwrap();
    // Still the same watcher, still running: Ctrl-C, not an error, ends it.
    watcher.interrupt().unwrap();
    let out = watcher.wait_exit(PATIENCE).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(out.contains("stopped watching"), "{}", out.all);
    assert!(!out.contains("Error:"), "{}", out.all);
}

#[test]
fn put_without_a_value_stores_nothing_and_says_so() {
    let server = jetstream();
    let out = checks::run(BIN, &server.url(), &[], &["put", "color"]);
    assert_eq!(out.code, Some(1), "{}", out.all);
    let sentence = "put needs a value: kv put KEY VALUE, nothing is stored.";
    assert!(out.stderr.contains(sentence), "{}", out.all);
    let out = checks::run(BIN, &server.url(), &[], &["get", "color"]);
    assert!(
        out.stderr.contains("the key 'color' has no value."),
        "{}",
        out.all
    );
}

#[test]
fn a_key_with_a_space_is_refused_with_the_rule_and_the_rule_is_the_buckets() {
    let server = jetstream();
    for key in ["my color", ".color", "color."] {
        let out = checks::run(BIN, &server.url(), &[], &["put", key, "blue"]);
        assert_eq!(out.code, Some(1), "{key}: {}", out.all);
        let sentence = format!("'{key}' is not a key a bucket takes.");
        assert!(out.stderr.contains(&sentence), "{key}: {}", out.all);
        assert!(out.stderr.contains("no space"), "{key}: {}", out.all);
    }
    // Every character the rule allows, in one key: the bucket takes it.
    let out = kv(&server, &["put", "a-b/c_d=e.F9", "blue"]);
    assert!(
        out.contains("a-b/c_d=e.F9 = blue (revision 1)"),
        "{}",
        out.all
    );
}

/// The guide's scene of a key-value bucket.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::ServerOptions;
    use testkit::scene::{Script, fails, ok, terminal};

    #[test]
    fn scene_key_value() {
        Script::play(key_value);
    }

    /// The kv step: a watcher in one terminal, changes and a refused compare-and-set in another.
    fn key_value(s: &mut Script) -> Result<(), String> {
        s.heading("Persistence: a key-value bucket (kv)");
        let server = s.server(ServerOptions::new().jetstream(None))?;
        s.say("terminal 1 $ cargo xtask server --jetstream");
        let mut watcher = s.start(terminal(3, "kv"));
        s.wait(&mut watcher, "'tutorial'");
        s.show(&mut watcher, "kv/watch");
        let commands: [(&str, &[&str], &str); 5] = [
            (
                "kv/put",
                &["put", "color", "blue"],
                "color = blue (revision 1)",
            ),
            (
                "kv/put-2",
                &["put", "color", "red"],
                "color = red (revision 2)",
            ),
            ("kv/get", &["get", "color"], "color = red (revision 2)"),
            (
                "kv/update",
                &["update", "color", "green", "2"],
                "(revision 3, was 2)",
            ),
            ("kv/delete", &["delete", "color"], "color deleted"),
        ];
        for (block, args, says) in commands {
            s.run(block, terminal(2, "kv").args(args), ok(says));
        }
        let stale = ["update", "color", "yellow", "2"];
        let refused = fails("changed after revision 2; now color deleted (revision 4)");
        s.run("kv/conflict", terminal(2, "kv").args(&stale), refused);
        s.run(
            "kv/history",
            terminal(2, "kv").args(&["history", "color"]),
            ok("color deleted (revision 4)"),
        );
        s.wait(&mut watcher, "color deleted (revision 4)");
        s.show(&mut watcher, "kv/watched");
        drop(server);
        Ok(())
    }
}
