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
//! tuning is visible side by side. The comments at `tuned_options` explain each knob.
//!
//! Run it in release mode, against a server started for it:
//!
//! ```text
//! terminal 1:  cargo xtask server
//! terminal 2:  cargo run --release -p nats-bench -- --msgs 1000000 --size 16
//! ```
//!
//! Options: `--pubs N` `--subs N` `--msgs N` (in all) `--size BYTES` `--subject S`
//! `--request` `--csv FILE` (append the results) `--sub-capacity N` and `--work-us N` (the
//! tuned subscribers' queue size, and simulated work per message, to see a slow consumer).
//! `NATS_URL` picks the server (default `nats://localhost:4222`).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_nats::{Client, ConnectOptions, Event, ServerAddr, Subject};
use bytes::Bytes;
use futures_util::{FutureExt, StreamExt};

const DEFAULT_URL: &str = "nats://localhost:4222";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("error: {problem}");
            ExitCode::FAILURE
        }
    }
}

/// What to measure, from the command line.
#[derive(Clone, Debug)]
struct Settings {
    url: String,
    pubs: usize,
    subs: usize,
    msgs: u64,
    size: usize,
    subject: String,
    request: bool,
    csv: Option<String>,
    sub_capacity: usize,
    work: Duration,
}

/// One side's figures: each client's message count and elapsed time.
struct Side {
    name: &'static str,
    clients: Vec<(u64, Duration)>,
}

fn run() -> Result<(), String> {
    let settings = parse_arguments()?;
    // Check the URL once here, for a clear sentence instead of a failure per client.
    settings.url.parse::<ServerAddr>().map_err(|_| {
        "NATS_URL is not a NATS server address.\n\
         hint: use the form nats://HOST:PORT, for example nats://localhost:4222"
            .to_string()
    })?;
    println!(
        "nats-bench: {}, {} {}, {} {}, {} msgs x {} B on '{}' at {}",
        if settings.request {
            "request-reply"
        } else {
            "pub/sub"
        },
        settings.pubs,
        if settings.request {
            "requester(s)"
        } else {
            "publisher(s)"
        },
        settings.subs,
        if settings.request {
            "responder(s)"
        } else {
            "subscriber(s)"
        },
        settings.msgs,
        settings.size,
        settings.subject,
        settings.url
    );

    if settings.request {
        // A multi-threaded runtime, as in the tuned pub/sub run.
        let runtime = multi_thread_runtime()?;
        let (side, latencies) = runtime.block_on(request_reply(&settings))?;
        report(&settings, "tuned", &side, Some(&latencies))?;
        return Ok(());
    }

    // The naive loop: what a first attempt looks like.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start a tokio runtime: {err}"))?;
    let (publishers, subscribers, lost) = runtime.block_on(pub_sub(&settings, false))?;
    drop(runtime);
    report(&settings, "naive", &publishers, None)?;
    if settings.subs > 0 {
        report(&settings, "naive", &subscribers, None)?;
    }
    let mut total_lost = lost;

    // The tuned version.
    let runtime = multi_thread_runtime()?;
    let (publishers, subscribers, lost) = runtime.block_on(pub_sub(&settings, true))?;
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

/// A runtime with two worker threads: the publishing loop, the connection's reader and
/// writer tasks and the subscribers run in parallel instead of taking turns on one thread.
fn multi_thread_runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start a tokio runtime: {err}"))
}

