//! `cargo xtask test`: everything CI checks.

use crate::setup::ensure_nats_server;
use crate::workspace::{self, cargo};
use crate::{build_bench, docs, exercises};

/// `cargo xtask test`: the tests (against a real nats-server), formatting and lints.
pub fn run() -> Result<(), String> {
    let bin = ensure_nats_server()?;
    let cargo_checks: [(&str, &[&str]); 3] = [
        ("tests", &["test", "--workspace"]),
        ("rustfmt", &["fmt", "--all", "--check"]),
        (
            "clippy",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
    ];
    let mut verdicts = Vec::new();
    for (name, args) in cargo_checks {
        println!("\nxtask: cargo {}", args.join(" "));
        let status = workspace::status(cargo().args(args).env("NATS_SERVER_BIN", &bin))?;
        verdicts.push((name, status.success()));
    }
    println!("\nxtask: cargo xtask docs (the guide against the code and a fresh run)");
    let guide = docs::run(false);
    if let Err(problem) = &guide {
        eprintln!("xtask: {problem}");
    }
    verdicts.push(("guide", guide.is_ok()));

    println!("\nxtask: cargo xtask lessons (short lessons, no block repeated between them)");
    let lessons = crate::lessons::run();
    if let Err(problem) = &lessons {
        eprintln!("xtask: {problem}");
    }
    verdicts.push(("lessons", lessons.is_ok()));

    println!("\nxtask: cargo tree --duplicates (no crate compiled in two versions)");
    let tree = build_bench::check_duplicates();
    if let Err(problem) = &tree {
        eprintln!("xtask: {problem}");
    }
    verdicts.push(("dependencies", tree.is_ok()));

    println!("\nxtask: the exercises: every starter fails its checks, every solution passes");
    let exercises = exercises::verify();
    if let Err(problem) = &exercises {
        eprintln!("xtask: {problem}");
    }
    verdicts.push(("exercises", exercises.is_ok()));

    println!();
    for (name, ok) in &verdicts {
        println!("xtask test: {:4} {name}", if *ok { "ok" } else { "FAIL" });
    }
    let failed: Vec<&str> = verdicts
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(name, _)| *name)
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("failed: {}", failed.join(", ")))
    }
}
