//! # Beyond the tutorial: a subscriber that counts, and notices when it falls behind
//!
//! The Go tutorial's last suggestion: "add a message incrementer to the client subscriber to
//! indicate the message number received". This subscriber numbers every message
//! (`[#1] Received on [foo]: 'Hello NATS'`) and, on Ctrl-C, says how many it received.
//!
//! It also shows what happens when messages arrive faster than they are handled. async-nats
//! keeps the messages a program has not taken yet in a queue per subscription (65,536 by
//! default, its documentation says). When that queue is full, new messages for the subscription are dropped, and the
//! only sign of it is a `SlowConsumer` event. This program turns the event into a warning and
//! counts the drops, so a learner sees them.
//!
//! Run it (three terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server                   # a nats-server on localhost:4222
//! terminal 2:  cargo run -p counter-sub             # this program
//! terminal 3:  cargo run -p pub-simple              # run it a few times
//! ```
//!
//! Arguments: `counter-sub [SUBJECT] [WORK_MS] [CAPACITY]`. WORK_MS simulates slow handling
//! (milliseconds per message, default 0), CAPACITY sets the queue size. To see drops:
//! `cargo run -p counter-sub -- foo 20 16`, then publish many messages at once.
//! `NATS_URL` points it at another server (default `nats://localhost:4222`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_nats::{ConnectOptions, Event, Subscriber};
use futures_util::StreamExt;
use log::{info, warn};
use stepkit::Problem;

/// Messages async-nats dropped because the subscription's queue was full.
static DROPPED: AtomicU64 = AtomicU64::new(0);

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("counter-sub")?;
    let subject = stepkit::arg(1, "foo");
    let work = Duration::from_millis(stepkit::number_arg(2, "WORK_MS", 0)?);
    let capacity = stepkit::number_arg(3, "CAPACITY", 65_536)?.max(1);

    // The subscription capacity is the size of each subscription's queue of messages that
    // arrived but were not taken yet. The event callback hears about dropped messages.
    let options = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("counter-sub"))
        .subscription_capacity(capacity as usize)
        .event_callback(count_drops);
    // NATS_WAIT_FOR_SERVER=1 makes it wait for a server that is not up yet (see async-sub).
    let client = stepkit::wait_for_server(options).connect(&url).await?;
    client.flush().await?;
    info!("Connected to {url}; each subscription queues up to {capacity} messages");

    info!("Subscribing to subject '{subject}'");
    let subscriber = client
        .subscribe(subject.clone())
        .await
        .map_err(|err| stepkit::subscribe_error(&subject, err))?;

    // The handler, a named function this time, numbers the messages and returns the count
    // when the subscription ends.
    let handler = tokio::spawn(number_messages(subscriber, work));

    tokio::signal::ctrl_c()
        .await
        .map_err(stepkit::ctrl_c_failed)?;
    info!("Ctrl-C: draining the subscription before exiting");
    client.drain().await?;
    if let Some(count) = stepkit::wait_drained(&client, handler).await {
        info!("Received {count} message(s) in all");
    }
    let dropped = DROPPED.load(Ordering::Relaxed);
    if dropped > 0 {
        warn!("At least {dropped} message(s) were dropped because this subscriber was too slow");
    }
    Ok(())
}

/// Logs every message with its number. Only this task touches the count, so a plain
/// variable will do.
async fn number_messages(mut subscriber: Subscriber, work: Duration) -> u64 {
    let mut count = 0;
    while let Some(message) = subscriber.next().await {
        count += 1;
        let text = String::from_utf8_lossy(&message.payload);
        info!("[#{count}] Received on [{}]: '{text}'", message.subject);
        if !work.is_zero() {
            // Pretend that handling a message takes time.
            tokio::time::sleep(work).await;
        }
    }
    count
}

/// The event callback: async-nats sends one `SlowConsumer` event per message it had to drop.
/// Warn on the first one and count them all (the event queue itself is bounded, hence "at
/// least"); stepkit logs the other events.
async fn count_drops(event: Event) {
    match event {
        Event::SlowConsumer(_) => {
            if DROPPED.fetch_add(1, Ordering::Relaxed) == 0 {
                warn!(
                    "Slow consumer: the subscription's queue is full, so new messages are \
                     dropped until this program catches up"
                );
            }
        }
        other => stepkit::log_event(other).await,
    }
}
