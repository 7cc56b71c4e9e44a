//! The steps against the official NATS JavaScript client, both ways, on a real nats-server: a
//! service written in JavaScript found by `discover` and called by `calc`; the Rust `service`
//! found and called through the JavaScript library's own service client, its three discovery
//! answers checked against the ADR-32 schemas; an object and a key written by one side and
//! read by the other; core publish and subscribe each way.
// A panic is the test failing with its message.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use testkit::pki::ScratchDir;
use testkit::{NatsServer, Output, PATIENCE, ServerOptions, Step, checks};

/// The JavaScript peer's folder.
fn js_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("js")
}

/// `npm ci`, once for all the tests of this binary, when the pinned packages are not there.
fn install_once() {
    static INSTALLED: Mutex<bool> = Mutex::new(false);
    let mut installed = INSTALLED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if *installed {
        return;
    }
    let node = Command::new("node").arg("--version").output();
    let help = "the interop tests need Node.js 18 or newer and npm: `apt-get install nodejs npm` \
                (Debian), `brew install node` (macOS), or https://nodejs.org";
    let version = node.unwrap_or_else(|err| panic!("cannot run node ({err}): {help}"));
    assert!(version.status.success(), "node --version failed: {help}");
    let dir = js_dir();
    // npm writes this file last; a lock newer than it means the pins changed.
    let done = dir.join("node_modules").join(".package-lock.json");
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let fresh =
        modified(&done).is_some_and(|d| Some(d) >= modified(&dir.join("package-lock.json")));
    if !fresh {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .status()
            .unwrap_or_else(|err| panic!("cannot run npm ({err}): {help}"));
        assert!(status.success(), "npm ci failed in {}", dir.display());
    }
    *installed = true;
}

/// `node peer.mjs ROLE ARGS...` on `server`.
fn peer(server: &NatsServer, args: &[&str]) -> Command {
    install_once();
    let mut command = Step::command("node");
    command
        .current_dir(js_dir())
        .arg("peer.mjs")
        .args(args)
        .env("NATS_URL", server.url());
    command
}

