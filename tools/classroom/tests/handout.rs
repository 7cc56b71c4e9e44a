//! `classroom handout`: the student copy has no answers, builds on its own, runs the tour, and
//! its `cargo xtask check` reports a solved exercise to a running class. The copy builds into
//! `target/handout`, kept between runs (the first one compiles everything once).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::Class;
use nats_servers::pki::ScratchDir;

/// `cargo xtask ARGS` in the copy, as a student types it, with `settings` loaded.
fn cargo_xtask(copy: &Path, args: &[&str], settings: &[(String, String)]) -> Output {
    let root = nats_servers::workspace_root();
    let (server, _) = nats_servers::find_nats_server().unwrap();
    let mut command = Command::new(env!("CARGO"));
    command.current_dir(copy).arg("xtask").args(args);
    // This test's own variables describe the workspace, not the copy; the student's shell
    // has none of the steps' settings but those of their file.
    for (name, _) in std::env::vars() {
        if name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_MANIFEST")
            || name.starts_with("NATS_")
        {
            command.env_remove(name);
        }
    }
    command
        .env("CARGO_TARGET_DIR", root.join("target/handout"))
        .env("NATS_SERVER_BIN", server);
    command.envs(settings.iter().cloned()).output().unwrap()
}

fn said(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn a_handout_has_no_answers_and_checks_and_tours_on_its_own() {
    let root = nats_servers::workspace_root();
    let scratch = ScratchDir::new("handout");
    let copy = scratch.path().join("nats-class");
    let out = Command::new(env!("CARGO_BIN_EXE_classroom"))
        .arg("handout")
        .arg(&copy)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", said(&out));

    // No answers: no solutions/, no solution members, the starters as they are; no history.
    for gone in ["solutions", ".git", "target"] {
        assert!(!copy.join(gone).exists(), "the handout has {gone}/");
    }
    let manifest = std::fs::read_to_string(copy.join("Cargo.toml")).unwrap();
    assert!(!manifest.contains("solutions"), "{manifest}");
    for exercise in ["timeouts", "kv-counter"] {
        let starter = format!("exercises/{exercise}/src/main.rs");
        let read = |base: &Path| std::fs::read_to_string(base.join(&starter)).unwrap();
        assert_eq!(read(&copy), read(&root), "{starter} differs");
    }

    // A student solves `timeouts` (the reference answer stands in for their work) and checks
    // it with their class settings loaded: the class shows it passed.
    let class = Class::start("alice,bob");
    let solved = std::fs::read_to_string(root.join("solutions/timeouts/src/main.rs")).unwrap();
    std::fs::write(copy.join("exercises/timeouts/src/main.rs"), solved).unwrap();
    let out = cargo_xtask(&copy, &["check", "timeouts"], &class.settings("alice"));
    let text = said(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("xtask: reported to the class at") && text.contains(": timeouts passed"),
        "{text}"
    );
    class.wait_state("alice's passed check", |state| {
        Class::student(state, "alice")["progress"]["timeouts"] == "passed"
    });

    // The tour, the newcomer's first command, works in the copy too.
    let out = cargo_xtask(&copy, &["tour"], &[]);
    assert!(
        out.status.success(),
        "the tour fails in the handout:\n{}",
        said(&out)
    );
}
