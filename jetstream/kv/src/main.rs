//! # Persistence: a key-value bucket
//!
//! JetStream also offers a **key-value store**: a bucket maps keys to values, and it is a
//! stream underneath (`KV_tutorial`, one subject per key). So a bucket keeps each key's
//! **history** (here its last 10 values), every change gets a **revision** number, and a
//! **watcher** hears changes as they happen, like a subscriber. An update can name the
//! revision it read: if the key has changed since, the bucket refuses it (compare-and-set),
//! and nobody's change is overwritten unseen. The bucket is created by the first run and found
//! by the later ones; a delete is one more revision, a marker that says "no value any more".
//!
//! Run it (three terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server --jetstream
//! terminal 2:  cargo run -p kv -- watch                     # logs every change
//! terminal 3:  cargo run -p kv -- put color blue            # then get, history, delete
//! ```
//!
//! Arguments: `kv [COMMAND] [KEY] [VALUE] [REVISION]`; COMMAND is `watch` (the default; until
//! Ctrl-C), `put KEY VALUE`, `get KEY`, `delete KEY`, `history KEY` or
//! `update KEY VALUE REVISION`.

use async_nats::jetstream::context::AccountErrorKind::{JetStreamUnavailable, TimedOut};
use async_nats::jetstream::context::{AccountError, CreateKeyValueError};
use async_nats::jetstream::kv::{Config, Entry, Operation, UpdateErrorKind};
use futures_util::StreamExt;
use log::{info, warn};
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("kv")?;
    let command = stepkit::arg(1, "watch");
    let (key, value) = (stepkit::arg(2, "color"), stepkit::arg(3, "blue"));

    let options =
        stepkit::in_class(async_nats::ConnectOptions::new()).name(stepkit::connection_name("kv"));
    let client = options.connect(&url).await?;
    info!("Connected to {url}");
    let version = client.server_info().version;
    let js = async_nats::jetstream::new(client);
    let config = Config {
        bucket: "tutorial".to_string(),
        history: 10,
        ..Default::default()
    };
    let created = js.create_or_update_key_value(config).await;
    let bucket = created.map_err(|err| bucket_error(&version, err))?;

    match command.as_str() {
        "put" => {
            let put = bucket.put(&key, value.clone().into()).await;
            let revision = put.map_err(failed)?;
            info!("{key} = {value} (revision {revision})");
        }
        "get" => match bucket.entry(&key).await.map_err(failed)? {
            Some(entry) if entry.operation == Operation::Put => info!("{}", describe(&entry)),
            _ => {
                let hint = format!("`cargo run -p kv -- put {key} VALUE` gives it one");
                return Err(Problem::new(format!("the key '{key}' has no value.")).hint(hint));
            }
        },
        "delete" => {
            bucket.delete(&key).await.map_err(failed)?;
            info!("{key} deleted (its history keeps the old values)");
        }
        "history" => {
            let mut history = bucket.history(&key).await.map_err(failed)?;
            while let Some(entry) = history.next().await {
                info!("{}", describe(&entry.map_err(failed)?));
            }
        }
        // Every key's value, then each change; the server away for 10 s is a missed heartbeat.
        "watch" => {
            let mut changes = bucket.watch_with_history(">").await.map_err(failed)?;
            info!("Watching the bucket 'tutorial' (Ctrl-C stops)");
            while let Some(entry) = changes.next().await {
                match entry {
                    Ok(entry) => info!("{}", describe(&entry)),
                    Err(err) => warn!("The watcher lost the server ({err}); it resumes once back"),
                }
            }
        }
        // Compare-and-set: stored only if the key is still at the revision this update read.
        "update" => {
            let read = stepkit::number_arg(4, "REVISION", 0)?;
            match bucket.update(&key, value.clone().into(), read).await {
                Ok(revision) => info!("{key} = {value} (revision {revision}, was {read})"),
                Err(err) if err.kind() == UpdateErrorKind::WrongLastRevision => {
                    // Someone changed it first: read it again, then decide and retry.
                    let now = bucket.entry(&key).await.map_err(failed)?;
                    let now = now.map_or(format!("{key} has no value"), |entry| describe(&entry));
                    let sentence =
                        format!("refused: '{key}' changed after revision {read}; now {now}.");
                    let hint = "read it again, then retry with the revision shown";
                    return Err(Problem::new(sentence).hint(hint));
                }
                Err(err) => return Err(failed(err)),
            }
        }
        other => {
            let commands = "put, get, delete, history, watch and update";
            let sentence = format!("kv knows the commands {commands}, not '{other}'.");
            let hint = "for example `cargo run -p kv -- put color blue`";
            return Err(Problem::new(sentence).hint(hint));
        }
    }
    Ok(())
}

/// One revision of a key, as the log shows it.
fn describe(entry: &Entry) -> String {
    let (key, revision) = (&entry.key, entry.revision);
    let value = String::from_utf8_lossy(&entry.value);
    match entry.operation {
        Operation::Put => format!("{key} = {value} (revision {revision})"),
        _ => format!("{key} deleted (revision {revision})"),
    }
}

/// The bucket could not be made: a server without JetStream answers nobody to the account
/// query a bucket starts with; servers before 2.10 (Debian's 2.9) answer it too little.
fn bucket_error(version: &str, err: CreateKeyValueError) -> Problem {
    let source = std::error::Error::source(&err); // the error underneath: the account query
    let account = source.and_then(|source| source.downcast_ref::<AccountError>());
    if account.is_some_and(|account| matches!(account.kind(), JetStreamUnavailable | TimedOut)) {
        let sentence = "this server does not run JetStream, which keeps the buckets.";
        return Problem::new(sentence).hint("start one with `cargo xtask server --jetstream`");
    }
    let sentence = format!("could not create or find the bucket on nats-server {version}: {err}.");
    let hint = "async-nats's key-value API needs nats-server 2.10 or newer";
    Problem::new(sentence).hint(hint)
}

/// A bucket operation failed (the server went away, for example).
fn failed(err: impl std::fmt::Display) -> Problem {
    Problem::new(format!("the bucket did not do it: {err}."))
}
