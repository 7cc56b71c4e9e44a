//! `cargo xtask bench-sweep` and `cargo xtask bench-chart`: nats-bench over a range of payload
//! sizes, and the chart of its CSV that the guide shows (drawn by nats-bench's `bench-chart`).

use std::fs;
use std::path::Path;

use nats_servers::{NatsServer, ServerOptions};

use crate::setup::ensure_nats_server;
use crate::workspace::{self, cargo};

/// Payload sizes of the sweep, in bytes.
const SIZES: [u64; 7] = [16, 64, 256, 1024, 4096, 16384, 65536];

/// Builds nats-bench in release mode, runs it for every payload size against a private
/// nats-server (1 publisher, 1 subscriber), writes `target/bench/sweep.csv`, and draws
/// `docs/src/images/throughput.svg` from it.
pub fn sweep() -> Result<(), String> {
    ensure_nats_server()?;
    let status =
        workspace::status(cargo().args(["build", "--release", "--package", "nats-bench"]))?;
    if !status.success() {
        return Err("cargo build --release -p nats-bench failed".to_string());
    }
    let root = workspace::root();
    let exe = root
        .join("target")
        .join("release")
        .join(format!("nats-bench{}", std::env::consts::EXE_SUFFIX));
    let dir = root.join("target").join("bench");
    fs::create_dir_all(&dir).map_err(|err| err.to_string())?;
    let csv = dir.join("sweep.csv");
    let _ = fs::remove_file(&csv);
    let server = NatsServer::start(ServerOptions::new()).map_err(|err| err.0)?;
    for size in SIZES {
        // About 64 MB per run, between 20,000 and 1,000,000 messages.
        let msgs = (64_000_000 / size).clamp(20_000, 1_000_000);
        println!("xtask: nats-bench --size {size} --msgs {msgs}");
        let mut command = std::process::Command::new(&exe);
        command
            .env("NATS_URL", server.url())
            .args(["--size", &size.to_string(), "--msgs", &msgs.to_string()])
            .arg("--csv")
            .arg(&csv);
        // nats-bench prints its figures as it goes, into this terminal.
        let done = crate::workspace::status(&mut command)?;
        if !done.success() {
            return Err(format!("nats-bench failed: {done}"));
        }
    }
    let svg = root
        .join("docs")
        .join("src")
        .join("images")
        .join("throughput.svg");
    chart(&csv, &svg)
}

/// `bench-chart CSV SVG`, nats-bench's other binary: messages per second against payload size.
pub fn chart(csv: &Path, svg: &Path) -> Result<(), String> {
    let mut command = cargo();
    command.args(["run", "--quiet", "--release", "--package", "nats-bench"]);
    command
        .args(["--bin", "bench-chart", "--"])
        .arg(csv)
        .arg(svg);
    match workspace::status(&mut command)?.success() {
        true => Ok(()),
        false => Err("bench-chart could not draw the chart (above)".into()),
    }
}
