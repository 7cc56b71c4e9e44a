//! # Beyond the tutorial: a subscriber that survives the loss of a server
//!
//! When one machine is not enough, or must not be a single point of failure, NATS servers
//! form a cluster: each server connects to the others ("routes") and forwards messages to the
//! servers where there is interest, so a publisher on one server reaches subscribers on any.
//! A client connects to one server at a time. Given several server URLs, and told about the
//! rest by the server itself, it moves to another server when its own goes down, and
//! subscribes there again.
//!
//! This program connects to a cluster, logs which server ("node") it is on, and logs every
//! message with the node it came through. Stop its node and it carries on from another one.
//!
//! Run it (three terminals):
//!
//! ```text
//! terminal 1:  cargo xtask cluster          # nodes n1, n2, n3 on localhost:4222-4224
//! terminal 2:  cargo run -p cluster-sub     # this program
//! terminal 3:  cargo run -p pub-simple      # publishes via n1; stop n1 in terminal 1, and
//!              NATS_URL=nats://localhost:4223 cargo run -p pub-simple    # via n2
//! ```
//!
//! `NATS_URL` takes a comma-separated list (default: the three nodes of `cargo xtask
//! cluster`). Argument: `cluster-sub [SUBJECT]` (default `foo`).

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_nats::{
    ConnectError, ConnectErrorKind, ConnectOptions, Event, ServerAddr, SubscribeError,
    SubscribeErrorKind,
};
use futures_util::StreamExt;
use log::{debug, info, warn};

/// The three nodes that `cargo xtask cluster` starts.
const DEFAULT_URL: &str = "nats://localhost:4222,nats://localhost:4223,nats://localhost:4224";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    // Show `info` lines unless RUST_LOG asks for something else.
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();

    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("error: {problem}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let urls = std::env::var("NATS_URL").unwrap_or_else(|_| DEFAULT_URL.to_string());
    let subject = std::env::args().nth(1).unwrap_or_else(|| "foo".to_string());
    let servers = urls
        .split(',')
        .map(|url| server_address(url.trim()))
        .collect::<Result<Vec<ServerAddr>, String>>()?;

    // Several servers: async-nats tries them in turn. It normally shuffles the list to spread
    // clients over the cluster; keeping the given order here makes the failover predictable
    // for the lesson. The servers also announce the rest of the cluster, which the client
    // adds to its list, so even a single URL is enough to fail over.
    let client = ConnectOptions::new()
        .retain_servers_order()
        .event_callback(report_connection_event)
        .connect(servers)
        .await
        .map_err(|err| explain_connect_error(&urls, &err))?;
    info!(
        "Connected to cluster node '{}'",
        client.server_info().server_name
    );

    info!("Subscribing to subject '{subject}'");
    let mut subscriber = client
        .subscribe(subject.clone())
        .await
        .map_err(|err| explain_subscribe_error(&subject, &err))?;

    // `server_info` describes the server the client is connected to right now, so after a
    // failover it names the new node.
    let watcher = client.clone();
    let handler = tokio::spawn(async move {
        while let Some(message) = subscriber.next().await {
            let text = String::from_utf8_lossy(&message.payload);
            let node = watcher.server_info().server_name;
            info!("Received message '{text}' via node '{node}'");
        }
    });

    tokio::signal::ctrl_c()
        .await
        .map_err(|err| format!("cannot listen for Ctrl-C: {err}"))?;
    info!("Ctrl-C: draining the subscription before exiting");
    client
        .drain()
        .await
        .map_err(|err| format!("could not drain the connection: {err}"))?;
    match tokio::time::timeout(Duration::from_secs(1), handler).await {
        Ok(_) => info!("Subscription drained, connection closed. Bye!"),
        Err(_) => warn!("The server did not confirm the drain within 1 s; exiting anyway"),
    }
    Ok(())
}

/// Set once the connection drops, so that the next `Connected` event reads as a failover.
static CONNECTION_LOST: AtomicBool = AtomicBool::new(false);

async fn report_connection_event(event: Event) {
    match event {
        Event::Disconnected => {
            CONNECTION_LOST.store(true, Ordering::Relaxed);
            warn!("Lost the connection to this node; async-nats is trying the other servers");
        }
        Event::Connected if CONNECTION_LOST.swap(false, Ordering::Relaxed) => {
            info!("Reconnected to the cluster; async-nats subscribed again on the new node");
        }
        other => debug!("Connection event: {other}"),
    }
}

/// Parses one URL of NATS_URL. Go programs often write credentials into the URL
/// (nats://user:pass@host), but async-nats does not send those: rather than connect without
/// them, say where credentials belong.
fn server_address(url: &str) -> Result<ServerAddr, String> {
    let server: ServerAddr = url.parse().map_err(|_| {
        "NATS_URL is not a NATS server address.\n\
         hint: use the form nats://HOST:PORT, for example nats://localhost:4222"
            .to_string()
    })?;
    if server.has_user_pass() {
        return Err(
            "NATS_URL contains credentials, but cluster-sub connects without any.\n\
             hint: see auth-sub for a client that reads NATS_USER and NATS_PASSWORD; keep \
             NATS_URL to nats://HOST:PORT"
                .to_string(),
        );
    }
    Ok(server)
}

/// One sentence for a failed connection, with a hint for the usual cause.
fn explain_connect_error(url: &str, err: &ConnectError) -> String {
    match err.kind() {
        // The server requires credentials (nats-server --user ... --pass ...).
        ConnectErrorKind::AuthorizationViolation => format!(
            "the server at {url} refused the connection: authorization violation.\n\
             hint: this server requires a user and password and cluster-sub sends none; start a \
             server without credentials with `cargo xtask server`"
        ),
        // Most often: nothing listens at that address.
        _ => format!(
            "cannot connect to any NATS server of {url} ({err}).\n\
             hint: start a cluster in another terminal with `cargo xtask cluster`, or point \
             NATS_URL at running servers (comma-separated)"
        ),
    }
}

fn explain_subscribe_error(subject: &str, err: &SubscribeError) -> String {
    match err.kind() {
        SubscribeErrorKind::InvalidSubject => format!(
            "'{subject}' is not a valid subject to subscribe to.\n\
             hint: a subject is a list of tokens separated by dots, without spaces, such as \
             foo, foo.bar, foo.* or foo.>"
        ),
        _ => format!("could not subscribe to '{subject}': {err}"),
    }
}
