//! # Beyond the tutorial: sharing the work in a queue group
//!
//! Subscribers that join the same queue group on a subject share its messages: the server
//! gives each message to only one member of the group (at random, the NATS docs say). Start
//! the program several times and the messages spread over the copies, which is how NATS
//! services scale out without any configuration. (A plain subscriber of the same subject
//! still gets every message: queue groups only share among their own members.)
//!
//! Run it (four terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server           # a nats-server on localhost:4222
//! terminal 2:  cargo run -p queue-sub       # a member of the group 'workers'
//! terminal 3:  cargo run -p queue-sub       # another member
//! terminal 4:  cargo run -p pub-simple      # run it a few times: each message lands once
//! ```
//!
//! Arguments: `queue-sub [SUBJECT] [GROUP]` (defaults `foo` and `workers`).
//! `NATS_URL` points it at another server (default `nats://localhost:4222`).

use async_nats::{ConnectOptions, SubscribeErrorKind};
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("queue-sub")?;
    let subject = stepkit::arg(1, "foo");
    let group = stepkit::arg(2, "workers");

    let options = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("queue-sub"))
        .event_callback(stepkit::log_event);
    // NATS_WAIT_FOR_SERVER=1 makes it wait for a server that is not up yet (see async-sub).
    let client = stepkit::wait_for_server(options).connect(&url).await?;
    client.flush().await?;
    info!("Connected to {url}");

    // Join the queue group: `SUB foo workers 1` on the wire. Every member of 'workers' on
    // 'foo' receives a share of the messages; together they receive each one exactly once.
    let mut subscriber = client
        .queue_subscribe(subject.clone(), group.clone())
        .await
        .map_err(|err| match err.kind() {
            // A queue group's name is one word, without spaces.
            SubscribeErrorKind::InvalidQueueName => {
                Problem::new(format!("'{group}' is not a valid queue group name."))
                    .hint("a queue group is one word without spaces, such as workers")
            }
            _ => stepkit::subscribe_error(&subject, err),
        })?;
    info!("Joined queue group '{group}' on subject '{subject}'");

    let handler = tokio::spawn(async move {
        let mut handled = 0;
        while let Some(message) = subscriber.next().await {
            handled += 1;
            let text = String::from_utf8_lossy(&message.payload);
            info!("Received message '{text}'");
        }
        handled
    });

    // On Ctrl-C, drain: this member leaves the group, and the messages the server already
    // gave it are still handled, so none is lost for the group.
    tokio::signal::ctrl_c()
        .await
        .map_err(stepkit::ctrl_c_failed)?;
    info!("Ctrl-C: leaving the group after the messages already received");
    client.drain().await?;
    if let Some(handled) = stepkit::wait_drained(&client, handler).await {
        info!("Handled {handled} message(s) for group '{group}'. Bye!");
    }
    Ok(())
}
