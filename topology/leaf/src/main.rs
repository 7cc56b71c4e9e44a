//! # Beyond one cluster: a leaf node at the edge
//!
//! A leaf node is a nats-server of its own, on a laptop, in a shop or on a device, with one
//! link to a hub (here the cluster hub-1 and hub-2). Its clients connect to it as to any
//! server. While the link is up, subjects cross it both ways; while it is down, the leaf's
//! clients go on talking to each other, because the leaf alone routes between them.
//!
//! What must reach the hub in the end goes into a stream. Leaf and hub each run JetStream in a
//! domain of their own (`leaf`, `hub`), and a stream in the hub *sources* the leaf's stream
//! across the link: when the link comes back, the hub takes what it missed, from where it
//! stopped. This program, a sensor on the leaf, stores readings at the leaf, hears them there
//! itself, and asks the hub how many it holds.
//!
//! Run it (two terminals):
//!
//! ```text
//! terminal 1:  cargo xtask leaf      # hub-1 and hub-2 (4223, 4224), the leaf on 4222;
//!                                    # Enter cuts the leaf's link to the hub, and restores it
//! terminal 2:  cargo run -p leaf     # this program, connected to the leaf
//! ```
//!
//! Arguments: `leaf [READINGS] [PER_SECOND]` (default 30 readings, 2 a second: 15 seconds to
//! cut the link and to restore it). `NATS_URL` points it at another leaf node.

use std::time::Duration;

use async_nats::ConnectOptions;
use async_nats::jetstream::stream::{Config, External, Placement, Source};
use async_nats::jetstream::{self, Context};
use futures_util::StreamExt;
use log::{info, warn};
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_secured("leaf", stepkit::DEFAULT_URL, "leaf")?;
    let readings = stepkit::number_arg(1, "READINGS", 30)?;
    let per_second = stepkit::number_arg(2, "PER_SECOND", 2)?.max(1);
    let options = ConnectOptions::new().name(stepkit::connection_name("leaf"));
    let client = stepkit::in_class(options).connect(&url).await?;
    info!("Connected to {url}");
    // Two JetStreams through one connection: the leaf's own (the server this client is
    // connected to), and the hub's, whose API the domain names: `$JS.hub.API.>`, which the
    // leaf node forwards over its link.
    let leaf = jetstream::new(client.clone());
    let hub = jetstream::with_domain(client.clone(), "hub");
    let _ = hub.delete_stream("CENTRAL").await; // each run starts afresh
    let _ = leaf.delete_stream("READINGS").await;
    let local = Config {
        name: "READINGS".into(),
        subjects: vec!["readings.>".into()],
        ..Default::default()
    };
    leaf.create_stream(local).await.map_err(failed)?;
    // CENTRAL, in the hub, sources READINGS from the domain `leaf`, named by its API prefix
    // (`$JS.leaf.API`, where the hub asks for the source's messages). It is placed on hub-1,
    // the server the leaf links to (tagged `leafnodes` in its configuration): when the leaf
    // links again, that server has its own sourcing streams ask for what they missed.
    let central = Config {
        name: "CENTRAL".into(),
        sources: Some(vec![Source {
            name: "READINGS".into(),
            external: Some(External {
                api_prefix: "$JS.leaf.API".into(),
                delivery_prefix: None,
            }),
            ..Default::default()
        }]),
        placement: Some(Placement {
            tags: vec!["leafnodes".into()],
            ..Default::default()
        }),
        ..Default::default()
    };
    hub.create_stream(central).await.map_err(hub_failed)?;
    info!("READINGS at the leaf, CENTRAL in the hub sourcing it; {readings} readings follow");

    // A subscriber on the leaf: core NATS, the leaf routes each reading to it, link or not.
    let subject = "readings.>";
    let subscribed = client.subscribe(subject).await;
    let mut heard = subscribed.map_err(|err| stepkit::subscribe_error(subject, err))?;
    let mut ticks = tokio::time::interval(Duration::from_millis(1000 / per_second));
    let (mut reached, mut heard_here) = (true, 0);
    for number in 1..=readings {
        ticks.tick().await;
        // Stored by the leaf's JetStream: the hub is not asked, so this works while it is cut.
        let ack = leaf.publish("readings.temperature", number.to_string().into());
        let stored = ack.await.map_err(failed)?.await.map_err(failed)?.sequence;
        let message = tokio::time::timeout(Duration::from_secs(5), heard.next()).await;
        let heard_it = matches!(message, Ok(Some(m)) if m.payload == number.to_string());
        heard_here += u64::from(heard_it);
        let here = if heard_it {
            "heard here"
        } else {
            "NOT heard here"
        };
        let held = held_by_hub(&hub).await;
        match held {
            Some(held) => {
                if !reached {
                    info!("The hub answers again: CENTRAL takes up the readings it missed");
                }
                info!(
                    "reading {number}: stored at the leaf as #{stored}, {here}; the hub holds {held}"
                );
            }
            None => {
                if reached {
                    warn!("The hub does not answer: the link is down, and the leaf goes on");
                }
                warn!(
                    "reading {number}: stored at the leaf as #{stored}, {here}; the hub is out of reach"
                );
            }
        }
        reached = held.is_some();
    }

    // The last readings may still be on their way, or the link still cut: wait for the hub.
    let mut said = false;
    loop {
        match held_by_hub(&hub).await {
            Some(held) if held == readings => break,
            None if !said => {
                info!(
                    "Waiting for the hub to answer again (restore the link), then for all {readings} readings"
                );
                said = true;
            }
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    info!(
        "The hub holds all {readings} readings, as the leaf does, and this program heard \
         {heard_here} of {readings} at the leaf: none was lost while the link was down"
    );
    info!("The streams stay, to inspect; the next run starts afresh");
    Ok(())
}

/// How many readings the hub's CENTRAL holds, or `None` when the hub does not answer.
async fn held_by_hub(hub: &Context) -> Option<u64> {
    let asked = async {
        let mut stream = hub.get_stream("CENTRAL").await.ok()?;
        stream.info().await.ok().map(|info| info.state.messages)
    };
    let answer = tokio::time::timeout(Duration::from_secs(1), asked).await;
    answer.ok().flatten()
}

/// A JetStream request to the leaf failed: usually a server without JetStream.
fn failed(err: impl std::fmt::Display) -> Problem {
    let hint = "run this against the leaf node of `cargo xtask leaf`, which has JetStream";
    Problem::new(format!("JetStream failed at the leaf: {err}.")).hint(hint)
}

/// The hub's JetStream did not answer through the leaf: no hub, or the link is cut.
fn hub_failed(err: impl std::fmt::Display) -> Problem {
    let hint = "start with `cargo xtask leaf`, and run this while the leaf's link to the hub is up";
    let sentence = format!("the hub's JetStream (domain hub) did not set up CENTRAL: {err}.");
    Problem::new(sentence).hint(hint)
}
