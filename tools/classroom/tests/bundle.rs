//! `classroom bundle`: a student copy sets up from the bundle with the network unused. cargo
//! runs `--offline` with an empty CARGO_HOME (no registry cache to fall back on), so every crate
//! comes from the bundle; the bundled nats-server runs. For the teacher's own platform.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use nats_servers::pki::ScratchDir;

#[test]
fn a_student_copy_builds_offline_from_the_bundle() {
    let scratch = ScratchDir::new("bundle");
    let copy = scratch.path().join("nats-class");
    for args in [["handout", "."], ["bundle", "bundle"]] {
        let to = if args[1] == "." {
            copy.clone()
        } else {
            copy.join(args[1])
        };
        let mut command = Command::new(env!("CARGO_BIN_EXE_classroom"));
        let out = command.arg(args[0]).arg(&to).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    print_size(&copy.join("bundle"));
    // The README's steps, in the copy.
    let config = std::fs::read_to_string(copy.join("bundle/cargo-config.toml")).unwrap();
    let cargo_config = copy.join(".cargo/config.toml");
    let before = std::fs::read_to_string(&cargo_config).unwrap();
    std::fs::write(&cargo_config, before + "\n" + &config).unwrap();
    let home = scratch.path().join("empty-cargo-home");
    std::fs::create_dir_all(&home).unwrap();
    let target = nats_servers::workspace_root().join("target/bundle-build");
    let built = Command::new(env!("CARGO"))
        .current_dir(&copy)
        .args([
            "build",
            "--offline",
            "--quiet",
            "-p",
            "pub-simple",
            "-p",
            "async-sub",
        ])
        .env("CARGO_HOME", &home)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "no offline build from the bundle:\n{}",
        String::from_utf8_lossy(&built.stderr)
    );

    let server = std::fs::read_dir(copy.join("bundle/nats-server"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let version = Command::new(&server).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).contains(nats_servers::NATS_SERVER_PIN));
}

/// The bundle's size, for teachers.md: printed, never asserted
/// (`cargo test -p classroom --test bundle -- --nocapture`).
fn print_size(bundle: &std::path::Path) {
    fn size(path: &std::path::Path) -> u64 {
        let Ok(meta) = std::fs::symlink_metadata(path) else {
            return 0;
        };
        if !meta.is_dir() {
            return meta.len();
        }
        let entries = std::fs::read_dir(path).into_iter().flatten().flatten();
        entries.map(|entry| size(&entry.path())).sum()
    }
    let crates = std::fs::read_dir(bundle.join("crates")).unwrap().count();
    let mb = |path: &str| size(&bundle.join(path)) as f64 / 1e6;
    println!(
        "bundle: crates/ holds {crates} crates, {:.0} MB; nats-server/ {:.0} MB",
        mb("crates"),
        mb("nats-server")
    );
}
