//! # Persistence: a key-value bucket
//!
//! JetStream also offers a **key-value store**: a bucket maps keys to values, and it is a
//! stream underneath (`KV_tutorial`, one subject per key). So a bucket keeps each key's
//! **history** (here its last 10 values), every change gets a **revision** number, and a
//! **watcher** hears changes as they happen, like a subscriber. An update can name the
//! revision it read: if the key has changed since, the bucket refuses it (compare-and-set),
//! and nobody's change is overwritten unseen.
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

use async_nats::jetstream::kv::{Config, Entry, Operation, UpdateErrorKind};
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;
use stepkit::jetstream::kv_failed;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("kv")?;
    let command = stepkit::arg(1, "watch");
    let key = stepkit::arg(2, "color");
    let value = stepkit::arg(3, "blue");

    let options = async_nats::ConnectOptions::new().name(stepkit::connection_name("kv"));
    let client = options.connect(&url).await?;
    info!("Connected to {url}");
    let js = async_nats::jetstream::new(client);
    // Created the first time, and found again afterwards.
    let config = Config {
        bucket: "tutorial".to_string(),
        history: 10,
        ..Default::default()
    };
    let bucket = js
        .create_or_update_key_value(config)
        .await
        .map_err(|err| stepkit::jetstream::kv_error(&js, err))?;

    match command.as_str() {
        "put" => {
            let revision = bucket
                .put(&key, value.clone().into())
                .await
                .map_err(kv_failed)?;
            info!("{key} = {value} (revision {revision})");
        }
        "get" => match bucket.entry(&key).await.map_err(kv_failed)? {
            Some(entry) if entry.operation == Operation::Put => info!("{}", describe(&entry)),
            _ => return Err(stepkit::jetstream::no_value(&key)),
        },
        // A delete is one more revision: a marker that says "no value any more".
        "delete" => {
            bucket.delete(&key).await.map_err(kv_failed)?;
            info!("{key} deleted (its history keeps the old values)");
        }
        "history" => {
            let mut history = bucket.history(&key).await.map_err(kv_failed)?;
            while let Some(entry) = history.next().await {
                info!("{}", describe(&entry.map_err(kv_failed)?));
            }
        }
        // First the current value of every key, then each change as it is made.
        "watch" => {
            let mut changes = bucket.watch_with_history(">").await.map_err(kv_failed)?;
            info!("Watching the bucket 'tutorial' (Ctrl-C stops)");
            while let Some(entry) = changes.next().await {
                info!("{}", describe(&entry.map_err(kv_failed)?));
            }
        }
        // Compare-and-set: stored only if the key is still at the revision this update read.
        "update" => {
            let read = stepkit::number_arg(4, "REVISION", 0)?;
            match bucket.update(&key, value.clone().into(), read).await {
                Ok(revision) => info!("{key} = {value} (revision {revision}, was {read})"),
                Err(err) if err.kind() == UpdateErrorKind::WrongLastRevision => {
                    // Someone changed it first: read it again, then decide and retry.
                    let now = bucket.entry(&key).await.map_err(kv_failed)?;
                    let now = now.map(|entry| describe(&entry)).unwrap_or_default();
                    return Err(stepkit::jetstream::conflict(&key, read, &now));
                }
                Err(err) => return Err(kv_failed(err)),
            }
        }
        other => return Err(stepkit::jetstream::unknown_command(other)),
    }
    Ok(())
}

/// One revision of a key, as the log shows it.
fn describe(entry: &Entry) -> String {
    let (key, revision) = (&entry.key, entry.revision);
    match entry.operation {
        Operation::Put => format!(
            "{key} = {} (revision {revision})",
            String::from_utf8_lossy(&entry.value)
        ),
        _ => format!("{key} deleted (revision {revision})"),
    }
}
