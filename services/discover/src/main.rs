//! # Services: discovery
//!
//! Every instance of a service built with the service API also answers on `$SRV` subjects:
//! `$SRV.PING.NAME` (who is there), `$SRV.INFO.NAME` (its endpoints) and `$SRV.STATS.NAME`
//! (requests, errors, processing time per endpoint). They are plain subscriptions, without a
//! queue group: one request reaches every instance, and each answers. So discover sends each
//! request with its own inbox as the reply subject and collects answers for a short window,
//! then prints one line per instance.
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
use std::time::Duration;

use async_nats::service::{Info, PingResponse, Stats};
use async_nats::{Client, ConnectOptions, Message};
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("discover")?;
    let service = stepkit::arg(1, "calc");
    let window = Duration::from_millis(stepkit::number_arg(2, "WINDOW_MS", 500)?);
    let options =
        stepkit::in_class(ConnectOptions::new()).name(stepkit::connection_name("discover"));
    let client = options.connect(&url).await?;

    // Each answer is JSON, typed by the service API: PingResponse, Info and Stats.
    let pings = gather(&client, &format!("$SRV.PING.{service}"), window).await?;
    let pings: Vec<PingResponse> = pings
        .iter()
        .filter_map(|m| serde_json::from_slice(&m.payload).ok())
        .collect();
    info!(
        "$SRV.PING.{service}: {} instance(s) answered within {window:?}",
        pings.len()
    );
    if pings.is_empty() {
        let hint = "start one with `cargo run -p service`; discover NAME looks for another service";
        return Err(
            Problem::new(format!("no instance of the service '{service}' answered.")).hint(hint),
        );
    }
    let infos = gather(&client, &format!("$SRV.INFO.{service}"), window).await?;
    let infos: BTreeMap<String, Info> = infos
        .iter()
        .filter_map(|m| serde_json::from_slice::<Info>(&m.payload).ok())
        .map(|i| (i.id.clone(), i))
        .collect();
    let stats = gather(&client, &format!("$SRV.STATS.{service}"), window).await?;
    let stats: Vec<Stats> = stats
        .iter()
        .filter_map(|m| serde_json::from_slice(&m.payload).ok())
        .collect();

    // One line per instance, with the endpoints' counts added up.
    for instance in &stats {
        let endpoints = infos.get(&instance.id).map(|info| {
            let mut subjects: Vec<&str> =
                info.endpoints.iter().map(|e| e.subject.as_str()).collect();
            subjects.sort_unstable(); // the instance lists them in no particular order
            format!("{} {} ({})", info.name, info.version, subjects.join(", "))
        });
        let requests: usize = instance.endpoints.iter().map(|e| e.requests).sum();
        let errors: usize = instance.endpoints.iter().map(|e| e.errors).sum();
        let time: Duration = instance.endpoints.iter().map(|e| e.processing_time).sum();
        let average = time.checked_div(requests as u32).unwrap_or_default();
        info!(
            "instance {}: {}; {requests} request(s), {errors} error(s), {average:?} on average",
            instance.id,
            endpoints.unwrap_or_else(|| format!("{} {}", instance.name, instance.version)),
        );
    }
    Ok(())
}

/// Every answer to one request on `subject` within `window`: a reply subject of our own (an
/// inbox) receives them all, where `Client::request` would keep only the first.
async fn gather(client: &Client, subject: &str, window: Duration) -> Result<Vec<Message>, Problem> {
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
    let mut bodies = Vec::new();
    let deadline = tokio::time::sleep(window);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            answer = answers.next() => match answer {
                // With nobody subscribed, the server answers "no responders": a status, no body.
                Some(answer) if answer.status.is_none() => bodies.push(answer),
                Some(_) => {}
                None => break,
            },
            _ = &mut deadline => break,
        }
    }
    Ok(bodies)
}
