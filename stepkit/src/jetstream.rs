//! The sentences for JetStream's errors (with the `jetstream` feature, for the JetStream steps).

use async_nats::jetstream::ErrorCode;
use async_nats::jetstream::context::{
    CreateStreamError, CreateStreamErrorKind, GetStreamError, PublishError, PublishErrorKind,
};
use async_nats::jetstream::stream::{ConsumerError, ConsumerErrorKind};

use std::time::Duration;

use super::Problem;

/// How a learner starts a server with JetStream.
const HINT: &str = "start one with `cargo xtask server --jetstream` (nats-server --jetstream)";

/// The server's answers to more replicas than it has JetStream nodes: a single server, or a
/// cluster with too few (or some not joined yet).
const REPLICAS: [ErrorCode; 2] =
    [ErrorCode::STREAM_REPLICAS_NOT_SUPPORTED, ErrorCode::CLUSTER_NO_PEERS];

/// Creating or updating a stream failed; most often, the server has no JetStream.
pub fn stream_error(name: &str, err: CreateStreamError) -> Problem {
    match err.kind() {
        CreateStreamErrorKind::JetStreamUnavailable | CreateStreamErrorKind::TimedOut => {
            Problem::new("JetStream did not answer: this server does not run JetStream.")
                .hint(format!("{HINT}; in a cluster, a majority of the nodes must be up to run it"))
        }
        // More replicas than JetStream nodes (or nodes that have not joined yet).
        CreateStreamErrorKind::JetStream(js) if REPLICAS.contains(&js.error_code()) => {
            Problem::new(format!("the stream {name} cannot have that many replicas here: {js}."))
                .hint(
                    "each replica needs a JetStream node of its own: 1 with `cargo xtask server \
                     --jetstream`, up to 3 with `cargo xtask cluster --jetstream` (a cluster \
                     that has just started needs a few seconds to know all its nodes)",
                )
        }
        kind => Problem::new(format!("could not create or update the stream {name}: {kind}.")),
    }
}

/// Looking up a stream failed: it does not exist yet, or there is no JetStream.
pub fn get_stream_error(name: &str, err: GetStreamError) -> Problem {
    Problem::new(format!("cannot find the stream {name} ({err})."))
        .hint(format!("js-pub creates it: run it once; the server must run JetStream: {HINT}"))
}

/// Creating or finding a consumer failed.
pub fn consumer_error(name: &str, err: ConsumerError) -> Problem {
    let problem = Problem::new(format!("could not create or find the consumer {name}: {err}."));
    match err.kind() {
        // In a cluster that has just lost a node, until it has elected new leaders.
        ConsumerErrorKind::TimedOut => problem.hint(
            "JetStream did not answer in time; a cluster that has just lost a node needs a few \
             seconds to elect new leaders: run it again",
        ),
        _ => problem,
    }
}

/// A publish was refused: no stream takes the subject, for example.
pub fn publish_error(subject: &str, err: PublishError) -> Problem {
    match err.kind() {
        PublishErrorKind::StreamNotFound => {
            Problem::new(format!("no stream captures '{subject}', so nothing stored it.")).hint(
                "the stream ORDERS takes orders.>: publish on orders.new, for example, or create \
                 a stream for your subjects",
            )
        }
        _ => Problem::new(format!("the publish on '{subject}' was not acknowledged: {err}.")),
    }
}

/// A publish that kept failing for `patience`, although its stream had stored others: no
/// acknowledgement, or nobody to give one (in a cluster, the stream has no leader).
pub fn not_acknowledged(body: &str, patience: Duration, err: PublishError) -> Problem {
    let patience = patience.as_secs();
    Problem::new(format!(
        "'{body}' was not acknowledged within {patience} s ({}): it may or may not be stored.",
        err.kind()
    ))
    .hint(
        "a stream answers through its leader; in a cluster, a majority of the stream's replicas \
         must run to elect one (is a node down?). Publishing again with the same Nats-Msg-Id is \
         safe: the stream keeps one copy",
    )
}

/// Any other JetStream failure (fetching, acknowledging), with what was being done.
pub fn failed(doing: &str, err: impl std::fmt::Display) -> Problem {
    Problem::new(format!("could not {doing}: {err}."))
}

/// Creating or finding the key-value bucket failed: the server has no JetStream (its account
/// query finds nobody to answer, or no answer comes), the server is too old for async-nats's
/// key-value API, or something else went wrong.
#[cfg(feature = "kv")]
pub fn kv_error(
    js: &async_nats::jetstream::Context,
    err: async_nats::jetstream::context::CreateKeyValueError,
) -> Problem {
    use async_nats::jetstream::context::CreateKeyValueErrorKind as Kind;
    use async_nats::jetstream::context::{AccountError, AccountErrorKind};
    use std::error::Error;
    let account = err.source().and_then(|source| source.downcast_ref::<AccountError>());
    let unavailable = account.is_some_and(|account| {
        matches!(
            account.kind(),
            AccountErrorKind::JetStreamUnavailable | AccountErrorKind::TimedOut
        )
    });
    // async-nats 0.51 cannot read the account information of servers before 2.10.
    let version = js.client().server_info().version;
    let numbers: Vec<u32> = version.split(['.', '-']).map_while(|part| part.parse().ok()).collect();
    if unavailable || err.kind() == Kind::TimedOut {
        Problem::new("this server does not run JetStream, which keeps the buckets.").hint(HINT)
    } else if numbers.len() >= 2 && (numbers[0], numbers[1]) < (2, 10) {
        Problem::new(format!(
            "this server is nats-server {version}, and async-nats's key-value API needs 2.10 or \
             newer (it cannot read an older server's account information)."
        ))
        .hint("run the server the guide uses: `cargo xtask server --jetstream`")
    } else {
        Problem::new(format!("could not create or find the bucket: {err}."))
    }
}

/// A bucket operation failed (the server went away, for example).
#[cfg(feature = "kv")]
pub fn kv_failed(err: impl std::fmt::Display) -> Problem {
    Problem::new(format!("the bucket did not do it: {err}."))
}

/// `get` found no value: never put, or deleted.
#[cfg(feature = "kv")]
pub fn no_value(key: &str) -> Problem {
    Problem::new(format!("the key '{key}' has no value (never put, or deleted).")).hint(format!(
        "put one with `cargo run -p kv -- put {key} VALUE`; `history {key}` shows what it had"
    ))
}

/// A compare-and-set update refused: the key changed after revision `read`; `now` is what
/// it holds.
#[cfg(feature = "kv")]
pub fn conflict(key: &str, read: u64, now: &str) -> Problem {
    let now = if now.is_empty() { format!("{key} has no value") } else { now.to_string() };
    Problem::new(format!("refused: '{key}' is no longer at revision {read}; now {now}.")).hint(
        "someone changed it after you read it; look at the new value, then update again with \
         the revision shown (that is how to retry a compare-and-set)",
    )
}

/// A kv command it does not know.
#[cfg(feature = "kv")]
pub fn unknown_command(command: &str) -> Problem {
    Problem::new(format!(
        "kv knows the commands put, get, delete, history, watch and update, not '{command}'."
    ))
    .hint("for example `cargo run -p kv -- put color blue`, then `cargo run -p kv -- get color`")
}
