//! Running a tutorial step binary and watching what it prints.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use nats_servers::{Lines, follow};

/// Variables that change what a step does. [`Step::command`] removes them, so that a test
/// sees the same behaviour whatever the developer's shell has set.
/// Whether a variable of the shell is one a step reads: every `NATS_*` setting (the README's
/// table, and any added later) and `RUST_LOG`. A step under test gets none of them but those
/// the test sets itself.
fn read_by_steps(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with("NATS_") || name == "RUST_LOG"
}

/// A running step binary. Dropping it kills the process if it is still running.
pub struct Step {
    pid: u32,
    started: Instant,
    all: Lines,
    stdout: Lines,
    stderr: Lines,
    exit: Receiver<Option<i32>>,
    exited: Option<Option<i32>>,
}

/// What a finished step printed and how it ended.
#[derive(Clone, Debug)]
pub struct Output {
    /// The exit code; `None` when a signal ended the process.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// Both streams, line by line in the order they were read.
    pub all: String,
    /// From the start of the process to its exit.
    pub elapsed: Duration,
}

impl Output {
    /// True when `needle` appears in stdout or stderr.
    pub fn contains(&self, needle: &str) -> bool {
        self.all.contains(needle)
    }

    /// Asserts that the output's first lines end with `expected`, in order (log lines start
    /// with a timestamp and level, so only their ends are compared); shows the whole output
    /// when one does not.
    #[track_caller]
    pub fn assert_first_lines(&self, expected: &[&str]) {
        let lines: Vec<&str> = self.all.lines().collect();
        assert!(lines.len() >= expected.len(), "{}", self.all);
        for (line, end) in lines.iter().zip(expected) {
            assert!(
                line.ends_with(end),
                "expected a line ending with {end:?}:\n{}",
                self.all
            );
        }
    }
}

impl Output {
    /// True when one line holds every one of `parts`: the data a claim is about (a name and a
    /// count, say), without the words around them, which are the guide's block's to hold.
    pub fn has_line_with(&self, parts: &[&str]) -> bool {
        let holds = |line: &&str| parts.iter().all(|part| line.contains(part));
        self.all.lines().any(|line| holds(&line))
    }

    /// Asserts that lines containing each of `expected` come in that order (other lines may
    /// come between them); shows the whole output at the first one missing.
    #[track_caller]
    pub fn assert_lines_in_order(&self, expected: &[&str]) {
        let lines: Vec<&str> = self.all.lines().collect();
        let mut at = 0;
        for want in expected {
            let found = lines[at..].iter().position(|line| line.contains(want));
            let found =
                found.unwrap_or_else(|| panic!("no {want:?} after line {at}:\n{}", self.all));
            at += found + 1;
        }
    }
}

impl Step {
    /// A command for the binary at `bin`, with the step variables (`NATS_URL`, `NATS_USER`,
    /// `NATS_PASSWORD`, `RUST_LOG`) removed from the environment it inherits.
    pub fn command(bin: impl AsRef<Path>) -> Command {
        let mut command = Command::new(bin.as_ref());
        for (variable, _) in std::env::vars_os().filter(|(name, _)| read_by_steps(name)) {
            command.env_remove(variable);
        }
        command
    }

    /// Starts `command` with its output captured.
    pub fn start(command: &mut Command) -> crate::Result<Step> {
        Self::start_echo(command, None)
    }

    /// Starts `command` with its output captured, and printed after `echo` when given.
    pub fn start_echo(command: &mut Command, echo: Option<String>) -> crate::Result<Step> {
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().map_err(|err| {
            crate::Failure(format!("cannot start {:?}: {err}", command.get_program()))
        })?;
        let started = Instant::now();
        let (all, stdout, stderr) = (Lines::new(), Lines::new(), Lines::new());
        if let Some(out) = child.stdout.take() {
            follow(out, vec![all.clone(), stdout.clone()], echo.clone());
        }
        if let Some(err) = child.stderr.take() {
            follow(err, vec![all.clone(), stderr.clone()], echo);
        }
        let pid = child.id();
        let (tx, exit) = mpsc::channel();
        thread::spawn(move || {
            let code = child.wait().ok().and_then(|status| status.code());
            let _ = tx.send(code);
        });
        Ok(Step {
            pid,
            started,
            all,
            stdout,
            stderr,
            exit,
            exited: None,
        })
    }

    /// Runs `command` to its end (killing it after `timeout`) and returns its output.
    pub fn run(command: &mut Command, timeout: Duration) -> crate::Result<Output> {
        Step::start(command)?.wait_exit(timeout)
    }

    /// Waits for a line of output (stdout or stderr) containing `needle`.
    pub fn wait_for_line(&self, needle: &str, timeout: Duration) -> crate::Result<String> {
        self.all.wait_for(needle, timeout)
    }

    /// Waits for the `count`-th line of output containing `needle`.
    pub fn wait_for_lines(
        &self,
        needle: &str,
        count: usize,
        timeout: Duration,
    ) -> crate::Result<String> {
        self.all.wait_for_count(needle, count, timeout)
    }

    /// Every line printed so far (stdout and stderr, in the order they were read).
    pub fn lines(&self) -> Vec<String> {
        self.all.snapshot()
    }

    /// Both output streams so far.
    pub fn output_so_far(&self) -> String {
        self.all.text()
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Sends SIGINT, what Ctrl-C in a terminal sends. (Outside Unix: ends the process.)
    ///
    /// tokio installs a step's Ctrl-C handler when the step first waits for Ctrl-C; a SIGINT
    /// that comes earlier kills the process. So interrupt only once the step has shown it is
    /// past that point: for the subscribers, once they have handled a message.
    pub fn interrupt(&self) -> crate::Result<()> {
        self.signal("INT")
    }

    /// Ends the process at once.
    pub fn kill(&self) -> crate::Result<()> {
        self.signal("KILL")
    }

    #[cfg(unix)]
    fn signal(&self, name: &str) -> crate::Result<()> {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid.to_string())
            .status()
            .map_err(|err| crate::Failure(format!("cannot run kill: {err}")))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("kill -{name} {} failed: {status}", self.pid).into())
        }
    }

    #[cfg(not(unix))]
    fn signal(&self, _name: &str) -> crate::Result<()> {
        let status = Command::new("taskkill")
            .args(["/F", "/PID", &self.pid.to_string()])
            .status()
            .map_err(|err| crate::Failure(format!("cannot run taskkill: {err}")))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("taskkill {} failed: {status}", self.pid).into())
        }
    }

    /// Waits up to `timeout` for the process to exit and returns its output. When it does
    /// not exit in time, it is killed and the error says so, with the output so far.
    pub fn wait_exit(&mut self, timeout: Duration) -> crate::Result<Output> {
        let code = match self.exited {
            Some(code) => code,
            None => match self.exit.recv_timeout(timeout) {
                Ok(code) => code,
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.kill();
                    return Err(format!(
                        "the process did not exit within {timeout:?}; output so far:\n{}",
                        self.output_so_far()
                    )
                    .into());
                }
                Err(RecvTimeoutError::Disconnected) => None,
            },
        };
        let elapsed = self.started.elapsed();
        self.exited = Some(code);
        // The exit can be seen before the last lines are read: let the readers finish.
        self.all.wait_closed(Duration::from_secs(5));
        Ok(Output {
            code,
            stdout: self.stdout.text(),
            stderr: self.stderr.text(),
            all: self.all.text(),
            elapsed,
        })
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        if self.exited.is_none() && self.exit.try_recv().is_err() {
            let _ = self.kill();
        }
    }
}
