//! # How fast is NATS? A benchmark in the spirit of `nats bench`
//!
//! Publishers send a number of messages of a given size on a subject while subscribers count
//! what they receive; or, with `--request`, requesters send requests one at a time and
//! responders answer. It prints messages and megabytes per second for each side (and the
//! minimum, average and maximum over the clients), the latency percentiles of request-reply,
//! and never hides a lost message: a subscriber that falls behind says so.
//!
//! Each pub/sub run measures twice: first a naive loop (default options, a single-threaded
//! runtime, `publish().await` per message), then the tuned version, so the effect of the
//! tuning is visible side by side. The comments at `connection::tuned_options` explain each
//! knob.
//!
//! Run it in release mode, against a server started for it:
//!
//! ```text
//! terminal 1:  cargo xtask server
//! terminal 2:  cargo run --release -p nats-bench -- --msgs 1000000 --size 16
//! ```
//!
//! Options: `--pubs N` `--subs N` `--msgs N` (in all) `--size BYTES` `--subject S`
//! `--request` `--jetstream` (publish to a stream four ways, from awaiting each
//! acknowledgement to a fast-ingest batch; see `jetstream.rs`) `--csv FILE` (append the results) `--sub-capacity N` and `--work-us N` (the
//! tuned subscribers' queue size, and simulated work per message, to see a slow consumer).
//! `NATS_URL` picks the server (default `nats://localhost:4222`).

mod connection;
mod jetstream;
mod options;
mod pubsub;
mod report;
mod request_reply;

use async_nats::ServerAddr;
use stepkit::Problem;

use crate::connection::multi_thread_runtime;
use crate::report::report;

fn main() -> Result<(), Problem> {
    run().map_err(Problem::new)
}

fn run() -> Result<(), String> {
    let settings = options::parse_arguments()?;
    // Check the URL once here, for a clear sentence instead of a failure per client.
    settings.url.parse::<ServerAddr>().map_err(|_| {
        "NATS_URL is not a NATS server address.\n\
         hint: use the form nats://HOST:PORT, for example nats://localhost:4222"
            .to_string()
    })?;
    println!("{}", settings.describe());

    if settings.jetstream {
        return multi_thread_runtime()?.block_on(jetstream::run(&settings));
    }
    if settings.request {
        // A multi-threaded runtime, as in the tuned pub/sub run.
        let runtime = multi_thread_runtime()?;
        let (side, latencies) = runtime.block_on(request_reply::run(&settings))?;
        return report(&settings, "tuned", &side, Some(&latencies));
    }

    // The naive loop: what a first attempt looks like.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start a tokio runtime: {err}"))?;
    let (publishers, subscribers, lost) = runtime.block_on(pubsub::run(&settings, false))?;
    drop(runtime);
    report(&settings, "naive", &publishers, None)?;
    if settings.subs > 0 {
        report(&settings, "naive", &subscribers, None)?;
    }
    let mut total_lost = lost;

    // The tuned version.
    let runtime = multi_thread_runtime()?;
    let (publishers, subscribers, lost) = runtime.block_on(pubsub::run(&settings, true))?;
    report(&settings, "tuned", &publishers, None)?;
    if settings.subs > 0 {
        report(&settings, "tuned", &subscribers, None)?;
    }
    total_lost += lost;

    if total_lost > 0 {
        return Err(format!(
            "{total_lost} message(s) were lost: a subscriber could not keep up (slow \
             consumer).\nhint: a larger --sub-capacity, less --work-us, or more subscribers \
             sharing the work"
        ));
    }
    Ok(())
}
