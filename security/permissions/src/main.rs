//! # Beyond the tutorial: permissions, and refusals that arrive later
//!
//! A server can say what each user may do: publish on some subjects, subscribe to others.
//! `cargo xtask server --permissions` lets user `foo` (password `bar`) publish and subscribe on
//! `foo.>` only. This program tries both sides of that line, on one connection.
//!
//! The surprise: a refused `subscribe` or `publish` returns `Ok`. The client does not wait for
//! the server's verdict (that would cost a round trip per call); the server's refusal arrives
//! afterwards, as an error on the connection, which async-nats hands to the event callback as
//! `Event::ServerError`. The connection stays up, and what was allowed keeps working.
//!
//! Run it (two terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server --permissions
//! terminal 2:  cargo run -p permissions
//! ```
//!
//! Credentials come from `NATS_USER` / `NATS_PASSWORD` (default `foo` / `bar`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_nats::{ConnectOptions, Event};
use futures_util::StreamExt;
use log::{info, warn};
use stepkit::Problem;
use tokio::sync::Notify;

/// Refusals seen so far, and a bell the event callback rings for each.
static REFUSALS: AtomicUsize = AtomicUsize::new(0);
static REFUSED: Notify = Notify::const_new();

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let login = stepkit::start_with_password("permissions")?;
    let client = ConnectOptions::with_user_and_password(login.user.clone(), login.password)
        .name(stepkit::connection_name("permissions"))
        .event_callback(count_refusals)
        .connect(&login.url)
        .await?;
    info!("Connected to {} as user '{}'", login.url, login.user);

    // Allowed: foo.> is this user's. Denied: bar. Both calls return Ok.
    let mut allowed = client
        .subscribe("foo.allowed")
        .await
        .map_err(|err| stepkit::subscribe_error("foo.allowed", err))?;
    let _denied = client
        .subscribe("bar")
        .await
        .map_err(|err| stepkit::subscribe_error("bar", err))?;
    info!("subscribe(\"bar\") returned Ok; the server's answer is on its way");
    wait_for_refusals(1).await;

    client
        .publish("bar.news", "not allowed".into())
        .await
        .map_err(|err| stepkit::publish_error(&client, &["bar.news"], "not allowed".len(), err))?;
    info!("publish(\"bar.news\") returned Ok too");
    wait_for_refusals(2).await;

    // The same connection still does what the user may do.
    client
        .publish("foo.allowed", "allowed".into())
        .await
        .map_err(|err| stepkit::publish_error(&client, &["foo.allowed"], "allowed".len(), err))?;
    match tokio::time::timeout(Duration::from_secs(2), allowed.next()).await {
        Ok(Some(message)) => info!(
            "Received '{}' on {}",
            String::from_utf8_lossy(&message.payload),
            message.subject
        ),
        _ => {
            return Err(Problem::new(
                "the allowed message did not arrive within 2 s.",
            ));
        }
    }
    Ok(())
}

/// Waits (at most 2 s) until the server has refused `count` things in all.
async fn wait_for_refusals(count: usize) {
    let refused = async {
        while REFUSALS.load(Ordering::Relaxed) < count {
            REFUSED.notified().await;
        }
    };
    if tokio::time::timeout(Duration::from_secs(2), refused)
        .await
        .is_err()
    {
        warn!("No refusal from the server within 2 s: does this user have more rights?");
    }
}

/// The event callback: stepkit logs each event (a server error as a warning); a server error
/// is also counted, and rings the bell.
async fn count_refusals(event: Event) {
    let refusal = matches!(event, Event::ServerError(_));
    stepkit::log_event(event).await;
    if refusal {
        REFUSALS.fetch_add(1, Ordering::Relaxed);
        REFUSED.notify_one();
    }
}
