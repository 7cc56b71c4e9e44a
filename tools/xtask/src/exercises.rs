//! `cargo xtask check [EXERCISE]`: runs an exercise's checks against the student's code and a
//! real nats-server, and says what passes, what does not, and the next hint.
//!
//! Each exercise is a crate in `exercises/NAME` (starter code, README with the task and hints,
//! `tests/check.rs`); its reference solution is `solutions/NAME`. The checks run the binary
//! that `EXERCISE_BIN` names, or the exercise's own; CI points them at both (`verify`): every
//! starter must fail its checks, every solution must pass them.

use std::path::PathBuf;

mod report;

use report::{KEPT, Report, check_order, read_report};

use crate::setup::ensure_nats_server;
use crate::workspace::{self, binary, cargo};

/// `cargo xtask check NAME` (one exercise, in detail) or `cargo xtask check` (progress).
pub fn check(name: Option<&str>) -> Result<(), String> {
    let server = ensure_nats_server()?;
    let exercises = workspace::exercises()?;
    match name {
        Some(name) => {
            if !exercises.iter().any(|exercise| exercise == name) {
                return Err(format!(
                    "there is no exercise '{name}'; the exercises are: {}",
                    exercises.join(", ")
                ));
            }
            println!("xtask: checking exercises/{name} against a real nats-server...");
            let report = run_checks(name, None, &server)?;
            print_report(name, &report);
            crate::class::report(name, &report.result());
            if report.done() {
                Ok(())
            } else {
                Err(format!("exercise {name} is not done yet"))
            }
        }
        None => {
            println!("xtask: checking every exercise (this takes a minute)...\n");
            let mut done = 0;
            let mut next = None;
            for name in &exercises {
                let report = run_checks(name, None, &server)?;
                let (passed, total) = report.progress();
                let status = if report.done() {
                    done += 1;
                    "[x] done".to_string()
                } else if report.broken.is_some() {
                    "[ ] does not compile yet".to_string()
                } else {
                    format!("[ ] {passed} of {total} checks pass")
                };
                println!("  {name:<14} {status}");
                crate::class::report(name, &report.result());
                if !report.done() && next.is_none() {
                    next = Some(name);
                }
            }
            println!("\n{done} of {} exercises done.", exercises.len());
            match next {
                Some(name) => println!(
                    "Next: read exercises/{name}/README.md, then run cargo xtask check {name}"
                ),
                None => println!("All done. Well played!"),
            }
            Ok(())
        }
    }
}

