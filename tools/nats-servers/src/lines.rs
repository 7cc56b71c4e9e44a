//! A growing list of output lines that one thread appends to and others wait on.

use std::io::{BufRead, BufReader, Read};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Reads `source` line by line on a new thread until EOF, appending every line to each of
/// `sinks`. When `echo` is set, each line is also printed with that prefix for a person
/// watching (xtask's server and tour).
pub fn follow(source: impl Read + Send + 'static, sinks: Vec<Lines>, echo: Option<String>) {
    for sink in &sinks {
        sink.lock().open_readers += 1;
    }
    thread::spawn(move || {
        for line in BufReader::new(source).lines() {
            let Ok(line) = line else { break };
            if let Some(prefix) = &echo {
                println!("{prefix}{line}");
            }
            for sink in &sinks {
                sink.push(line.clone());
            }
        }
        for sink in &sinks {
            sink.lock().open_readers -= 1;
            sink.inner.1.notify_all();
        }
    });
}

/// Lines read from a child process's stdout or stderr, shared between the reader threads
/// and the test. Waiting uses a condition variable, so a wait ends as soon as a line arrives.
#[derive(Clone, Default)]
pub struct Lines {
    inner: Arc<(Mutex<State>, Condvar)>,
}

#[derive(Default)]
struct State {
    lines: Vec<String>,
    /// Readers still attached (a stream at EOF detaches).
    open_readers: usize,
}

impl Lines {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&self, line: String) {
        self.lock().lines.push(line);
        self.inner.1.notify_all();
    }

    /// Every line so far.
    pub fn snapshot(&self) -> Vec<String> {
        self.lock().lines.clone()
    }

    /// Every line so far, joined with newlines.
    pub fn text(&self) -> String {
        self.snapshot().join("\n")
    }

    pub fn contains(&self, needle: &str) -> bool {
        self.lock().lines.iter().any(|line| line.contains(needle))
    }

    /// Waits until some line (already there or still to come) contains `needle`, and returns
    /// it. Fails when `timeout` passes, or when every reader reached EOF without it.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> crate::Result<String> {
        self.wait_for_count(needle, 1, timeout)
    }

    /// Like [`Lines::wait_for`], for the `count`-th line that contains `needle`.
    pub fn wait_for_count(
        &self,
        needle: &str,
        count: usize,
        timeout: Duration,
    ) -> crate::Result<String> {
        let deadline = Instant::now() + timeout;
        let (state, signal) = &*self.inner;
        let mut guard = state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        loop {
            let found: Vec<&String> = guard
                .lines
                .iter()
                .filter(|line| line.contains(needle))
                .collect();
            if found.len() >= count {
                return Ok(found[count - 1].clone());
            }
            let now = Instant::now();
            let ended = guard.open_readers == 0;
            if now >= deadline || ended {
                let why = if ended {
                    "the output ended"
                } else {
                    "timed out"
                };
                return Err(format!(
                    "{why} before line #{count} containing {needle:?} (seen {} such); \
                     output so far:\n{}",
                    found.len(),
                    guard.lines.join("\n")
                )
                .into());
            }
            guard = signal
                .wait_timeout(guard, deadline - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }

    /// Waits until every reader reached EOF (the process closed its output), up to `timeout`.
    pub fn wait_closed(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let (state, signal) = &*self.inner;
        let mut guard = state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        while guard.open_readers > 0 {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            guard = signal
                .wait_timeout(guard, deadline - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
        true
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
