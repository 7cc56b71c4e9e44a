//! End-to-end tests of the object store step against a real JetStream server: a file three times
//! bigger than the server's max_payload goes in and comes back byte for byte; list, delete,
//! watch; and a missing object, a missing file and an unwritable path each get a sentence.
// A panic is the test failing with its message.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use testkit::pki::ScratchDir;
use testkit::{NatsServer, Output, PATIENCE, ServerOptions, Step, checks};

const BIN: &str = env!("CARGO_BIN_EXE_objects");

/// A JetStream server that takes messages of 1 MB at most.
fn server() -> NatsServer {
    checks::start(
        ServerOptions::new()
            .jetstream(None)
            .config("max_payload: 1048576"),
    )
}

fn objects(server: &NatsServer, args: &[&str]) -> Output {
    Step::run(
        Step::command(BIN).env("NATS_URL", server.url()).args(args),
        PATIENCE,
    )
    .unwrap()
}

/// 3 MB of bytes that repeat only every 251, so that a misplaced chunk would show.
fn three_megabytes(path: &Path) -> Vec<u8> {
    let bytes = testkit::repeating_bytes(3 * 1024 * 1024);
    std::fs::write(path, &bytes).unwrap();
    bytes
}

#[test]
fn a_file_bigger_than_max_payload_goes_in_and_comes_back_byte_for_byte() {
    let server = server();
    let scratch = ScratchDir::new("objects");
    let original = scratch.path().join("big.bin");
    let bytes = three_megabytes(&original);
    let out = objects(&server, &["put", original.to_str().unwrap()]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(
        out.contains("as 'big.bin': 3145728 bytes in 24 chunk(s), digest SHA-256="),
        "{}",
        out.all
    );
    assert!(out.contains("(max_payload 1048576)"), "{}", out.all);

    let copy = scratch.path().join("copy.bin");
    let out = objects(&server, &["get", "big.bin", copy.to_str().unwrap()]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(out.contains("its digest checked"), "{}", out.all);
    assert!(
        std::fs::read(&copy).unwrap() == bytes,
        "the copy differs from the original"
    );

    // get never writes over a file.
    let out = objects(&server, &["get", "big.bin", copy.to_str().unwrap()]);
    assert_eq!(out.code, Some(1), "{}", out.all);
    assert!(out.stderr.contains("cannot write"), "{}", out.all);
}

#[test]
fn list_delete_and_watch() {
    let server = server();
    let scratch = ScratchDir::new("objects-list");
    let (a, b) = (scratch.path().join("a.txt"), scratch.path().join("b.txt"));
    std::fs::write(&a, "alpha").unwrap();
    std::fs::write(&b, "beta").unwrap();
    let mut watcher = Step::start(
        Step::command(BIN)
            .env("NATS_URL", server.url())
            .arg("watch"),
    )
    .unwrap();
    watcher.wait_for_line("'tutorial-files'", PATIENCE).unwrap();
    assert_eq!(
        objects(&server, &["put", a.to_str().unwrap()]).code,
        Some(0)
    );
    assert_eq!(
        objects(&server, &["put", b.to_str().unwrap(), "second"]).code,
        Some(0)
    );
    let out = objects(&server, &["list"]);
    assert!(
        out.contains("a.txt: 5 bytes in 1 chunk(s)") && out.contains("second: 4 bytes"),
        "{}",
        out.all
    );
    assert!(
        out.contains("2 object(s) in the bucket 'tutorial-files'"),
        "{}",
        out.all
    );
    let out = objects(&server, &["delete", "a.txt"]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    let out = objects(&server, &["list"]);
    assert!(
        out.contains("1 object(s)") && !out.contains("a.txt:"),
        "{}",
        out.all
    );

    watcher.wait_for_line("'a.txt' deleted", PATIENCE).unwrap();
    watcher.interrupt().unwrap();
    let out = watcher.wait_exit(PATIENCE).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(out.contains("Ctrl-C: stopped watching"), "{}", out.all);
    assert!(
        out.contains("'a.txt' stored: 5 bytes") && out.contains("'second' stored: 4 bytes"),
        "{}",
        out.all
    );
}

#[test]
fn a_missing_object_file_or_folder_is_one_sentence_and_exit_1() {
    let server = server();
    let scratch = ScratchDir::new("objects-errors");
    let nowhere = scratch.path().join("no-such-folder").join("out.bin");
    let cases: [(&[&str], &str); 6] = [
        (
            &["get", "nothing", "/tmp/unused"],
            "there is no object 'nothing' in the bucket 'tutorial-files'.",
        ),
        (&["delete", "nothing"], "there is no object 'nothing'"),
        (
            &["put", "/no/such/file.bin"],
            "cannot read /no/such/file.bin",
        ),
        (&["lst"], "'lst' is not a command of objects."),
        (
            &["get", "big.bin"],
            "get needs more: objects get NAME PATH (PATH: a new file to write it to).",
        ),
        (&["put"], "put needs more: objects put PATH [NAME]."),
    ];
    for (args, says) in cases {
        let out = objects(&server, args);
        assert_eq!(out.code, Some(1), "{args:?}:\n{}", out.all);
        assert!(out.stderr.contains(says), "{args:?}:\n{}", out.all);
    }
    let small = scratch.path().join("small.txt");
    std::fs::write(&small, "x").unwrap();
    assert_eq!(
        objects(&server, &["put", small.to_str().unwrap()]).code,
        Some(0)
    );
    let out = objects(&server, &["get", "small.txt", nowhere.to_str().unwrap()]);
    assert_eq!(out.code, Some(1), "{}", out.all);
    assert!(
        out.stderr.contains("cannot write") && out.stderr.contains("in a folder that exists"),
        "{}",
        out.all
    );
}

#[test]
fn a_damaged_chunk_fails_the_digest_check_and_leaves_no_file() {
    let server = server();
    let scratch = ScratchDir::new("objects-damaged");
    let original = scratch.path().join("big.bin");
    three_megabytes(&original);
    let out = objects(&server, &["put", original.to_str().unwrap()]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    // Damage it as a disk or a careless tool could: through the JetStream API, the last chunk
    // is deleted and other bytes are stored on its subject in its place.
    testkit::damage_last_chunk(&server, "tutorial-files", "damaged").unwrap();

    let copy = scratch.path().join("copy.bin");
    let out = objects(&server, &["get", "big.bin", copy.to_str().unwrap()]);
    assert_eq!(out.code, Some(1), "{}", out.all);
    let sentence = format!(
        "'big.bin' came back damaged (wrong digest): {} was removed.",
        copy.display()
    );
    assert!(out.stderr.contains(&sentence), "{}", out.all);
    assert!(out.stderr.contains("put the file again"), "{}", out.all);
    assert!(!out.contains("its digest checked"), "{}", out.all);
    assert!(!copy.exists(), "the damaged copy was left behind");
}

#[test]
fn without_jetstream_it_says_what_to_start() {
    let server = checks::start(ServerOptions::new());
    let out = objects(&server, &["list"]);
    assert_eq!(out.code, Some(1), "{}", out.all);
    assert!(
        out.stderr.contains("cargo xtask server --jetstream"),
        "{}",
        out.all
    );
}

testkit::step_checks!(jetstream: BIN);

/// The guide's scene of the object store.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::scene::{Script, fails, ok, terminal};
    use testkit::{NatsServer, ServerOptions};

    #[test]
    fn scene_objects() {
        Script::play(objects);
    }

    /// The object store: a 3 MB file through a server that takes messages of 1 MB at most.
    fn objects(s: &mut Script) -> Result<(), String> {
        s.heading("Persistence: the object store (objects)");
        let server = s.server(ServerOptions::new().jetstream(None))?;
        s.say("terminal 1 $ cargo xtask server --jetstream");
        // The same 3 MB every run (bytes repeating every 251), so that the digest is the same.
        let dir = testkit::workspace_root()
            .join("target")
            .join("tour-objects");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
        let (big, copy) = (dir.join("big.bin"), dir.join("copy.bin"));
        let bytes = testkit::repeating_bytes(3_000_000);
        std::fs::write(&big, &bytes)
            .map_err(|err| format!("cannot write {}: {err}", big.display()))?;
        let (big, copy) = (big.display().to_string(), copy.display().to_string());
        s.alias(&big, "big.bin");
        s.alias(&copy, "copy.bin");
        let put = ["put", big.as_str()];
        s.run(
            "objects/put",
            terminal(2, "objects").args(&put),
            ok("in 23 chunk(s)"),
        );
        s.run(
            "objects/list",
            terminal(2, "objects").args(&["list"]),
            ok("1 object(s)"),
        );
        let get = ["get", "big.bin", copy.as_str()];
        s.run(
            "objects/get",
            terminal(2, "objects").args(&get),
            ok("its digest checked"),
        );
        let same = std::fs::read(&copy).is_ok_and(|copied| copied == bytes);
        s.check(
            "objects",
            same.then_some(()).ok_or("the copy differs".to_string()),
        );
        let again = fails("File exists");
        s.run(
            "objects/get-again",
            terminal(2, "objects").args(&get),
            again,
        );
        damaged(s, &server, &get);
        s.run(
            "objects/delete",
            terminal(2, "objects").args(&["delete", "big.bin"]),
            ok("Deleted"),
        );
        let missing = fails("there is no object 'big.bin'");
        s.run(
            "objects/missing",
            terminal(2, "objects").args(&["get", "big.bin", "x"]),
            missing,
        );
        drop(server);
        Ok(())
    }

    /// `big.bin`'s last chunk replaced through the JetStream API, as the objects test does, and
    /// what `get` (its arguments) then says.
    fn damaged(s: &mut Script, server: &NatsServer, get: &[&str]) {
        let damaged = testkit::damage_last_chunk(server, "tutorial-files", "damaged");
        s.check("objects", damaged.map_err(|err| err.0));
        let _ = std::fs::remove_file(get[2]); // the good copy from above: get never overwrites
        let says = fails("came back damaged (wrong digest)");
        s.run("objects/damaged", terminal(2, "objects").args(get), says);
    }
}