/// The connection options of the tuned run.
fn tuned_options(settings: &Settings, dropped: Arc<AtomicU64>) -> ConnectOptions {
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
fn counting_drops(options: ConnectOptions, dropped: Arc<AtomicU64>) -> ConnectOptions {
    options.event_callback(move |event| {
        let dropped = dropped.clone();
        async move {
            if let Event::SlowConsumer(_) = event {
                dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    })
}

async fn connect(settings: &Settings, options: ConnectOptions) -> Result<Client, String> {
    options.connect(settings.url.as_str()).await.map_err(|err| {
        format!(
            "cannot connect to a NATS server at {} ({err}).\n\
             hint: start one with `cargo xtask server`, or point NATS_URL at a running server",
            settings.url
        )
    })
}

/// Publishers and subscribers; returns both sides' figures and the messages lost.
async fn pub_sub(settings: &Settings, tuned: bool) -> Result<(Side, Side, u64), String> {
    let label = if tuned { "tuned" } else { "naive" };
    let dropped = Arc::new(AtomicU64::new(0));
    let options = |dropped: &Arc<AtomicU64>| {
        if tuned {
            tuned_options(settings, dropped.clone())
        } else {
            // Defaults, apart from listening for drops.
            counting_drops(ConnectOptions::new(), dropped.clone())
        }
    };
    // The subject as a ready-made `Subject`: cloning it is a reference count, not a copy.
    let subject = Subject::from(settings.subject.as_str());
    let payload = Bytes::from(vec![b'x'; settings.size]);
    // Each subscriber receives every message: msgs in all, whatever the number of publishers.
    let expected = settings.msgs;
    let received = Arc::new(AtomicU64::new(0));

    // Subscribers first, each on its own connection, each subscribed before anyone publishes.
    let mut subscriber_tasks = Vec::new();
    let mut subscriber_clients = Vec::new();
    let mut subscriber_stops = Vec::new();
    for _ in 0..settings.subs {
        let client = connect(settings, options(&dropped)).await?;
        let mut subscriber = client
            .subscribe(subject.clone())
            .await
            .map_err(|err| format!("cannot subscribe to '{}': {err}", settings.subject))?;
        round_trip(&client).await?;
        let received = received.clone();
        let work = settings.work;
        // How many messages the loop takes per wake-up: one in the naive loop, up to 4,096 (all
        // that are waiting) in the tuned one.
        let batch: u64 = if tuned { 4096 } else { 1 };
        subscriber_clients.push(client);
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        subscriber_stops.push(stop);
        subscriber_tasks.push(tokio::spawn(async move {
            let mut count = 0;
            let mut first = None;
            let mut last = Instant::now();
            // Until every message is in, or the benchmark says stop (after a second without
            // progress: the rest was lost).
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
                    // Tuned: the messages already waiting are taken here, without another
                    // round through `select!` and the runtime (`now_or_never` gives up at once
                    // when the queue is empty).
                    next = if taken < batch {
                        subscriber.next().now_or_never().flatten()
                    } else {
                        None
                    };
                }
                // The bookkeeping (a clock read and the counter the progress bar reads), once
                // per batch rather than once per message.
                last = Instant::now();
                count += taken;
                received.fetch_add(taken, Ordering::Relaxed);
            }
            (count, first.map_or(Duration::ZERO, |first| last - first))
        }));
    }

    // The progress line follows the subscribers, or the publishers when there are none.
    let published = Arc::new(AtomicU64::new(0));
    let progress = if settings.subs > 0 {
        show_progress(
            label,
            "received",
            received.clone(),
            expected * settings.subs as u64,
        )
    } else {
        show_progress(label, "published", published.clone(), settings.msgs)
    };

    // Publishers: the messages split between them.
    let mut publisher_tasks = Vec::new();
    for index in 0..settings.pubs {
        let client = connect(settings, options(&dropped)).await?;
        let share = share_of(settings.msgs, settings.pubs, index);
        let subject = subject.clone();
        let payload = payload.clone();
        let published = published.clone();
        publisher_tasks.push(tokio::spawn(async move {
            let started = Instant::now();
            for sent in 0..share {
                // For the progress line: a counter shared by the publishers, updated now and
                // then only, so that it costs the loop nothing.
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
        }));
    }

    let mut publishers = Side {
        name: "pub",
        clients: Vec::new(),
    };
    for task in publisher_tasks {
        publishers.clients.push(
            task.await
                .map_err(|err| format!("a publisher failed: {err}"))?,
        );
    }
    // Wait for the subscribers to have everything; after a second without any progress, the
    // rest is lost: tell them to stop.
    let wanted = expected * settings.subs as u64;
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
    for stop in subscriber_stops {
        let _ = stop.send(());
    }
    let mut subscribers = Side {
        name: "sub",
        clients: Vec::new(),
    };
    let mut lost = 0;
    for task in subscriber_tasks {
        let (count, elapsed) = task
            .await
            .map_err(|err| format!("a subscriber failed: {err}"))?;
        lost += expected - count;
        subscribers.clients.push((count, elapsed));
    }
    progress.abort();
    drop(subscriber_clients);
    if lost > 0 {
        eprintln!(
            "[{label}] LOSS: the subscribers received {} of {} messages; async-nats reported \
             {} slow-consumer drop(s)",
            expected * settings.subs as u64 - lost,
            expected * settings.subs as u64,
            dropped.load(Ordering::Relaxed)
        );
    }
    Ok((publishers, subscribers, lost))
}

/// Returns once the server has registered everything this connection sent before, its
/// subscriptions included: the server handles a connection's commands in order, so the
/// answer to a request sent now (here "no responders", on a subject nobody uses) comes after
/// them.
async fn round_trip(client: &Client) -> Result<(), String> {
    match client.request(client.new_inbox(), Bytes::new()).await {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == async_nats::RequestErrorKind::NoResponders => Ok(()),
        Err(err) => Err(format!("the server did not answer a round trip: {err}")),
    }
}

/// A progress line on stderr while the subscribers count (only on a terminal).
fn show_progress(
    label: &'static str,
    what: &'static str,
    done: Arc<AtomicU64>,
    total: u64,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if !std::io::stderr().is_terminal() {
            return;
        }
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let done = done.load(Ordering::Relaxed);
            let percent = (done * 100).checked_div(total).unwrap_or(100);
            let bar = "#".repeat((percent / 5) as usize);
            eprint!("\r[{label}] [{bar:<20}] {percent:>3}% ({done} of {total} {what})");
            let _ = std::io::stderr().flush();
        }
    })
}

