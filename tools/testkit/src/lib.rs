//! testkit: the harness behind the tests (and the tour of `cargo xtask`).
//!
//! - The servers are the nats-servers crate's ([`NatsServer`], [`Cluster`], [`pki`]),
//!   re-exported here for the tests.
//! - [`Step`] runs a tutorial step binary, collects its output line by line, waits for lines
//!   with a deadline, interrupts it like Ctrl-C and waits for its exit.
//! - [`Observer`], [`publish`], [`publish_all`] and [`requests`] are a second NATS client for
//!   tests: what did a subscriber really receive, messages and requests to feed a step, and a
//!   responder ([`Observer::respond`]).
//! - [`checks`] are the behaviours every step shares (no server, bad subjects, ...), each a
//!   function a step's test calls; [`start_exercise`] and [`exercise_bin`] serve the
//!   exercises' checks.
//!
//! - [`sealed`] proves that the tests do not depend on the settings a learner's shell exports.
//!
//! Everything blocks the calling thread with a deadline; tests are plain `#[test]` functions.
#![warn(clippy::too_many_lines)]

pub mod checks;
mod client;
mod damage;
mod macros;
pub mod scene;
pub mod sealed;
mod step;

pub use client::{
    Observer, Received, jetstream_api, publish, publish_all, read_stream, requests, with_client,
};
pub use damage::damage_last_chunk;
// The servers themselves come from the nats-servers crate, which `cargo xtask` uses too.
pub use nats_servers::{
    Cluster, Edge, Failure, Lines, Link, NATS_SERVER_PIN, NatsServer, NodePorts, PATIENCE, Result,
    ServerOptions, Source, connz_table, find_nats_server, free_port, hub_config, install_help,
    installed_nats_server, installed_nats_server_dir, leaf_config, monitor, nats_server_on_path,
    nats_server_version, pki, port_retries, wait_until, watch_free_ports, workspace_root,
};
pub use step::{Output, Step};

use std::time::Duration;

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

/// Another step of the workspace, built by the same `cargo test --workspace` as the test that
/// asks (a test's own step is `env!("CARGO_BIN_EXE_<name>")`; alone, `cargo test -p X` needs a
/// `cargo build` first, and the failure says so).
pub fn workspace_step(name: &str) -> std::path::PathBuf {
    let test = std::env::current_exe().unwrap_or_else(|err| panic!("no test binary: {err}"));
    // target/debug/deps/TEST: the steps are in target/debug.
    let debug = test.parent().and_then(|deps| deps.parent());
    let bin = debug.map(|dir| dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX)));
    match bin {
        Some(bin) if bin.is_file() => bin,
        _ => panic!("the step {name} is not built: run `cargo build` first"),
    }
}

/// `len` bytes that repeat only every 251 (a prime), so that a chunk out of place shows.
pub fn repeating_bytes(len: u32) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// A JetStream server on a free port, which must be version `at_least` (major, minor) or
/// newer: on an older one the test fails with the sentence that says so and `why`.
pub fn jetstream_at_least(at_least: (u32, u32), why: &str) -> NatsServer {
    let server = checks::start(ServerOptions::new().jetstream(None));
    server
        .require(at_least, why)
        .unwrap_or_else(|err| panic!("{err}"));
    server
}

/// A lesson that needs nats-server `version` ("2.11") or newer, run against the older one
/// that `cargo xtask` installs ([`nats_servers::OLDER_NATS_SERVER`], with JetStream): one
/// sentence that names `step`, the version it needs and the one it met, a hint, and exit 1.
pub fn needs_a_newer_server(bin: &str, step: &str, version: &str) {
    let older = nats_servers::OLDER_NATS_SERVER;
    let path = nats_servers::installed(older).unwrap_or_else(|| {
        panic!("nats-server {older} is not in target/tools: `cargo xtask setup` installs it")
    });
    let server = checks::start(ServerOptions::new().jetstream(None).bin(path));
    let out = checks::run(bin, &server.url(), &[], &[]);
    let sentence = format!("{step} needs nats-server {version} or newer: this is {older}.");
    checks::assert_error(
        &out,
        &[
            &sentence,
            "`cargo xtask server --jetstream` runs the pinned one",
        ],
    );
}
