//! # Services: discovery
//!
//! Every instance of a service built with the service API also answers on `$SRV` subjects:
//! `$SRV.PING.NAME` (who is there), `$SRV.INFO.NAME` (its endpoints) and `$SRV.STATS.NAME`
//! (requests, errors, processing time per endpoint). They are plain subscriptions, without a
//! queue group: one request reaches every instance, and each answers. So discover sends PING
//! with its own inbox as the reply subject and collects answers for a short window; then it
//! knows how many instances there are, and stops waiting for INFO and STATS at that count. It
//! prints one line per instance that answered PING. The answers are JSON in the shape ADR-32
//! defines, whichever language the instance is written in; an answer async-nats's types do
//! not take gets a line that says so, and the instance is still listed.
//!
//! Run it (four terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server
//! terminals 2 and 3:  cargo run -p service     # two instances
//! terminal 4:  cargo run -p calc -- sum 1 2 3 && cargo run -p discover
//! ```
//!
//! Arguments: `discover [SERVICE] [WINDOW_MS]` (defaults `calc` and 500).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use async_nats::service::{Info, PingResponse, Stats};
use async_nats::{Client, ConnectOptions, Message};
use futures_util::StreamExt;
use log::{info, warn};
use serde::de::DeserializeOwned;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("discover")?;
    let service = stepkit::arg(1, "calc");
    let window = Duration::from_millis(stepkit::number_arg(2, "WINDOW_MS", 500)?);
    let options =
        stepkit::in_class(ConnectOptions::new()).name(stepkit::connection_name("discover"));
    let client = options.connect(&url).await?;

    // Who is there: every answer within the window. Each is JSON, typed by the service API.
    let pings = gather(&client, &format!("$SRV.PING.{service}"), window, usize::MAX).await?;
    let ms = window.as_millis();
    info!(
        "$SRV.PING.{service}: {} instance(s) answered within {ms} ms",
        pings.len()
    );
    if pings.is_empty() {
        let hint = "start one with `cargo run -p service`; discover NAME looks for another service";
        return Err(
            Problem::new(format!("no instance of the service '{service}' answered.")).hint(hint),
        );
    }
    let pinged: BTreeMap<String, PingResponse> = typed(&pings, "PING");
    // As many instances will answer INFO and STATS: stop at that count (or the window).
    let count = pings.len();
    let infos = gather(&client, &format!("$SRV.INFO.{service}"), window, count).await?;
    let infos: BTreeMap<String, Info> = typed(&infos, "INFO");
    let stats = gather(&client, &format!("$SRV.STATS.{service}"), window, count).await?;
    let stats: BTreeMap<String, Stats> = typed(&stats, "STATS");

    // One line per instance that answered PING, with the endpoints' counts added up.
    for id in pings.iter().map(id_of) {
        let named = match (infos.get(&id), pinged.get(&id)) {
            (Some(info), _) => {
                let mut subjects: Vec<&str> =
                    info.endpoints.iter().map(|e| e.subject.as_str()).collect();
                subjects.sort_unstable(); // the instance lists them in no particular order
                format!("{} {} ({})", info.name, info.version, subjects.join(", "))
            }
            (None, Some(ping)) => format!("{} {}", ping.name, ping.version),
            (None, None) => service.clone(),
        };
        let Some(instance) = stats.get(&id) else {
            info!("instance {id}: {named}; no statistics (see above)");
            continue;
        };
        let requests: usize = instance.endpoints.iter().map(|e| e.requests).sum();
        let errors: usize = instance.endpoints.iter().map(|e| e.errors).sum();
        let time: Duration = instance.endpoints.iter().map(|e| e.processing_time).sum();
        let average = time.checked_div(requests as u32).unwrap_or_default();
        let average = match average.as_secs_f64() * 1000.0 {
            ms if ms < 1.0 => "under 1 ms".to_string(),
            ms => format!("{ms:.1} ms"),
        };
        info!(
            "instance {id}: {named}; {requests} request(s), {errors} error(s), {average} on average"
        );
    }
    Ok(())
}

/// The instance id in an answer, read from the JSON as it is, so that an answer async-nats's
/// types refuse still names its instance.
fn id_of(answer: &Message) -> String {
    let json: serde_json::Value = serde_json::from_slice(&answer.payload).unwrap_or_default();
    json["id"].as_str().unwrap_or("without an id").to_string()
}

/// The answers that async-nats's type `T` takes, by instance id. Any other gets a warning: its
/// instance is not dropped in silence (natscli, for one, drops such answers without a word).
fn typed<T: DeserializeOwned>(answers: &[Message], verb: &str) -> BTreeMap<String, T> {
    let mut typed = BTreeMap::new();
    for answer in answers {
        match serde_json::from_slice::<T>(&answer.payload) {
            Ok(value) => {
                typed.insert(id_of(answer), value);
            }
            Err(err) => warn!(
                "instance {}: its {verb} answer does not fit async-nats's type ({err})",
                id_of(answer)
            ),
        }
    }
    typed
}

/// Every answer to one request on `subject`, until `count` have come or `window` has passed:
/// a reply subject of our own (an inbox) receives them all, where `Client::request` would keep
/// only the first.
async fn gather(
    client: &Client,
    subject: &str,
    window: Duration,
    count: usize,
) -> Result<Vec<Message>, Problem> {
    let inbox = client.new_inbox();
    let failed =
        |err: &dyn std::fmt::Display| Problem::new(format!("could not ask {subject}: {err}."));
    let mut answers = client
        .subscribe(inbox.clone())
        .await
        .map_err(|err| failed(&err))?;
    let asked = client
        .publish_with_reply(subject.to_string(), inbox, "".into())
        .await;
    asked.map_err(|err| failed(&err))?;
    let (mut bodies, started) = (Vec::new(), Instant::now());
    while bodies.len() < count {
        let left = window.saturating_sub(started.elapsed());
        match tokio::time::timeout(left, answers.next()).await {
            // With nobody subscribed, the server answers "no responders": a status, no body.
            Ok(Some(answer)) if answer.status.is_none() => bodies.push(answer),
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break, // the subscription ended, or the window passed
        }
    }
    Ok(bodies)
}
