//! `cargo xtask test`: everything CI checks.

use std::time::{Duration, Instant};

use crate::setup::ensure_nats_server;
use crate::workspace::{self, cargo};
use crate::{build_bench, docs, exercises};

/// `cargo xtask test`: the tests (against a real nats-server), formatting and lints.
pub fn run() -> Result<(), String> {
    let bin = ensure_nats_server()?;
    crate::setup::ensure_older_nats_server()?;
    // The lessons' scene tests write the guide's transcripts afresh; the guide check below
    // reads them, so a scene that no longer records a block cannot hide behind an old file.
    let _ = std::fs::remove_dir_all(docs::transcripts_dir());
    let cargo_checks: [(&str, &[&str]); 4] = [
        // xtask's `pki` feature: its secured servers' code and tests (a plain xtask leaves
        // them out, and runs itself again with it for those servers).
        (
            "tests",
            &[
                "test",
                "--workspace",
                "--no-fail-fast",
                "--features",
                "xtask/pki",
            ],
        ),
        ("rustfmt", &["fmt", "--all", "--check"]),
        (
            "clippy",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--features",
                "xtask/pki",
                "--",
                "-D",
                "warnings",
            ],
        ),
        // The plain xtask that `cargo xtask server` builds, and nats-servers without `pki`.
        (
            "clippy of the plain xtask",
            &["clippy", "--package", "xtask", "--", "-D", "warnings"],
        ),
    ];
    let mut verdicts = Vec::new();
    for (name, args) in cargo_checks {
        println!("\nxtask: cargo {}", args.join(" "));
        let started = Instant::now();
        let status = workspace::status(cargo().args(args).env("NATS_SERVER_BIN", &bin))?;
        verdicts.push((name, status.success(), started.elapsed()));
    }
    verdicts.extend(own_checks());
    println!();
    // Each check's time too: where a run's minutes go (a first run compiles in "tests").
    for (name, ok, took) in &verdicts {
        let verdict = if *ok { "ok" } else { "FAIL" };
        println!(
            "xtask test: {verdict:4} {name} ({:.0} s)",
            took.as_secs_f64()
        );
    }
    let failed: Vec<&str> = verdicts
        .iter()
        .filter(|(_, ok, _)| !ok)
        .map(|(name, _, _)| *name)
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("failed: {}", failed.join(", ")))
    }
}

/// One of xtask's own checks.
type Check = fn() -> Result<(), String>;

/// The checks xtask makes itself, each with its verdict; a failure says why on stderr.
fn own_checks() -> Vec<(&'static str, bool, Duration)> {
    let checks: [(&str, &str, Check); 3] = [
        (
            "guide",
            "cargo xtask docs (the guide against the code and the transcripts the tests just wrote)",
            || docs::run(false),
        ),
        (
            "dependencies",
            "cargo tree --duplicates (no crate compiled in two versions)",
            build_bench::check_duplicates,
        ),
        (
            "exercises",
            "the exercises: every starter fails its checks, every solution passes",
            exercises::verify,
        ),
    ];
    checks
        .into_iter()
        .map(|(name, what, check)| {
            println!("\nxtask: {what}");
            let started = Instant::now();
            let result = check();
            if let Err(problem) = &result {
                eprintln!("xtask: {problem}");
            }
            (name, result.is_ok(), started.elapsed())
        })
        .collect()
}

/// `cargo xtask lessons`: the checks crate's lesson test, with its table of sizes shown.
pub fn lessons() -> Result<(), String> {
    checks_test(&["lessons"], "a lesson check failed (above)")
}

/// The checks crate's tests that `filter` selects (`--ignored` among them, for those that
/// `cargo test` leaves out), their output shown; `failed` when one fails.
pub fn checks_test(filter: &[&str], failed: &str) -> Result<(), String> {
    let mut command = cargo();
    let test = [
        "test",
        "--quiet",
        "--package",
        "checks",
        "--test",
        "checks",
        "--",
    ];
    command.args(test).args(filter).arg("--nocapture");
    match workspace::status(&mut command)?.success() {
        true => Ok(()),
        false => Err(failed.into()),
    }
}
