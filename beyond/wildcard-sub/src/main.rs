//! # Beyond the tutorial: a wildcard subscriber
//!
//! The Go tutorial suggests it after the simple publisher: "use a wildcard subscriber".
//! A subscription's subject can be a pattern. `*` stands for exactly one token (the parts
//! between dots) and `>`, at the end only, for one or more tokens:
//!
//! ```text
//! pattern     foo.a    foo.a.b    foo    bar
//! foo.*       yes      no         no     no
//! foo.>       yes      yes        no     no
//! ```
//!
//! This program subscribes to a pattern (default `foo.*`) and logs the actual subject of every
//! message, so you can see which subjects the pattern matches.
//!
//! Run it (three terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server                       # a nats-server on localhost:4222
//! terminal 2:  cargo run -p wildcard-sub -- 'foo.>'     # this program (quote the pattern)
//! terminal 3:  cargo run -p pub-simple -- foo.a.b Hi    # try foo.a, foo.a.b, bar ...
//! ```
//!
//! `NATS_URL` points it at another server (default `nats://localhost:4222`).

use async_nats::ConnectOptions;
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("wildcard-sub")?;
    let pattern = stepkit::arg(1, "foo.*");

    let options = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("wildcard-sub"))
        .event_callback(stepkit::log_event);
    // NATS_WAIT_FOR_SERVER=1 makes it wait for a server that is not up yet (see async-sub).
    let client = stepkit::wait_for_server(options).connect(&url).await?;
    client.flush().await?;
    info!("Connected to {url}");

    // Subscribing to a pattern is the same call as to a plain subject; the server does the
    // matching, and sends each matching message once, whatever the number of wildcards.
    info!("Subscribing to '{pattern}' (* matches one token, > the rest)");
    let mut subscriber = client
        .subscribe(pattern.clone())
        .await
        .map_err(|err| stepkit::subscribe_error(&pattern, err))?;

    // Every message carries the subject it was published on: with a pattern, that is how the
    // program learns which one matched.
    let handler = tokio::spawn(async move {
        while let Some(message) = subscriber.next().await {
            let text = String::from_utf8_lossy(&message.payload);
            info!("Received on [{}]: '{text}'", message.subject);
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
