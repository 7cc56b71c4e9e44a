//! Connections: the naive and tuned options, the runtime, and a round trip to the server.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_nats::{Client, ConnectOptions, Event};
use bytes::Bytes;

use crate::options::Settings;

/// A runtime with two worker threads: the publishing loop, the connection's reader and
/// writer tasks and the subscribers run in parallel instead of taking turns on one thread.
pub fn multi_thread_runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start a tokio runtime: {err}"))
}

/// The connection options of the tuned run.
pub fn tuned_options(settings: &Settings, dropped: Arc<AtomicU64>) -> ConnectOptions {
    let options = ConnectOptions::new()
        // The queue between `publish` and the task that writes to the socket (default 2,048
        // commands). Deeper, the publishing loop waits less often for the writer; 262,144 did
        // best among the sizes tried on a 2-core machine (8,192 to 1,048,576).
        .client_capacity(262_144)
        // Each subscription's queue of messages not yet taken (default 65,536; here 1,048,576
        // unless --sub-capacity says otherwise). A publisher can outrun a subscriber for a
        // while; when the queue is full, async-nats drops messages: the slow consumer this
        // benchmark reports.
        .subscription_capacity(settings.sub_capacity)
        // Subjects are checked once, here, rather than on every one of a million publishes.
        .skip_subject_validation(true);
    counting_drops(options, dropped)
}

/// Both variants listen for the slow-consumer events async-nats sends when it drops a message
/// for a full subscription queue, so that a loss is reported with its cause. (The events go
/// through a queue of their own, 128 deep, and are dropped too when it is full: the count is
/// a lower bound.)
pub fn counting_drops(options: ConnectOptions, dropped: Arc<AtomicU64>) -> ConnectOptions {
    options.event_callback(move |event| {
        let dropped = dropped.clone();
        async move {
            if let Event::SlowConsumer(_) = event {
                dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    })
}

/// Connects with `options`, or explains why not.
pub async fn connect(settings: &Settings, options: ConnectOptions) -> Result<Client, String> {
    options.connect(settings.url.as_str()).await.map_err(|err| {
        format!(
            "cannot connect to a NATS server at {} ({err}).\n\
             hint: start one with `cargo xtask server`, or point NATS_URL at a running server",
            settings.url
        )
    })
}

/// Returns once the server has registered everything this connection sent before, its
/// subscriptions included: the server handles a connection's commands in order, so the
/// answer to a request sent now (here "no responders", on a subject nobody uses) comes after
/// them.
pub async fn round_trip(client: &Client) -> Result<(), String> {
    match client.request(client.new_inbox(), Bytes::new()).await {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == async_nats::RequestErrorKind::NoResponders => Ok(()),
        Err(err) => Err(format!("the server did not answer a round trip: {err}")),
    }
}
