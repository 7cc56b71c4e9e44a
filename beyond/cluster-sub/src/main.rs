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

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_nats::{ConnectOptions, Event};
use futures_util::StreamExt;
use log::{info, warn};
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let servers = stepkit::start_cluster("cluster-sub")?;
    let subject = stepkit::arg(1, "foo");

    // Several servers: async-nats tries them in turn. It normally shuffles the list to spread
    // clients over the cluster; keeping the given order here makes the failover predictable
    // for the lesson. The servers also announce the rest of the cluster, which the client
    // adds to its list, so even a single URL is enough to fail over.
    //
    // A node can also freeze without closing anything. The client pings every 2 s (instead of
    // every minute); when a third ping goes out with two still unanswered it gives the node
    // up, so a frozen node is left within about 6 s.
    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("cluster-sub"))
        .ping_interval(Duration::from_secs(2))
        .retain_servers_order()
        .event_callback(report_failover)
        .connect(servers)
        .await?;
    info!(
        "Connected to cluster node '{}'",
        client.server_info().server_name
    );

    info!("Subscribing to subject '{subject}'");
    let mut subscriber = client
        .subscribe(subject.clone())
        .await
        .map_err(|err| stepkit::subscribe_error(&subject, err))?;

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
        .map_err(stepkit::ctrl_c_failed)?;
    info!("Ctrl-C: draining the subscription before exiting");
    client.drain().await?;
    stepkit::wait_drained(&client, handler).await;
    Ok(())
}

/// Set once the connection drops, so that the next `Connected` event reads as a failover.
static CONNECTION_LOST: AtomicBool = AtomicBool::new(false);

/// The event callback, in cluster words; stepkit logs the other events.
async fn report_failover(event: Event) {
    match event {
        Event::Disconnected => {
            CONNECTION_LOST.store(true, Ordering::Relaxed);
            warn!("Lost the connection to this node; async-nats is trying the other servers");
        }
        Event::Connected if CONNECTION_LOST.swap(false, Ordering::Relaxed) => {
            info!("Reconnected to the cluster; async-nats subscribed again on the new node");
        }
        other => stepkit::log_event(other).await,
    }
}
