//! Pub/sub: publishers send their share of the messages while every subscriber counts them
//! all, naive or tuned.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_nats::{Client, ConnectOptions, Subject, Subscriber};
use bytes::Bytes;
use futures_util::{FutureExt, StreamExt};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::connection::{connect, counting_drops, round_trip, tuned_options};
use crate::options::Settings;
use crate::report::{Side, share_of, show_progress};

/// A subscriber's result: the messages it counted and the time from its first to its last.
type Count = JoinHandle<(u64, Duration)>;

/// What one run shares between its clients.
struct Run<'a> {
    settings: &'a Settings,
    tuned: bool,
    /// The subject as a ready-made `Subject`: cloning it is a reference count, not a copy.
    subject: Subject,
    /// Slow-consumer drops reported by async-nats, over all connections.
    dropped: Arc<AtomicU64>,
    /// Messages received so far by all subscribers (for the progress line).
    received: Arc<AtomicU64>,
}

impl Run<'_> {
    fn options(&self) -> ConnectOptions {
        if self.tuned {
            tuned_options(self.settings, self.dropped.clone())
        } else {
            // Defaults, apart from listening for drops.
            counting_drops(ConnectOptions::new(), self.dropped.clone())
        }
    }
}

/// Publishers and subscribers; returns both sides' figures and the messages lost.
pub async fn run(settings: &Settings, tuned: bool) -> Result<(Side, Side, u64), String> {
    let label = if tuned { "tuned" } else { "naive" };
    let run = Run {
        settings,
        tuned,
        subject: Subject::from(settings.subject.as_str()),
        dropped: Arc::new(AtomicU64::new(0)),
        received: Arc::new(AtomicU64::new(0)),
    };
    // Subscribers first, each on its own connection, each subscribed before anyone publishes.
    let mut counts = Vec::new();
    let mut clients = Vec::new();
    let mut stops = Vec::new();
    for _ in 0..settings.subs {
        let (client, stop, count) = start_subscriber(&run).await?;
        clients.push(client);
        stops.push(stop);
        counts.push(count);
    }
    // Each subscriber receives every message: msgs in all, whatever the number of publishers.
    let wanted = settings.msgs * settings.subs as u64;
    // The progress line follows the subscribers, or the publishers when there are none.
    let published = Arc::new(AtomicU64::new(0));
    let progress = if settings.subs > 0 {
        show_progress(label, "received", run.received.clone(), wanted)
    } else {
        show_progress(label, "published", published.clone(), settings.msgs)
    };

    let publishers = publish_all(&run, published).await?;
    wait_until_quiet(&run.received, wanted).await;
    for stop in stops {
        let _ = stop.send(());
    }
    let subscribers = Side::collect("sub", counts).await?;
    progress.abort();
    drop(clients);
    let received: u64 = subscribers.clients.iter().map(|(count, _)| count).sum();
    let lost = wanted - received;
    if lost > 0 {
        eprintln!(
            "[{label}] LOSS: the subscribers received {received} of {wanted} messages; \
             async-nats reported {} slow-consumer drop(s)",
            run.dropped.load(Ordering::Relaxed)
        );
    }
    Ok((publishers, subscribers, lost))
}

/// Connects a subscriber, makes sure the server has its subscription, and starts counting.
/// The sender stops the count early (when the rest of the messages was lost).
async fn start_subscriber(run: &Run<'_>) -> Result<(Client, oneshot::Sender<()>, Count), String> {
    let client = connect(run.settings, run.options()).await?;
    let subscriber = client
        .subscribe(run.subject.clone())
        .await
        .map_err(|err| format!("cannot subscribe to '{}': {err}", run.settings.subject))?;
    round_trip(&client).await?;
    let (stop, stopped) = oneshot::channel::<()>();
    // How many messages the loop takes per wake-up: one in the naive loop, up to 4,096 (all
    // that are waiting) in the tuned one.
    let batch: u64 = if run.tuned { 4096 } else { 1 };
    let task = tokio::spawn(count_messages(
        subscriber,
        stopped,
        run.settings.msgs,
        batch,
        run.settings.work,
        run.received.clone(),
    ));
    Ok((client, stop, task))
}

/// A subscriber's loop: counts messages until `expected` are in, or until told to stop.
async fn count_messages(
    mut subscriber: Subscriber,
    mut stopped: oneshot::Receiver<()>,
    expected: u64,
    batch: u64,
    work: Duration,
    received: Arc<AtomicU64>,
) -> (u64, Duration) {
    let mut count = 0;
    let mut first = None;
    let mut last = Instant::now();
    while count < expected {
        let message = tokio::select! {
            biased;
            message = subscriber.next() => message,
            _ = &mut stopped => break,
        };
        if message.is_none() {
            break;
        }
        first.get_or_insert_with(Instant::now);
        let mut taken = 0;
        let mut next = message;
        while let Some(_message) = next {
            taken += 1;
            if !work.is_zero() {
                // Stands for CPU-bound work, which holds the thread just like this.
                std::thread::sleep(work);
            }
            // Tuned: the messages already waiting are taken here, without another round
            // through `select!` and the runtime (`now_or_never` gives up at once when the
            // queue is empty).
            next = if taken < batch {
                subscriber.next().now_or_never().flatten()
            } else {
                None
            };
        }
        // The bookkeeping (a clock read and the counter the progress bar reads), once per
        // batch rather than once per message.
        last = Instant::now();
        count += taken;
        received.fetch_add(taken, Ordering::Relaxed);
    }
    (count, first.map_or(Duration::ZERO, |first| last - first))
}

/// Starts the publishers, the messages split between them, and waits for them all.
async fn publish_all(run: &Run<'_>, published: Arc<AtomicU64>) -> Result<Side, String> {
    let payload = Bytes::from(vec![b'x'; run.settings.size]);
    let mut tasks = Vec::new();
    for index in 0..run.settings.pubs {
        let client = connect(run.settings, run.options()).await?;
        let share = share_of(run.settings.msgs, run.settings.pubs, index);
        let (subject, payload) = (run.subject.clone(), payload.clone());
        tasks.push(tokio::spawn(publish(
            client,
            subject,
            payload,
            share,
            published.clone(),
        )));
    }
    Side::collect("pub", tasks).await
}

/// A publisher's loop: `share` messages, then a flush; returns the count and the time taken.
async fn publish(
    client: Client,
    subject: Subject,
    payload: Bytes,
    share: u64,
    published: Arc<AtomicU64>,
) -> (u64, Duration) {
    let started = Instant::now();
    for sent in 0..share {
        // For the progress line: a counter shared by the publishers, updated now and then
        // only, so that it costs the loop nothing.
        if sent > 0 && sent % 65_536 == 0 {
            published.fetch_add(65_536, Ordering::Relaxed);
        }
        // publish only queues the message; a failure here means the connection is gone.
        if client
            .publish(subject.clone(), payload.clone())
            .await
            .is_err()
        {
            break;
        }
    }
    // Published means written to the server: flush before stopping the clock.
    let _ = client.flush().await;
    (share, started.elapsed())
}

/// Waits for the subscribers to have everything. After a second without any progress, the
/// rest is lost and waiting longer is pointless.
async fn wait_until_quiet(received: &AtomicU64, wanted: u64) {
    let mut seen = received.load(Ordering::Relaxed);
    let mut quiet_since = Instant::now();
    while seen < wanted {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = received.load(Ordering::Relaxed);
        if now != seen {
            seen = now;
            quiet_since = Instant::now();
        } else if quiet_since.elapsed() > Duration::from_secs(1) {
            break;
        }
    }
}
