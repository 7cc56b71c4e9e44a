//! Every step can be taken out: one step of each part of the guide (the tutorial, beyond it,
//! security, persistence: js-retention, a lesson in four files) is copied by `cargo xtask take-out` into a folder outside the
//! workspace and built there, offline, against the workspace's Cargo.lock. The four share one
//! target folder, kept between runs.
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use std::process::Command;

#[test]
fn one_step_of_each_part_builds_outside_the_workspace() {
    let root = nats_servers::workspace_root();
    let scratch = nats_servers::pki::ScratchDir::new("take-out");
    let target = root.join("target").join("take-out");
    for step in ["async-sub", "request", "nkey-pub", "js-retention"] {
        let dir = scratch.path().join(step);
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["take-out", step])
            .arg(&dir)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "cargo xtask take-out {step}:\n{said}");
        let built = Command::new(env!("CARGO"))
            .current_dir(&dir)
            .args(["build", "--offline", "--quiet"])
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .unwrap();
        assert!(
            built.status.success(),
            "{step}, taken out, does not build:\n{}",
            String::from_utf8_lossy(&built.stderr)
        );
        assert!(
            !String::from_utf8_lossy(&built.stderr).contains("warning"),
            "{step}, taken out, builds with warnings:\n{}",
            String::from_utf8_lossy(&built.stderr)
        );
    }
}
