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
//! `update KEY VALUE REVISION`. KEY is `color` unless given; a VALUE must be given.

use async_nats::jetstream::context::AccountErrorKind::{JetStreamUnavailable, TimedOut};
use async_nats::jetstream::context::{AccountError, CreateKeyValueError};
use async_nats::jetstream::kv::{Config, Entry, Operation, UpdateErrorKind};
use futures_util::StreamExt;
use log::{info, warn};
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_jetstream("kv")?;
    let command = stepkit::arg(1, "watch");
    let (key, value) = (stepkit::arg(2, "color"), stepkit::arg(3, ""));
    if ["put", "update"].contains(&command.as_str()) && value.is_empty() {
        let sentence =
            format!("{command} needs a value: kv {command} KEY VALUE, nothing is stored.");
        return Err(Problem::new(sentence).hint("for example `cargo run -p kv -- put color blue`"));
    }
    // The keys a bucket takes: letters, digits and - / _ = . (a dot separates tokens, as in a
    // subject), never a dot first or last.
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-/_=.".contains(c);
    let odd = key.is_empty() || key.starts_with('.') || key.ends_with('.');
    if command != "watch" && (odd || !key.chars().all(allowed)) {
        let hint = "use letters, digits and - / _ = . only, with no space and no dot first or \
                    last: color, user.42.name";
        return Err(Problem::new(format!("'{key}' is not a key a bucket takes.")).hint(hint));
    }

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
        // Every key's value, then each change. When the server goes away and comes back,
        // async-nats makes the watcher's consumer again: changes after the restart arrive (with
        // 0.51, nothing is reported while it is away). An error it reports is a warning, and
        // the watch goes on.
        "watch" => {
            let mut changes = bucket.watch_with_history(">").await.map_err(failed)?;
            info!("Watching the bucket 'tutorial' (Ctrl-C stops)");
            let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
            loop {
                tokio::select! {
                    entry = changes.next() => match entry {
                        Some(Ok(entry)) => info!("{}", describe(&entry)),
                        Some(Err(err)) => warn!("The watcher reports: {err}; it goes on"),
                        None => return Err(Problem::new("the watcher ended: the server closed it.")),
                    },
                    signal = &mut ctrl_c => {
                        signal.map_err(stepkit::ctrl_c_failed)?;
                        info!("Ctrl-C: stopped watching");
                        break;
                    }
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