/// CI: every unmodified starter fails its checks, and every reference solution passes them.
pub fn verify() -> Result<(), String> {
    let server = ensure_nats_server()?;
    let exercises = workspace::exercises()?;
    let mut build = cargo();
    build.arg("build");
    for name in &exercises {
        build.args(["--package", &format!("solution-{name}")]);
    }
    let status = workspace::status(&mut build)?;
    if !status.success() {
        return Err("the reference solutions do not build".to_string());
    }
    let mut problems = starter_warnings(&exercises)?;
    for (name, runs) in exercises.iter().zip(in_parallel(&exercises, &server)) {
        let (starter, solution) = runs?;
        // An untouched starter passes none of the checks of the student's work.
        let (starter_passed, starter_total) = starter.progress();
        let starter_fails = starter.broken.is_none() && starter_passed == 0;
        let starter_verdict = if starter_fails { "fails" } else { "PASSES" };
        let solution_verdict = if solution.done() { "passes" } else { "FAILS" };
        println!(
            "xtask: exercise {name:<14} starter {starter_verdict} ({starter_passed} of \
             {starter_total} checks), solution {solution_verdict}"
        );
        if !starter_fails {
            problems.push(format!(
                "the starter of {name} passes {starter_passed} check(s) of the student's work{}",
                starter
                    .broken
                    .as_ref()
                    .map(|err| format!(" (it does not compile: {err})"))
                    .unwrap_or_default()
            ));
        }
        if !solution.done() {
            problems.push(format!(
                "the solution of {name} fails: {}",
                solution
                    .broken
                    .clone()
                    .unwrap_or_else(|| solution.failed.join(", "))
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Each exercise's checks against its starter and its solution, four exercises at a time: a
/// check mostly waits (for a message, or for a starter's patience to run out), so running them
/// side by side takes a quarter of the time on two cores. The results come back in order.
fn in_parallel(names: &[String], server: &PathBuf) -> Vec<Result<(Report, Report), String>> {
    let next = std::sync::Mutex::new(names.iter().enumerate());
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                while let Some((index, name)) = next.lock().ok().and_then(|mut it| it.next()) {
                    let solution = binary(&format!("solution-{name}"));
                    let runs = run_checks(name, None, server).and_then(|starter| {
                        Ok((starter, run_checks(name, Some(solution), server)?))
                    });
                    results.lock().map(|mut all| all.push((index, runs))).ok();
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, runs)| runs).collect()
}

/// Builds every starter with its checks, as a student first does: they must compile, and
/// without a warning from the starter or its check file (a stray warning in `cargo xtask
/// check` sends a student looking in the wrong place). Cargo replays the warnings of crates it
/// does not rebuild, so this sees them on every run.
fn starter_warnings(exercises: &[String]) -> Result<Vec<String>, String> {
    let mut build = cargo();
    build.args(["test", "--no-run"]);
    for name in exercises {
        build.args(["--package", &format!("exercise-{name}")]);
    }
    build.args(["--test", "check"]);
    let output = workspace::output(&mut build)?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    // A warning is its `warning: ...` line, then ` --> FILE:LINE:COLUMN`.
    let mut problems: Vec<String> = lines
        .windows(2)
        .filter(|pair| pair[0].starts_with("warning"))
        .filter_map(|pair| {
            let place = pair[1].trim_start().strip_prefix("--> ")?;
            place
                .starts_with("exercises/")
                .then(|| format!("a starter or check file warns at {place}: {}", pair[0]))
        })
        .collect();
    if !output.status.success() {
        problems.push(format!("the starters do not build:\n{stderr}"));
    }
    Ok(problems)
}

/// Runs `cargo test -p exercise-NAME --test check` (against `bin` when given) and reads the
/// verdict of each check from its output.
fn run_checks(name: &str, bin: Option<PathBuf>, server: &PathBuf) -> Result<Report, String> {
    let mut command = cargo();
    command
        .args(["test", "--package", &format!("exercise-{name}")])
        .args(["--test", "check", "--", "--color", "never"])
        .env("NATS_SERVER_BIN", server)
        .env("EXERCISE_BIN", bin.unwrap_or_default())
        .current_dir(workspace::root());
    let output = workspace::output(&mut command)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let checks = workspace::root()
        .join("exercises")
        .join(name)
        .join("tests")
        .join("check.rs");
    let order = std::fs::read_to_string(checks)
        .map(|source| check_order(&source))
        .unwrap_or_default();
    Ok(read_report(&stdout, &stderr, &order))
}

fn print_report(name: &str, report: &Report) {
    println!();
    if let Some(errors) = &report.broken {
        println!("exercise {name}: the code does not compile yet.\n{errors}");
        println!("\n(cargo build -p exercise-{name} shows the full messages)");
        return;
    }
    let work = |test: &&String| !test.starts_with(KEPT);
    for test in report.passed.iter().filter(work) {
        println!("  [x] {}", test.replace('_', " "));
    }
    for test in report.failed.iter().filter(work) {
        println!("  [ ] {}", test.replace('_', " "));
    }
    // (Passed checks first, then the ones still to do, each group in the file's order.)
    let kept: Vec<(&String, bool)> = report
        .passed
        .iter()
        .map(|test| (test, true))
        .chain(report.failed.iter().map(|test| (test, false)))
        .filter(|(test, _)| test.starts_with(KEPT))
        .collect();
    if !kept.is_empty() {
        println!("  what the starter already does, and must go on doing:");
        for (test, ok) in kept {
            let mark = if ok { "x" } else { " " };
            println!("  [{mark}] {}", test.replace('_', " "));
        }
    }
    let (passed, total) = report.progress();
    if report.done() {
        println!("\nexercise {name}: all {total} checks pass. Done!");
        let exercises = workspace::exercises().unwrap_or_default();
        let next = exercises
            .iter()
            .skip_while(|exercise| *exercise != name)
            .nth(1);
        if let Some(next) = next {
            println!("Next: exercises/{next}/README.md, then cargo xtask check {next}");
        }
    } else {
        println!("\nexercise {name}: {passed} of {total} checks pass.");
        match &report.hint {
            Some(hint) => println!("next hint: {hint}"),
            None => println!("next hint: see the Hints in exercises/{name}/README.md"),
        }
    }
}
