//! `classroom handout`: the student copy is the teacher's last commit without answers, builds
//! on its own, runs the tour of its first lesson, and its `cargo xtask check` reports a solved exercise to a
//! running class. The copy builds into `target/handout`, kept between runs (the first one
//! compiles everything once).
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

/// A scratch clone of the workspace's last commit, as a teacher's own working tree: one
/// exercise solved, a student's settings file saved (as the sheet says), a note of their own.
/// Returns the tree and the password in that settings file (made here, so that no file of the
/// workspace holds it).
fn teachers_tree(scratch: &ScratchDir) -> (std::path::PathBuf, String) {
    let root = nats_servers::workspace_root();
    let tree = scratch.path().join("teacher");
    let out = Command::new("git")
        .arg("clone")
        .arg("--quiet")
        .arg(&root)
        .arg(&tree)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", said(&out));
    let solved = std::fs::read_to_string(tree.join("solutions/timeouts/src/main.rs")).unwrap();
    std::fs::write(tree.join("exercises/timeouts/src/main.rs"), solved).unwrap();
    let password = format!("pw{}of{}", std::process::id(), "alice".repeat(2));
    let settings = format!("NATS_USER=alice\nNATS_PASSWORD={password}\n");
    std::fs::write(tree.join("alice.env"), settings).unwrap();
    std::fs::write(tree.join("notes.txt"), "the teacher's own notes\n").unwrap();
    (tree, password)
}

/// `classroom handout DIR`, run in `tree` as a teacher runs it there.
fn handout(tree: &Path, copy: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_classroom"));
    command.current_dir(tree).env_remove("CARGO_MANIFEST_DIR");
    command.arg("handout").arg(copy).output().unwrap()
}

/// The lines of each solution that are its own: in neither its starter nor any lesson.
fn answers(tree: &Path) -> Vec<String> {
    let significant = |path: &Path| -> Vec<String> {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let lines = text
            .lines()
            .map(str::trim)
            .filter(|l| l.len() >= 12 && !l.starts_with("//"));
        lines.map(String::from).collect()
    };
    let mut taught = Vec::new();
    for part in ["tutorial", "beyond", "security", "jetstream", "services"] {
        for step in std::fs::read_dir(tree.join(part)).unwrap().flatten() {
            for file in files(&step.path().join("src")) {
                taught.extend(significant(&file));
            }
        }
    }
    let mut answers = Vec::new();
    for solution in std::fs::read_dir(tree.join("solutions")).unwrap().flatten() {
        let name = solution.file_name();
        let starter = significant(&tree.join("exercises").join(&name).join("src/main.rs"));
        let own = significant(&solution.path().join("src/main.rs"));
        answers.extend(
            own.into_iter()
                .filter(|l| !starter.contains(l) && !taught.contains(l)),
        );
    }
    answers
}

fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files(&path))
        } else {
            found.push(path)
        }
    }
    found
}

#[test]
fn a_handout_is_the_last_commit_without_answers_settings_or_untracked_files() {
    let scratch = ScratchDir::new("handout");
    let (tree, password) = teachers_tree(&scratch);
    let copy = scratch.path().join("nats-class");
    let out = handout(&tree, &copy);
    assert!(out.status.success(), "{}", said(&out));
    let text = said(&out);
    assert!(
        text.contains(
            "left out tools/xtask/tests/crypto_providers.rs: it shows a line of the tls solution"
        ),
        "{text}"
    );
    assert!(
        text.contains("3 uncommitted change(s) of the workspace are not in the handout"),
        "{text}"
    );

    for gone in [
        "solutions",
        ".git",
        ".ci",
        "target",
        "alice.env",
        "notes.txt",
    ] {
        assert!(!copy.join(gone).exists(), "the handout has {gone}");
    }
    let committed = Command::new("git")
        .current_dir(&tree)
        .args(["show", "HEAD:exercises/timeouts/src/main.rs"])
        .output()
        .unwrap();
    let starter = std::fs::read_to_string(copy.join("exercises/timeouts/src/main.rs")).unwrap();
    assert_eq!(
        starter,
        String::from_utf8_lossy(&committed.stdout),
        "the handout's timeouts is not the starter"
    );
    for manifest in ["Cargo.toml", "Cargo.lock"] {
        let text = std::fs::read_to_string(copy.join(manifest)).unwrap();
        assert!(!text.contains("solution"), "{manifest} names a solution");
    }
    assert_no_answer_or_password(&tree, &copy, &password);

    // Not a git checkout (the handout itself): a sentence, and nothing written.
    let again = scratch.path().join("again");
    let out = handout(&copy, &again);
    assert!(!out.status.success() && !again.exists());
    assert!(
        said(&out).contains("is not a git checkout: a handout is made from the last commit"),
        "{}",
        said(&out)
    );
}

/// No file of `copy` shows a solution's own line, or holds `password`.
fn assert_no_answer_or_password(tree: &Path, copy: &Path, password: &str) {
    let answers = answers(tree);
    assert!(
        answers.len() > 30,
        "too few solution lines found: {answers:?}"
    );
    for file in files(copy) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(
            !text.contains(password),
            "{} holds alice's password",
            file.display()
        );
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        let shown = answers
            .iter()
            .find(|answer| lines.contains(&answer.as_str()));
        assert!(
            shown.is_none(),
            "{} shows the solution line {shown:?}",
            file.display()
        );
    }
}

#[test]
fn a_handout_checks_reports_and_tours_on_its_own() {
    let root = nats_servers::workspace_root();
    let scratch = ScratchDir::new("handout-run");
    let (tree, _) = teachers_tree(&scratch);
    let copy = scratch.path().join("nats-class");
    assert!(handout(&tree, &copy).status.success());
    let lock = std::fs::read_to_string(copy.join("Cargo.lock")).unwrap();

    // A student solves `timeouts` (the reference answer stands in for their work), saves the
    // class's CA and checks with their settings loaded: the class shows it passed.
    let class = Class::start("alice,bob");
    std::fs::copy(class.dir.join("class-ca.pem"), copy.join("class-ca.pem")).unwrap();
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
    // The teacher's login has no results: the service's refusal, as a sentence.
    let out = cargo_xtask(&copy, &["check", "timeouts"], &class.settings("teacher"));
    assert!(
        said(&out).contains("xtask: not reported to the class (the class refused it: the teacher's login has no results to keep"),
        "{}",
        said(&out)
    );
    // cargo built the copy from its lock as it is: no solution package to drop, nothing to add.
    assert_eq!(
        std::fs::read_to_string(copy.join("Cargo.lock")).unwrap(),
        lock
    );

    // The tour, the newcomer's first command, works in the copy too: its first lesson's scenes
    // (the whole tour is the lessons' own tests, which the workspace's run plays already).
    let out = cargo_xtask(&copy, &["tour", "async-sub"], &[]);
    assert!(
        out.status.success(),
        "the tour fails in the handout:\n{}",
        said(&out)
    );
}
