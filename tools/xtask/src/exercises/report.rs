//! What one run of an exercise's checks showed, read from libtest's output.

/// What one run of an exercise's checks showed.
pub(super) struct Report {
    pub(super) passed: Vec<String>,
    pub(super) failed: Vec<String>,
    /// The `hint:` of the first failing check.
    pub(super) hint: Option<String>,
    /// cargo's error output when nothing ran (the code does not compile).
    pub(super) broken: Option<String>,
}

/// Checks named `still_...` test what the starter already does and must keep doing (an error
/// line for wrong credentials, say); they are not progress, so "N of M" leaves them out.
pub(super) const KEPT: &str = "still_";

impl Report {
    pub(super) fn done(&self) -> bool {
        self.broken.is_none() && self.failed.is_empty() && !self.passed.is_empty()
    }

    /// The result a class keeps: `passed`, `N of M` or `does not compile`.
    pub(super) fn result(&self) -> String {
        let (passed, total) = self.progress();
        let broken = self.broken.as_ref().map(|_| "does not compile".to_string());
        let done = self.done().then(|| "passed".to_string());
        done.or(broken)
            .unwrap_or_else(|| format!("{passed} of {total}"))
    }

    /// How many of the checks of the student's work pass, and how many there are.
    pub(super) fn progress(&self) -> (usize, usize) {
        let work = |tests: &[String]| tests.iter().filter(|t| !t.starts_with(KEPT)).count();
        let passed = work(&self.passed);
        (passed, passed + work(&self.failed))
    }
}

/// The names of the `#[test]` functions of a check file, in the order they are written: the
/// order in which a student meets them (the tests themselves run in parallel).
pub(super) fn check_order(source: &str) -> Vec<String> {
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
pub(super) fn read_report(stdout: &str, stderr: &str, order: &[String]) -> Report {
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
