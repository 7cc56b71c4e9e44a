//! What the user sees: the progress line, the results, the CSV file.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::options::Settings;

/// One side's figures: each client's message count and elapsed time.
pub struct Side {
    pub name: &'static str,
    pub clients: Vec<(u64, Duration)>,
}

impl Side {
    /// The figures of the `name` side ("pub" or "sub"), from its clients' tasks once they end.
    pub async fn collect(
        name: &'static str,
        tasks: Vec<tokio::task::JoinHandle<(u64, Duration)>>,
    ) -> Result<Side, String> {
        let mut clients = Vec::with_capacity(tasks.len());
        for task in tasks {
            clients.push(
                task.await
                    .map_err(|err| format!("a {name} client failed: {err}"))?,
            );
        }
        Ok(Side { name, clients })
    }
}

/// A progress line on stderr while the subscribers count (only on a terminal).
pub fn show_progress(
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

/// Prints one line per side (and, for several clients, min/avg/max), and appends it to the
/// CSV file when asked.
pub fn report(
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
        let figures = format!(
            "{},{messages},{},{rate:.0},{megabytes:.2},{min:.0},{avg:.0},{max:.0},{:.1},{:.1},{:.1}",
            side.clients.len(),
            settings.size,
            micros(percentiles[0]),
            micros(percentiles[1]),
            micros(percentiles[2])
        );
        append_csv(path, settings, variant, side.name, &figures)?;
    }
    Ok(())
}

/// Appends one result line to the CSV file at `path`, with the column names first when the
/// file is new.
fn append_csv(
    path: &str,
    settings: &Settings,
    variant: &str,
    side: &str,
    figures: &str,
) -> Result<(), String> {
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
    text.push_str(&format!("{mode},{variant},{side},{figures}\n"));
    file.write_all(text.as_bytes())
        .map_err(|err| format!("cannot write {path}: {err}"))
}

/// Client `index`'s part of `total` messages split between `clients`: equal shares, the first
/// clients taking one more each until the remainder is used up.
pub fn share_of(total: u64, clients: usize, index: usize) -> u64 {
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
