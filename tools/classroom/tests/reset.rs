//! `classroom reset`: refused while the class runs; then it forgets the class (new logins, no
//! progress) and clears what a class leaves: the JetStream stores, secrets and certificates of
//! the xtask servers, and the edits to `exercises/`. Run in a small workspace of its own (a git
//! repository with one exercise), never in this one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::Class;
use nats_servers::pki::ScratchDir;

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

/// `classroom ARGS` run in the workspace `dir` (found from the folder, as `cargo run` would).
fn in_workspace(dir: &Path) -> impl Fn(&mut Command) + '_ {
    move |command: &mut Command| {
        let (server, _) = nats_servers::find_nats_server().unwrap();
        command
            .current_dir(dir)
            .env_remove("CARGO_MANIFEST_DIR")
            .env("NATS_SERVER_BIN", server);
    }
}

/// A git repository with one exercise, edited as a student would, and the folders a class
/// leaves under target/. Returns the exercise's file.
fn a_workspace_with_an_edited_exercise(ws: &Path) -> PathBuf {
    let starter = ws.join("exercises/timeouts/src/main.rs");
    std::fs::create_dir_all(starter.parent().unwrap()).unwrap();
    std::fs::write(ws.join("Cargo.toml"), "[workspace]\nmembers = []\n").unwrap();
    std::fs::write(&starter, "// the starter\n").unwrap();
    git(ws, &["init", "-q"]);
    git(ws, &["add", "."]);
    git(ws, &["commit", "-qm", "starter"]);
    // What a class leaves: an edited starter, a new file, stores, secrets.
    std::fs::write(&starter, "// the student's work\n").unwrap();
    std::fs::write(starter.with_file_name("extra.rs"), "// new\n").unwrap();
    for left in ["target/jetstream/jetstream", "target/secrets", "target/tls"] {
        std::fs::create_dir_all(ws.join(left)).unwrap();
    }

    starter
}

/// `classroom reset` without --yes, answered "no".
fn answer_no(ws: &Path) {
    let mut asked = Command::new(env!("CARGO_BIN_EXE_classroom"));
    in_workspace(ws)(&mut asked);
    let mut child = asked
        .arg("reset")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"no\n").unwrap();
    assert!(!child.wait().unwrap().success());
}

#[test]
fn reset_forgets_the_class_and_clears_what_it_left() {
    let scratch = ScratchDir::new("reset");
    let ws = scratch.path().join("workspace");
    let starter = a_workspace_with_an_edited_exercise(&ws);
    let class_dir = ws.join("target/class");
    let mut class = Class::start_with(&class_dir, "alice", in_workspace(&ws));
    let password = class.setting("alice", "NATS_PASSWORD");
    common::report(&class, "alice");
    class.wait_state("alice's report", |state| {
        Class::student(state, "alice")["progress"]["timeouts"] == "passed"
    });
    let reset = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_classroom"));
        in_workspace(&ws)(&mut command);
        command.arg("reset").args(args).output().unwrap()
    };
    let refused = reset(&["--yes"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("the class is running"));
    assert!(class_dir.join("alice.env").exists());
    class.stop();

    // Without --yes, it asks; anything but "yes" removes nothing.
    answer_no(&ws);
    assert!(class_dir.join("alice.env").exists());

    let out = reset(&["--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for gone in [
        "target/class",
        "target/jetstream",
        "target/secrets",
        "target/tls",
        "exercises/timeouts/src/extra.rs",
    ] {
        assert!(!ws.join(gone).exists(), "{gone} is still there");
    }
    assert_eq!(
        std::fs::read_to_string(&starter).unwrap(),
        "// the starter\n"
    );

    // The next class: new logins, no progress.
    let again = Class::start_with(&class_dir, "alice", in_workspace(&ws));
    assert_ne!(again.setting("alice", "NATS_PASSWORD"), password);
    let state = again.state();
    assert_eq!(
        Class::student(&state, "alice")["progress"],
        serde_json::json!({})
    );
}