/// Request-reply: responders in a queue group answer with the request's payload; each
/// requester sends its share of the requests one after the other and times every answer.
async fn request_reply(settings: &Settings) -> Result<(Side, Vec<Duration>), String> {
    let dropped = Arc::new(AtomicU64::new(0));
    let subject = Subject::from(settings.subject.as_str());
    let mut responders = Vec::new();
    for _ in 0..settings.subs {
        let client = connect(settings, tuned_options(settings, dropped.clone())).await?;
        let mut requests = client
            .queue_subscribe(subject.clone(), "bench".to_string())
            .await
            .map_err(|err| format!("cannot subscribe to '{}': {err}", settings.subject))?;
        round_trip(&client).await?;
        responders.push(tokio::spawn(async move {
            while let Some(request) = requests.next().await {
                if let Some(reply) = request.reply {
                    let _ = client.publish(reply, request.payload).await;
                }
            }
        }));
    }

    let payload = Bytes::from(vec![b'x'; settings.size]);
    let answered = Arc::new(AtomicU64::new(0));
    let progress = show_progress("tuned", "answered", answered.clone(), settings.msgs);
    let mut requesters = Vec::new();
    for index in 0..settings.pubs {
        let client = connect(settings, tuned_options(settings, dropped.clone())).await?;
        let share = share_of(settings.msgs, settings.pubs, index);
        let subject = subject.clone();
        let payload = payload.clone();
        let answered = answered.clone();
        requesters.push(tokio::spawn(async move {
            let started = Instant::now();
            let mut latencies = Vec::with_capacity(share as usize);
            for _ in 0..share {
                let sent = Instant::now();
                if client
                    .request(subject.clone(), payload.clone())
                    .await
                    .is_err()
                {
                    break;
                }
                latencies.push(sent.elapsed());
                answered.fetch_add(1, Ordering::Relaxed);
            }
            (latencies, started.elapsed())
        }));
    }
    let mut side = Side {
        name: "req",
        clients: Vec::new(),
    };
    let mut all = Vec::new();
    for task in requesters {
        let (latencies, elapsed) = task
            .await
            .map_err(|err| format!("a requester failed: {err}"))?;
        side.clients.push((latencies.len() as u64, elapsed));
        all.extend(latencies);
    }
    progress.abort();
    for responder in responders {
        responder.abort();
    }
    let answered = all.len() as u64;
    if answered < settings.msgs {
        return Err(format!(
            "only {answered} of {} requests were answered.\n\
             hint: are the responders overloaded? try fewer requesters or more responders",
            settings.msgs
        ));
    }
    Ok((side, all))
}

