//! The sentences for JetStream's errors (with the `jetstream` feature, for the JetStream steps).

use async_nats::jetstream::context::{
    CreateStreamError, CreateStreamErrorKind, GetStreamError, PublishError, PublishErrorKind,
};
use async_nats::jetstream::stream::ConsumerError;

use crate::Problem;

/// How a learner starts a server with JetStream.
const HINT: &str = "start one with `cargo xtask server --jetstream` (nats-server --jetstream)";

/// Creating or updating a stream failed; most often, the server has no JetStream.
pub fn stream_error(name: &str, err: CreateStreamError) -> Problem {
    match err.kind() {
        CreateStreamErrorKind::JetStreamUnavailable | CreateStreamErrorKind::TimedOut => {
            Problem::new("this server does not run JetStream.").hint(HINT)
        }
        _ => Problem::new(format!("could not create or update the stream {name}: {err}.")),
    }
}

/// Looking up a stream failed: it does not exist yet, or there is no JetStream.
pub fn get_stream_error(name: &str, err: GetStreamError) -> Problem {
    Problem::new(format!("cannot find the stream {name} ({err})."))
        .hint(format!("js-pub creates it: run it once; the server must run JetStream: {HINT}"))
}

/// Creating or finding a consumer failed.
pub fn consumer_error(name: &str, err: ConsumerError) -> Problem {
    Problem::new(format!("could not create or find the consumer {name}: {err}."))
}

/// A publish was not acknowledged: no stream takes the subject, or no answer came in time.
pub fn publish_error(subject: &str, err: PublishError) -> Problem {
    match err.kind() {
        PublishErrorKind::StreamNotFound => {
            Problem::new(format!("no stream captures '{subject}', so nothing stored it.")).hint(
                "the stream ORDERS takes orders.>: publish on orders.new, for example, or create \
                 a stream for your subjects",
            )
        }
        PublishErrorKind::TimedOut => Problem::new(format!(
            "no acknowledgement for '{subject}' in time: the message may or may not be stored."
        ))
        .hint(
            "publish it again with the same Nats-Msg-Id: the stream keeps one copy; is the \
             server (or its store) overloaded?",
        ),
        _ => Problem::new(format!("the publish on '{subject}' was not acknowledged: {err}.")),
    }
}

/// Any other JetStream failure (fetching, acknowledging), with what was being done.
pub fn failed(doing: &str, err: impl std::fmt::Display) -> Problem {
    Problem::new(format!("could not {doing}: {err}."))
}
