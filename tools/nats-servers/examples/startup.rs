//! Start-up time of each server configuration the lessons use, with the pinned nats-server (or
//! `NATS_SERVER_BIN`): from the start of the first process until the configuration is ready as
//! the tests wait for it, ten runs each, the same code the tests and `cargo xtask` run.
//!
//! `cargo run -p nats-servers --example startup`
//!
//! Ready means: a plain, mapped or WebSocket server has logged "Server is ready"; a JetStream
//! server has, too (its store opened); the edge of `cargo xtask leaf` has its hub's routes, its
//! hub's JetStream leader, and the leaf linked to hub-1.

use std::time::{Duration, Instant};

use nats_servers::{Edge, NatsServer, ServerOptions, free_port};

const MAPPINGS: &str = include_str!("../../../topology/mapping/mappings.conf");

/// A configuration's name, and how to start it once and time it.
type Configuration = (
    &'static str,
    Box<dyn Fn() -> nats_servers::Result<Duration>>,
);

fn main() -> Result<(), nats_servers::Failure> {
    let mut configurations: Vec<Configuration> = vec![
        (
            "plain (cargo xtask server)",
            Box::new(|| one(ServerOptions::new())),
        ),
        (
            "mappings (--mappings)",
            Box::new(|| one(ServerOptions::new().config(MAPPINGS))),
        ),
        (
            "JetStream (--jetstream)",
            Box::new(|| one(ServerOptions::new().jetstream(None))),
        ),
        (
            "WebSocket (--websocket)",
            Box::new(|| one(ServerOptions::new().websocket(free_port()?))),
        ),
    ];
    configurations.push((
        "edge (cargo xtask leaf): hub-1, hub-2, leaf",
        Box::new(|| {
            let started = Instant::now();
            let edge = Edge::start(ServerOptions::new(), None, None)?;
            let took = started.elapsed();
            drop(edge);
            Ok(took)
        }),
    ));
    for (name, start) in &configurations {
        let mut times = (0..10).map(|_| start()).collect::<Result<Vec<_>, _>>()?;
        times.sort();
        let ms = |time: Duration| time.as_secs_f64() * 1000.0;
        println!(
            "{name}: median {:.0} ms, max {:.0} ms",
            ms(times[5]),
            ms(times[9])
        );
    }
    Ok(())
}

fn one(options: ServerOptions) -> nats_servers::Result<Duration> {
    let started = Instant::now();
    let server = NatsServer::start(options)?;
    let took = started.elapsed();
    drop(server);
    Ok(took)
}
