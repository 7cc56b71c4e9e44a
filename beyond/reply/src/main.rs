//! # Beyond the tutorial: request and reply, the responder
//!
//! A responder is a subscriber that answers: every request it receives carries a reply
//! subject (the requester's inbox), and the answer is a message published there. This one
//! answers every request on `help` with `I can help!`.
//!
//! It also shows how a service stops without failing anyone. On Ctrl-C it drains its
//! subscription: the server sends no new requests, the requests already received are still
//! answered, then the program flushes its answers and exits. Requests sent after that go to
//! other responders, or get "no responders".
//!
//! Run it (three terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server           # a nats-server on localhost:4222
//! terminal 2:  cargo run -p reply           # this program: answers on 'help'
//! terminal 3:  cargo run -p request         # asks, and prints the answer
//! ```
//!
//! Arguments: `reply [SUBJECT] [ANSWER] [WORK_MS]` (defaults `help`, `I can help!`, 0);
//! WORK_MS simulates slow work per request. `NATS_URL` points it at another server.

use std::pin::pin;
use std::time::Duration;

use async_nats::{Client, ConnectOptions, Message};
use futures_util::StreamExt;
use log::{info, warn};
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("reply")?;
    let subject = stepkit::arg(1, "help");
    let answer = stepkit::arg(2, "I can help!");
    let work = Duration::from_millis(stepkit::number_arg(3, "WORK_MS", 0)?);

    let options = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("reply"))
        .event_callback(stepkit::log_event);
    // NATS_WAIT_FOR_SERVER=1 makes it wait for a server that is not up yet (see async-sub).
    let client = stepkit::wait_for_server(options).connect(&url).await?;
    client.flush().await?;
    info!("Connected to {url}");

    let mut requests = client
        .subscribe(subject.clone())
        .await
        .map_err(|err| stepkit::subscribe_error(&subject, err))?;
    info!("Answering requests on '{subject}'");

    // Answer requests until Ctrl-C; then drain, and go on answering what already arrived
    // until the drained subscription ends.
    let mut ctrl_c = pin!(tokio::signal::ctrl_c());
    let mut draining = false;
    let mut answered = 0;
    loop {
        tokio::select! {
            request = requests.next() => {
                let Some(request) = request else { break };
                if respond(&client, request, &answer, work).await? {
                    answered += 1;
                }
            }
            signal = &mut ctrl_c, if !draining => {
                signal.map_err(stepkit::ctrl_c_failed)?;
                info!("Ctrl-C: no new requests; answering the ones already received");
                let drained = requests.drain().await;
                drained.map_err(|err| Problem::new(format!("could not drain: {err}.")))?;
                draining = true;
            }
        }
    }

    // The answers are buffered like any publish: flush them before exiting.
    client.flush().await?;
    stepkit::log_statistics(&client);
    info!("Answered {answered} request(s). Bye!");
    Ok(())
}

/// Answers one request on its reply subject; false when there was nothing to answer.
async fn respond(
    client: &Client,
    request: Message,
    answer: &str,
    work: Duration,
) -> Result<bool, Problem> {
    let text = String::from_utf8_lossy(&request.payload);
    // A plain publish (no reply subject) can arrive here too: there is nobody to answer.
    let Some(reply_subject) = request.reply else {
        warn!("Received '{text}' without a reply subject: nothing to answer");
        return Ok(false);
    };
    if !work.is_zero() {
        // Pretend that finding the answer takes time.
        tokio::time::sleep(work).await;
    }
    client
        .publish(reply_subject.clone(), answer.to_string().into())
        .await
        .map_err(|err| stepkit::publish_error(client, &[&reply_subject], answer.len(), err))?;
    info!("Answered '{text}' with '{answer}'");
    Ok(true)
}
