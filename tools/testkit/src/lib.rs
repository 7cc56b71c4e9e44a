//! testkit: the harness behind the tests and `cargo xtask`.
//!
//! - [`NatsServer`] finds and starts a real `nats-server` on free loopback ports (plain, with a
//!   user and password or a token, with protocol tracing, with a configuration file), waits
//!   until it accepts connections, restarts it on the same port and stops it on drop;
//!   [`Cluster`] joins several of them with routes.
//! - [`Step`] runs a tutorial step binary, collects its output line by line, waits for lines
//!   with a deadline, interrupts it like Ctrl-C and waits for its exit.
//! - [`Observer`], [`publish`], [`publish_all`] and [`requests`] are a second NATS client for
//!   tests: what did a subscriber really receive, messages and requests to feed a step, and a
//!   responder ([`Observer::respond`]).
//! - [`checks`] are the behaviours every step shares (no server, bad subjects, ...), each a
//!   function a step's test calls; [`start_exercise`] and [`exercise_bin`] serve the
//!   exercises' checks.
//!
//! Everything blocks the calling thread with a deadline; tests are plain `#[test]` functions.

pub mod checks;
mod client;
mod lines;
mod locate;
pub mod pki;
pub mod sealed;
mod server;
mod step;

pub use client::{Observer, Received, publish, publish_all, read_stream, requests};
pub use lines::Lines;
pub use locate::{
    NATS_SERVER_PIN, Source, find_nats_server, install_help, installed_nats_server,
    installed_nats_server_dir, nats_server_on_path, nats_server_version, workspace_root,
};
pub use server::{
    Cluster, NatsServer, NodePorts, ServerOptions, free_port, monitor, port_retries,
    watch_free_ports,
};
pub use step::{Output, Step};

use std::fmt;
use std::time::Duration;

/// Why the harness could not do what a test asked: a plain explanation, often with the
/// output captured so far. Its `Debug` form is the same text, so `unwrap()` in a test
/// prints it as readable lines instead of one escaped string.
pub struct Failure(pub String);

/// The harness's result type.
pub type Result<T> = std::result::Result<T, Failure>;

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure(message)
    }
}

/// Asks `check` every 10 ms until it gives `Some`, and returns that; `None` once `timeout`
/// has passed. The one place that polls: for conditions nobody announces (a server's
/// subscriptions and routes, a count of output lines), where a test cannot wait on an event.
pub fn wait_until<T>(timeout: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(found) = check() {
            return Some(found);
        }
        if std::time::Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// How long a test waits for something that normally takes milliseconds. Generous, because a
/// 2-core CI machine building and testing at once can be slow; a passing test never waits it.
pub const PATIENCE: Duration = Duration::from_secs(15);

/// The binary an exercise's checks run: `EXERCISE_BIN` when set (CI points it at the
/// reference solution), else the student's own build of the exercise (`default`).
pub fn exercise_bin(default: &str) -> String {
    std::env::var("EXERCISE_BIN")
        .ok()
        .filter(|bin| !bin.is_empty())
        .unwrap_or_else(|| default.to_string())
}

/// How long an exercise check waits for something: short, so that a student's unfinished
/// code fails fast with its hint.
pub const EXERCISE_PATIENCE: Duration = Duration::from_secs(5);

/// Starts an exercise's binary (see [`exercise_bin`]) against `server` with `args`. With a
/// `subject`, it also waits until the program subscribes to it, and fails with a hint if it
/// never does.
pub fn start_exercise(
    bin: &str,
    server: &NatsServer,
    args: &[&str],
    subject: Option<&str>,
) -> Step {
    let mut command = Step::command(exercise_bin(bin));
    command.env("NATS_URL", server.url()).args(args);
    let step = Step::start(&mut command).unwrap_or_else(|err| panic!("{err}"));
    if let Some(subject) = subject
        && server
            .wait_for_subscription(subject, EXERCISE_PATIENCE)
            .is_err()
    {
        panic!(
            "hint: keep the subscription to {subject}\n\noutput:\n{}",
            step.output_so_far()
        );
    }
    step
}
