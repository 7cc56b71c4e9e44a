//! nats-servers: real nats-servers for the tutorial, for the learner (`cargo xtask server`,
//! `cargo xtask cluster`) and for the tests alike.
//!
//! - [`find_nats_server`] finds the pinned nats-server (or the one `NATS_SERVER_BIN` names);
//! - [`NatsServer`] starts one on free loopback ports (plain, with a user and password, a
//!   token, TLS, JetStream, a configuration file), waits until it accepts clients, restarts it
//!   on the same ports and stops it on drop; [`Cluster`] joins several with routes; [`Edge`]
//!   links a leaf node to a hub through a [`Link`] that can be cut;
//! - [`pki`] makes the certificates, nkeys and credentials their security options need;
//! - [`Lines`] follows a process's output line by line.
#![warn(clippy::too_many_lines)]

mod cluster;
mod edge;
mod lines;
mod link;
mod locate;
mod monitoring;
mod options;
pub mod pki;
mod ports;
mod server;

pub use cluster::{Cluster, NodePorts};
pub use edge::{Edge, EdgePorts, hub_config, leaf_config};
pub use lines::{Lines, follow};
pub use link::Link;
pub use locate::{
    NATS_SERVER_PIN, OLDER_NATS_SERVER, Source, find_nats_server, install_help, installed,
    installed_dir, installed_nats_server, installed_nats_server_dir, nats_server_on_path,
    nats_server_version, workspace_root,
};
pub use monitoring::{connz_table, monitor, monitor_at};
pub use options::{PERMISSIONS, ServerOptions};
pub use ports::{free_port, port_retries, watch_free_ports};
pub use server::NatsServer;

use std::fmt;
use std::time::Duration;

/// Why the harness could not do what a test asked: a plain explanation, often with the
/// output captured so far. Its `Debug` form is the same text, so `unwrap()` in a test
/// prints it as readable lines instead of one escaped string.
pub struct Failure(pub String);

/// What `cargo xtask server` and `cargo xtask cluster` write under target/, and why: what
/// `cargo xtask reset` and `classroom reset` remove.
pub const LEFT_BEHIND: [(&str, &str); 5] = [
    (
        "jetstream",
        "the JetStream store of `cargo xtask server --jetstream`",
    ),
    (
        "jetstream-cluster",
        "the stores of `cargo xtask cluster --jetstream`",
    ),
    ("jetstream-edge", "the stores of `cargo xtask leaf`"),
    (
        "secrets",
        "the token, nkeys and credentials of the security servers",
    ),
    (
        "tls",
        "the certificates of `cargo xtask server --tls` and --mtls",
    ),
];

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
