//! `cargo xtask check [EXERCISE]`: runs an exercise's checks against the student's code and a
//! real nats-server, and says what passes, what does not, and the next hint.
//!
//! Each exercise is a crate in `exercises/NAME` (starter code, README with the task and hints,
//! `tests/check.rs`); its reference solution is `solutions/NAME`. The checks run the binary
//! that `EXERCISE_BIN` names, or the exercise's own; CI points them at both (`verify`): every
//! starter must fail its checks, every solution must pass them.

use std::path::PathBuf;

use crate::setup::ensure_nats_server;
use crate::workspace::{self, binary, cargo};

/// What one run of an exercise's checks showed.
struct Report {
    passed: Vec<String>,
    failed: Vec<String>,
    /// The `hint:` of the first failing check.
    hint: Option<String>,
    /// cargo's error output when nothing ran (the code does not compile).
    broken: Option<String>,
}

/// Checks named `still_...` test what the starter already does and must keep doing (an error
/// line for wrong credentials, say); they are not progress, so "N of M" leaves them out.
const KEPT: &str = "still_";

impl Report {
    fn done(&self) -> bool {
        self.broken.is_none() && self.failed.is_empty() && !self.passed.is_empty()
    }

    /// The result a class keeps: `passed`, `N of M` or `does not compile`.
    fn result(&self) -> String {
        let (passed, total) = self.progress();
        let broken = self.broken.as_ref().map(|_| "does not compile".to_string());
        let done = self.done().then(|| "passed".to_string());
        done.or(broken)
            .unwrap_or_else(|| format!("{passed} of {total}"))
    }

    /// How many of the checks of the student's work pass, and how many there are.
    fn progress(&self) -> (usize, usize) {
        let work = |tests: &[String]| tests.iter().filter(|t| !t.starts_with(KEPT)).count();
        let passed = work(&self.passed);
        (passed, passed + work(&self.failed))
    }
}

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
    for name in &exercises {
        let starter = run_checks(name, None, &server)?;
        let solution = run_checks(name, Some(binary(&format!("solution-{name}"))), &server)?;
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

/// The names of the `#[test]` functions of a check file, in the order they are written: the
/// order in which a student meets them (the tests themselves run in parallel).
fn check_order(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut lines = source.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "#[test]" {
            let name = lines
                .next()
                .and_then(|next| next.trim().strip_prefix("fn "))
                .and_then(|rest| rest.split('(').next());
            names.extend(name.map(str::to_string));
        }
    }
    names
}

/// Reads libtest's output: `test NAME ... ok` / `... FAILED`, sorted in `order`, and in the
/// first failure's section (`---- NAME stdout ----`), the panic message's `hint:` line.
fn read_report(stdout: &str, stderr: &str, order: &[String]) -> Report {
    let mut report = Report {
        passed: Vec::new(),
        failed: Vec::new(),
        hint: None,
        broken: None,
    };
    for line in stdout.lines() {
        let Some(rest) = line.strip_prefix("test ") else {
            continue;
        };
        if let Some(test) = rest.strip_suffix(" ... ok") {
            report.passed.push(test.to_string());
        } else if let Some(test) = rest.strip_suffix(" ... FAILED") {
            report.failed.push(test.to_string());
        }
    }
    let rank = |test: &String| order.iter().position(|name| name == test);
    report.passed.sort_by_key(rank);
    report.failed.sort_by_key(rank);
    let first_failure = report.failed.first().cloned();
    if let Some(first) = first_failure {
        let section = format!("---- {first} stdout ----");
        report.hint = stdout
            .lines()
            .skip_while(|line| *line != section)
            .skip(1)
            .take_while(|line| !line.starts_with("---- "))
            .find_map(|line| line.split_once("hint: ").map(|(_, hint)| hint.to_string()));
    }
    if report.passed.is_empty() && report.failed.is_empty() {
        report.broken = Some(first_error(stderr));
    }
    report
}

/// rustc's first error, whole: the `error` line, where it is, and its `help:` (often the line
/// that fixes it), up to the blank line that ends it. Warnings and the closing "could not
/// compile" are left out. When there is no such error, cargo's last lines.
fn first_error(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let start = lines.iter().position(|line| {
        line.starts_with("error") && !line.starts_with("error: could not compile")
    });
    match start {
        Some(start) => lines[start..]
            .iter()
            .take_while(|line| !line.trim().is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("\n"),
        None => {
            let last: Vec<&str> = lines.iter().rev().take(5).rev().copied().collect();
            last.join("\n")
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_lists_checks_and_the_first_failures_hint() {
        let stdout = "running 2 tests\n\
            test it_numbers_each_message ... FAILED\n\
            test it_logs_the_total ... ok\n\
            \n\
            failures:\n\
            \n\
            ---- it_numbers_each_message stdout ----\n\
            \n\
            thread 'it_numbers_each_message' panicked at exercises/counter/tests/check.rs:1:1:\n\
            hint: keep a counter in the handler task\n\
            \n\
            output:\n\
            test result: FAILED. 1 passed; 1 failed";
        let order = check_order(
            "#[test]\nfn it_numbers_each_message() {}\n#[test]\nfn it_logs_the_total() {}",
        );
        assert_eq!(order, ["it_numbers_each_message", "it_logs_the_total"]);
        let report = read_report(stdout, "", &order);
        assert_eq!(report.passed, ["it_logs_the_total"]);
        assert_eq!(report.failed, ["it_numbers_each_message"]);
        assert_eq!(
            report.hint.as_deref(),
            Some("keep a counter in the handler task")
        );
        assert!(!report.done());
    }

    #[test]
    fn code_that_does_not_compile_is_reported_with_rustcs_first_error_whole() {
        let stderr = "   Compiling exercise-timeouts\n\
            warning: unused import: `x`\n \
             --> exercises/timeouts/tests/check.rs:5:15\n\
            \n\
            error[E0433]: failed to resolve: use of undeclared type `Duration`\n  \
              --> exercises/timeouts/src/main.rs:30:38\n   \
               |\n\
            help: consider importing this struct\n   \
               |\n\
            4  + use std::time::Duration;\n\
            \n\
            error: could not compile `exercise-timeouts`\n";
        let report = read_report("", stderr, &[]);
        let broken = report.broken.clone().unwrap_or_default();
        assert!(broken.starts_with("error[E0433]"), "{broken}");
        assert!(broken.contains("use std::time::Duration;"), "{broken}");
        assert!(!broken.contains("check.rs") && !broken.contains("could not compile"));
        assert!(!report.done());
    }

    #[test]
    fn checks_of_what_the_starter_already_does_are_not_progress() {
        let stdout = "test still_connects ... ok\ntest it_uses_a_token ... FAILED\n";
        let report = read_report(stdout, "", &[]);
        assert_eq!(report.progress(), (0, 1));
    }
}