/// Prints one line per side (and, for several clients, min/avg/max), and appends it to the
/// CSV file when asked.
fn report(
    settings: &Settings,
    variant: &str,
    side: &Side,
    latencies: Option<&[Duration]>,
) -> Result<(), String> {
    if std::io::stderr().is_terminal() {
        eprint!("\r{:70}\r", "");
    }
    let messages: u64 = side.clients.iter().map(|(count, _)| count).sum();
    let slowest = side
        .clients
        .iter()
        .map(|(_, elapsed)| *elapsed)
        .max()
        .unwrap_or_default();
    let rate = per_second(messages, slowest);
    let megabytes = rate * settings.size as f64 / 1_000_000.0;
    let rates: Vec<f64> = side
        .clients
        .iter()
        .map(|(count, elapsed)| per_second(*count, *elapsed))
        .collect();
    let min = rates.iter().copied().fold(f64::INFINITY, f64::min);
    let max = rates.iter().copied().fold(0.0, f64::max);
    let avg = rates.iter().sum::<f64>() / rates.len().max(1) as f64;
    println!(
        "[{variant}] {} {:>12} msgs/s {:>9.2} MB/s   {messages} msgs",
        side.name,
        group(rate),
        megabytes
    );
    if side.clients.len() > 1 {
        println!(
            "[{variant}] {} per client: min {} avg {} max {} msgs/s",
            side.name,
            group(min),
            group(avg),
            group(max)
        );
    }
    let mut percentiles = [Duration::ZERO; 3];
    if let Some(latencies) = latencies {
        let mut sorted = latencies.to_vec();
        sorted.sort();
        for (slot, p) in percentiles.iter_mut().zip([50, 90, 99]) {
            let index = (sorted.len() * p / 100).min(sorted.len().saturating_sub(1));
            *slot = sorted.get(index).copied().unwrap_or_default();
        }
        println!(
            "[{variant}] latency p50 {:.1} us  p90 {:.1} us  p99 {:.1} us",
            micros(percentiles[0]),
            micros(percentiles[1]),
            micros(percentiles[2])
        );
    }
    if let Some(path) = &settings.csv {
        let exists = std::path::Path::new(path).exists();
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|err| format!("cannot open {path}: {err}"))?;
        let mut text = String::new();
        if !exists {
            text.push_str(
                "mode,variant,side,clients,msgs,size,msgs_per_s,mb_per_s,min,avg,max,\
                 p50_us,p90_us,p99_us\n",
            );
        }
        let mode = if settings.request {
            "request"
        } else {
            "pubsub"
        };
        text.push_str(&format!(
            "{mode},{variant},{},{},{messages},{},{rate:.0},{megabytes:.2},{min:.0},{avg:.0},\
             {max:.0},{:.1},{:.1},{:.1}\n",
            side.name,
            side.clients.len(),
            settings.size,
            micros(percentiles[0]),
            micros(percentiles[1]),
            micros(percentiles[2])
        ));
        file.write_all(text.as_bytes())
            .map_err(|err| format!("cannot write {path}: {err}"))?;
    }
    Ok(())
}

/// Client `index`'s part of `total` messages split between `clients`: equal shares, the first
/// clients taking one more each until the remainder is used up.
fn share_of(total: u64, clients: usize, index: usize) -> u64 {
    let clients = clients as u64;
    total / clients + u64::from((index as u64) < total % clients)
}

fn per_second(count: u64, elapsed: Duration) -> f64 {
    if elapsed.is_zero() {
        0.0
    } else {
        count as f64 / elapsed.as_secs_f64()
    }
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000_000.0
}

/// 2601234.5 as "2,601,235".
fn group(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn parse_arguments() -> Result<Settings, String> {
    let mut settings = Settings {
        url: std::env::var("NATS_URL").unwrap_or_else(|_| DEFAULT_URL.to_string()),
        pubs: 1,
        subs: 1,
        msgs: 100_000,
        size: 16,
        subject: "bench".to_string(),
        request: false,
        csv: None,
        sub_capacity: 1 << 20,
        work: Duration::ZERO,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--request" {
            settings.request = true;
            continue;
        }
        let Some(value) = args.next() else {
            return Err(format!("{flag} needs a value.\nhint: {USAGE}"));
        };
        let number = |value: &str| -> Result<u64, String> {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag} takes a whole number, not '{value}'.\nhint: {USAGE}"))
        };
        match flag.as_str() {
            "--pubs" => settings.pubs = number(&value)?.max(1) as usize,
            "--subs" => settings.subs = number(&value)? as usize,
            "--msgs" => settings.msgs = number(&value)?,
            "--size" => settings.size = number(&value)? as usize,
            "--subject" => settings.subject = value,
            "--csv" => settings.csv = Some(value),
            "--sub-capacity" => settings.sub_capacity = number(&value)?.max(1) as usize,
            "--work-us" => settings.work = Duration::from_micros(number(&value)?),
            _ => return Err(format!("unknown option '{flag}'.\nhint: {USAGE}")),
        }
    }
    if settings.request && settings.subs == 0 {
        return Err("request-reply needs at least one responder (--subs 1)".to_string());
    }
    Ok(settings)
}

const USAGE: &str = "nats-bench [--pubs N] [--subs N] [--msgs N] [--size BYTES] \
    [--subject S] [--request] [--csv FILE] [--sub-capacity N] [--work-us N]";
