// Code that a lesson writes out and later lessons call, included into lib.rs (so that its log
// lines read `stepkit`, as the guide records them). `cargo xtask lessons` keeps each function
// the same as its lesson's, comments aside; the guide links back to where it was taught.

/// async-sub's: a refused subscription. async-nats checks the subject before sending `SUB`.
pub fn subscribe_error(subject: &str, err: SubscribeError) -> Problem {
    if err.kind() != SubscribeErrorKind::InvalidSubject {
        return Problem::new(format!("could not subscribe to '{subject}': {err}."));
    }
    let sentence = format!("'{subject}' is not a valid subject to subscribe to.");
    Problem::new(sentence).hint(SUBJECT_HINT)
}

/// pub-simple's: a refused publish of `size` bytes on `subjects` (a reply subject too, if any).
pub fn publish_error(
    client: &Client,
    subjects: &[&str],
    size: usize,
    err: PublishError,
) -> Problem {
    let quoted: Vec<String> = subjects.iter().map(|subject| format!("'{subject}'")).collect();
    let subjects = quoted.join(" or ");
    match err.kind() {
        PublishErrorKind::InvalidSubject => {
            let sentence = format!("{subjects} is not a valid subject to publish on.");
            Problem::new(sentence).hint(SUBJECT_HINT)
        }
        // async-nats checks the size against the `max_payload` the server announced.
        PublishErrorKind::MaxPayloadExceeded => {
            let limit = client.server_info().max_payload;
            let sentence = format!(
                "the message is {size} bytes, more than this server accepts ({limit} bytes)."
            );
            let hint = "send a shorter message, or raise max_payload in the server's configuration";
            Problem::new(sentence).hint(hint)
        }
        _ => Problem::new(format!("could not publish on {subjects}: {err}.")),
    }
}

/// Set once the connection drops, so that the next `Connected` reads as a reconnect.
static CONNECTION_LOST: AtomicBool = AtomicBool::new(false);

/// async-sub's event callback: what happens to the connection in the background.
pub async fn log_event(event: Event) {
    match event {
        Event::Disconnected => {
            CONNECTION_LOST.store(true, Ordering::Relaxed);
            warn!("Disconnected from the server; async-nats keeps trying to reconnect");
        }
        // async-nats says `Connected` for the first connection too.
        Event::Connected if CONNECTION_LOST.swap(false, Ordering::Relaxed) => {
            info!("Reconnected; async-nats subscribed again to everything we listen to");
        }
        Event::ServerError(err) => warn!("The server reported an error: {err}"),
        other => debug!("Connection event: {other}"),
    }
}

/// async-sub's: after `drain`, the handler finishes what arrived (a second at most: a dead
/// server is silent).
pub async fn wait_drained<T>(client: &Client, handler: JoinHandle<T>) -> Option<T> {
    let finished = timeout(Duration::from_secs(1), handler).await;
    let value = finished.ok().and_then(Result::ok);
    match value {
        Some(_) => info!("Subscription drained, connection closed"),
        None => warn!("The server did not confirm the drain within 1 s; exiting anyway"),
    }
    log_statistics(client);
    value
}
