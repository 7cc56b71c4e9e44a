//! # Services: scatter-gather
//!
//! `Client::request` returns the first answer. To hear from every responder, send the request
//! yourself: subscribe to an inbox of your own, publish with it as the reply subject, and
//! collect what arrives until you have enough: a count, a deadline, or a quiet period with no
//! new answer. Answers after that are not wanted; the inbox is gone by then.
//!
//! Run it (four terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server
//! terminals 2 and 3:  cargo run -p quotes -- ada 7;  cargo run -p quotes -- grace 9
//! terminal 4:  cargo run -p gather
//! ```
//!
//! Arguments: `gather [SUBJECT] [BODY] [COUNT] [DEADLINE_MS] [QUIET_MS]` (defaults `quote`,
//! `{"topic":"messaging"}`, 0: no count, 1000, and 0: no quiet period).

use std::time::{Duration, Instant};

use async_nats::{ConnectOptions, StatusCode};
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("gather")?;
    let subject = stepkit::arg(1, "quote");
    let body = stepkit::arg(2, r#"{"topic":"messaging"}"#);
    let count = stepkit::number_arg(3, "COUNT", 0)?;
    let deadline = Duration::from_millis(stepkit::number_arg(4, "DEADLINE_MS", 1000)?);
    let quiet = Duration::from_millis(stepkit::number_arg(5, "QUIET_MS", 0)?);
    let options = stepkit::in_class(ConnectOptions::new()).name(stepkit::connection_name("gather"));
    let client = options.connect(&url).await?;

    // Scatter: one message, with our inbox as its reply subject, to everyone on the subject.
    let inbox = client.new_inbox();
    let subscribed = client.subscribe(inbox.clone()).await;
    let mut answers = subscribed.map_err(|err| stepkit::subscribe_error(&inbox, err))?;
    let sent = client
        .publish_with_reply(subject.clone(), inbox, body.clone().into())
        .await;
    sent.map_err(|err| stepkit::publish_error(&client, &[&subject], body.len(), err))?;
    let seconds = |time: Duration| format!("{:.1} s", time.as_secs_f64());
    info!(
        "Asked '{subject}' {body}; gathering for up to {}",
        seconds(deadline)
    );

    // Gather, until the count, the deadline or the quiet period, whichever comes first.
    let started = Instant::now();
    let (mut gathered, mut nobody, mut why) = (0, false, "the deadline");
    loop {
        let left = deadline.saturating_sub(started.elapsed());
        let wait = if quiet.is_zero() || gathered == 0 {
            left
        } else {
            quiet.min(left)
        };
        match tokio::time::timeout(wait, answers.next()).await {
            // No subscriber at all: the server answers at once with a "no responders" status.
            Ok(Some(answer)) if answer.status == Some(StatusCode::NO_RESPONDERS) => {
                nobody = true;
                break;
            }
            Ok(Some(answer)) => {
                gathered += 1;
                let text = String::from_utf8_lossy(&answer.payload);
                info!(
                    "Answer {gathered} after {}: {text}",
                    seconds(started.elapsed())
                );
                if gathered == count {
                    why = "the count";
                    break;
                }
            }
            Ok(None) => break,
            Err(_) if wait < left => {
                why = "the quiet period";
                break;
            }
            Err(_) => break,
        }
    }
    // Unsubscribing the inbox ends the gathering: a late answer finds nobody.
    drop(answers);
    if nobody {
        let hint =
            format!("start a responder first, such as `cargo run -p quotes` for '{subject}'");
        return Err(
            Problem::new(format!("nobody listens on '{subject}' (no responders).")).hint(hint),
        );
    }
    if gathered == 0 {
        let sentence = format!("no answer on '{subject}' within {}.", seconds(deadline));
        return Err(
            Problem::new(sentence).hint("the responders may be slower: give a longer DEADLINE_MS")
        );
    }
    let took = seconds(started.elapsed());
    info!("Gathered {gathered} answer(s) in {took}, stopped by {why}");
    client.drain().await?;
    Ok(())
}
