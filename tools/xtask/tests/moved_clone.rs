//! A clone that is renamed keeps working: xtask finds the workspace when it runs, not where it
//! was compiled (cargo does not rebuild xtask when its folder moves).
// A panic is the test failing with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

/// Copies the workspace's sources (not `target/` or `.git/`) into `to`.
fn copy_sources(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            copy_sources(&path, &to.join(&name));
        } else {
            fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

/// `cargo xtask ARGS` in `dir`, as a learner types it, with the clone's own `target/`.
fn cargo_xtask(dir: &Path, args: &[&str], nats_server: &Path) -> Output {
    let mut command = Command::new(env!("CARGO"));
    command
        .current_dir(dir)
        .arg("xtask")
        .args(args)
        .env("NATS_SERVER_BIN", nats_server)
        .env_remove("CARGO_TARGET_DIR");
    // This test's own package variables describe the original workspace: not the clone's.
    for (name, _) in std::env::vars() {
        if name.starts_with("CARGO_PKG_") || name.starts_with("CARGO_MANIFEST") {
            command.env_remove(name);
        }
    }
    command.output().unwrap()
}

#[test]
fn a_renamed_clone_runs_its_tasks_in_the_new_folder() {
    let (nats_server, _) = nats_servers::find_nats_server().unwrap();
    let base = std::env::temp_dir().join(format!("xtask-moved-clone-{}", std::process::id()));
    let _ = fs::remove_dir_all(&base);
    let (before, after) = (base.join("tutorial-a"), base.join("tutorial-b"));
    copy_sources(&nats_servers::workspace_root(), &before);

    // 1. xtask is built in the first folder.
    let help = cargo_xtask(&before, &["help"], &nats_server);
    assert!(help.status.success(), "{help:?}");

    // 2. The folder is renamed; cargo sees nothing to rebuild.
    fs::rename(&before, &after).unwrap();

    // 3. A task that starts cargo works, in the new folder: the lessons' checks, which build
    //    a small crate there and read the lessons of the new folder.
    let out = cargo_xtask(&after, &["lessons"], &nats_server);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("cannot start"), "{text}");
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("async-sub") && text.contains(" of 75"),
        "{text}"
    );
    assert!(
        after.join("target").join("debug").join("deps").is_dir(),
        "nothing was built in the new folder:\n{text}"
    );
    assert!(!before.exists());
    let _ = fs::remove_dir_all(&base);
}