/// Runs the peer to its end; it must succeed. Its lines are JSON.
fn run_peer(server: &NatsServer, args: &[&str]) -> Vec<serde_json::Value> {
    let out = Step::run(&mut peer(server, args), PATIENCE).unwrap();
    assert_eq!(out.code, Some(0), "peer {args:?}:\n{}", out.all);
    out.stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn run_step(server: &NatsServer, name: &str, args: &[&str]) -> Output {
    let mut command = Step::command(testkit::workspace_step(name));
    command.env("NATS_URL", server.url()).args(args);
    Step::run(&mut command, PATIENCE).unwrap()
}

fn jetstream() -> NatsServer {
    checks::start(
        ServerOptions::new()
            .jetstream(None)
            .config("max_payload: 1048576"),
    )
}

#[test]
fn a_javascript_service_is_found_by_discover_and_called_by_calc() {
    let server = checks::start(ServerOptions::new());
    let service = Step::start(&mut peer(&server, &["service"])).unwrap();
    let ready = service.wait_for_line("\"ready\"", PATIENCE).unwrap();
    let id = serde_json::from_str::<serde_json::Value>(&ready).unwrap()["ready"]
        .as_str()
        .unwrap()
        .to_string();

    let out = run_step(&server, "calc", &["sum", "1", "2", "3"]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    out.assert_first_lines(&["calc.sum [1.0,2.0,3.0] = 6"]);
    let out = run_step(&server, "calc", &["max"]);
    assert_eq!(out.code, Some(2), "{}", out.all);
    let refused = "The service refused [] on calc.max (code 400): max needs at least one number";
    assert!(out.stderr.contains(refused), "{}", out.all);

    // The JavaScript library leaves `last_error` out of STATS until an endpoint fails: ADR-32
    // requires it, so async-nats's type refuses the answer. discover lists the instance anyway,
    // and says why it has no statistics.
    let out = run_step(&server, "discover", &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(
        out.contains("$SRV.PING.calc: 1 instance(s) answered"),
        "{}",
        out.all
    );
    let unfit = format!("instance {id}: its STATS answer does not fit async-nats's type");
    assert!(
        out.contains(&unfit) && out.contains("last_error"),
        "{}",
        out.all
    );
    let listed = format!("instance {id}: calc 1.0.0 (calc.max, calc.sum); no statistics");
    assert!(out.contains(&listed), "{}", out.all);
    // The guide shows this run: each of its lines is one of discover's, but for the id and
    // the column in serde's sentence (the numbers in the statistics vary in length).
    let shown = guide_block("discover.md", "discover-javascript");
    let steady = |line: &str| {
        let line = line.replace(&id, "ID");
        let line = line.split(" at line 1 column ").next().unwrap_or_default();
        line.split("VJAVKSZMLEKHPZX1C48RKZ")
            .collect::<Vec<_>>()
            .join("ID")
    };
    let run: Vec<String> = out.all.lines().map(steady).collect();
    for line in &shown {
        assert!(
            run.contains(&steady(line)),
            "the guide's {line:?} is not in:\n{}",
            out.all
        );
    }
}

/// The lines of the block after `<!-- interop: NAME -->` in the guide's `page`.
fn guide_block(page: &str, name: &str) -> Vec<String> {
    let path = testkit::workspace_root()
        .join("docs")
        .join("src")
        .join(page);
    let text = std::fs::read_to_string(&path).unwrap();
    let marker = format!("<!-- interop: {name} -->");
    let block = text
        .split(&marker)
        .nth(1)
        .unwrap()
        .split("```")
        .nth(1)
        .unwrap();
    let lines: Vec<String> = block.lines().skip(1).map(str::to_string).collect();
    assert!(
        !lines.is_empty(),
        "no block after {marker} in {}",
        path.display()
    );
    lines
}

#[test]
fn the_rust_service_is_found_and_called_through_the_javascript_client_and_fits_adr32() {
    let server = checks::start(ServerOptions::new());
    let mut command = Step::command(testkit::workspace_step("service"));
    command.env("NATS_URL", server.url());
    let service = Step::start(&mut command).unwrap();
    service
        .wait_for_line("calc 1.0.0, instance", PATIENCE)
        .unwrap();
    server
        .wait_for_subscriptions("calc.max", 1, PATIENCE)
        .unwrap();

    let answers = run_peer(&server, &["discover", "calc"]);
    let verbs: Vec<&str> = answers
        .iter()
        .map(|a| a["verb"].as_str().unwrap())
        .collect();
    assert_eq!(verbs, ["ping", "info", "stats"], "{answers:?}");
    for answer in &answers {
        assert_eq!(answer["schema"], "valid", "{answer}");
    }
    let mut names: Vec<&str> = answers[1]["answer"]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["max", "sum"], "{}", answers[1]);

    let sum = &run_peer(&server, &["request", "calc.sum", "[1, 2]"])[0];
    assert_eq!(sum["body"], r#"{"result":3.0}"#, "{sum}");
    let max = &run_peer(&server, &["request", "calc.max", "[]"])[0];
    assert_eq!(max["error"], "max needs at least one number", "{max}");
    assert_eq!(max["code"], "400", "{max}");
}

#[test]
fn an_object_stored_by_objects_is_read_by_javascript_byte_for_byte_and_back() {
    let server = jetstream();
    let scratch = ScratchDir::new("interop-objects");
    let original = scratch.path().join("big.bin");
    let bytes = testkit::repeating_bytes(3 * 1024 * 1024);
    std::fs::write(&original, &bytes).unwrap();
    let out = run_step(&server, "objects", &["put", original.to_str().unwrap()]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    let copy = scratch.path().join("from-rust.bin");
    run_peer(&server, &["obj-get", "big.bin", copy.to_str().unwrap()]);
    assert!(
        std::fs::read(&copy).unwrap() == bytes,
        "JavaScript read other bytes"
    );

    let stored = &run_peer(
        &server,
        &["obj-put", "from-js.bin", original.to_str().unwrap()],
    )[0];
    assert_eq!(stored["size"], 3 * 1024 * 1024, "{stored}");
    let back = scratch.path().join("from-js.bin");
    let out = run_step(
        &server,
        "objects",
        &["get", "from-js.bin", back.to_str().unwrap()],
    );
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(out.contains("its digest checked"), "{}", out.all);
    assert!(
        std::fs::read(&back).unwrap() == bytes,
        "objects read other bytes"
    );
}

#[test]
fn a_key_put_by_kv_is_read_by_javascript_and_back() {
    let server = jetstream();
    let out = run_step(&server, "kv", &["put", "color", "blue"]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    let read = &run_peer(&server, &["kv-get", "color"])[0];
    assert_eq!(read["value"], "blue", "{read}");
    assert_eq!(read["revision"], 1, "{read}");

    let put = &run_peer(&server, &["kv-put", "size", "large"])[0];
    assert_eq!(put["revision"], 2, "{put}");
    let out = run_step(&server, "kv", &["get", "size"]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(out.contains("size = large (revision 2)"), "{}", out.all);
}

#[test]
fn core_publish_and_subscribe_cross_both_ways() {
    let server = checks::start(ServerOptions::new());
    // Rust publishes, JavaScript receives.
    let subscriber = Step::start(&mut peer(&server, &["sub", "foo", "1"])).unwrap();
    subscriber
        .wait_for_line("\"subscribed\"", PATIENCE)
        .unwrap();
    let out = run_step(&server, "pub-simple", &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    let mut subscriber = subscriber;
    let got = subscriber.wait_exit(PATIENCE).unwrap();
    assert!(
        got.contains(r#"{"subject":"foo","message":"Hello NATS"}"#),
        "{}",
        got.all
    );

    // JavaScript publishes, Rust receives.
    let mut command = Step::command(testkit::workspace_step("async-sub"));
    command.env("NATS_URL", server.url());
    let receiver = Step::start(&mut command).unwrap();
    server.wait_for_subscription("foo", PATIENCE).unwrap();
    run_peer(&server, &["pub", "foo", "Hello from JavaScript"]);
    receiver
        .wait_for_line("'Hello from JavaScript'", PATIENCE)
        .unwrap();
}
