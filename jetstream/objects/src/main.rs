//! # Persistence: the object store
//!
//! A message has a size limit: the server's `max_payload`, 1 MB unless configured. A file does
//! not. The object store keeps a file of any size in a JetStream stream, cut into chunks (128 KB
//! each here) with a SHA-256 digest of the whole, and a small record of its name, size, chunk
//! count and digest. Reading it back streams the chunks in order, and async-nats compares the
//! digest at the end: a file that was cut short or damaged is an error, not a quiet success.
//! This step keeps files in the bucket `tutorial-files`.
//!
//! Run it (two terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server --jetstream
//! terminal 2:  cargo run -p objects -- put README.md && cargo run -p objects -- list
//! ```
//!
//! Commands: `put PATH [NAME]` (NAME defaults to the file's name), `get NAME PATH` (never over
//! an existing file), `list`, `delete NAME`, and `watch`, which logs each change until Ctrl-C.

use async_nats::ConnectOptions;
use async_nats::jetstream::object_store::{Config, DeleteErrorKind, GetErrorKind, ObjectInfo};
use futures_util::StreamExt;
use log::{info, warn};
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_jetstream("objects")?;
    let command = stepkit::arg(1, "list");
    let (first, second) = (stepkit::arg(2, ""), stepkit::arg(3, ""));
    let options = ConnectOptions::new().name(stepkit::connection_name("objects"));
    let client = stepkit::in_class(options).connect(&url).await?;
    let max_payload = client.server_info().max_payload;
    let js = async_nats::jetstream::new(client);
    let config = Config {
        bucket: "tutorial-files".to_string(),
        ..Default::default()
    };
    let bucket = js.create_object_store(config).await.map_err(|err| {
        let hint = "the object store needs JetStream: `cargo xtask server --jetstream`";
        Problem::new(format!("could not create or find the bucket: {err}.")).hint(hint)
    })?;

    match (command.as_str(), first.as_str(), second.as_str()) {
        ("put", path, name) if !path.is_empty() => {
            let name = if name.is_empty() {
                path.rsplit(['/', '\\']).next().unwrap_or(path)
            } else {
                name
            };
            let mut file = tokio::fs::File::open(path).await.map_err(|err| {
                Problem::new(format!("cannot read {path} ({err}).")).hint("give an existing file")
            })?;
            // Chunk by chunk: no message is bigger than the chunk, whatever the file's size.
            let stored = describe(&bucket.put(name, &mut file).await.map_err(failed)?);
            info!("Stored {path} as '{name}': {stored} (max_payload {max_payload})");
        }
        ("get", name, path) if !path.is_empty() => {
            let mut object = bucket.get(name).await.map_err(|err| match err.kind() {
                GetErrorKind::NotFound => missing(name),
                _ => failed(err),
            })?;
            // `create_new`: an existing file is never overwritten.
            let mut open = tokio::fs::OpenOptions::new();
            let mut file = open
                .write(true)
                .create_new(true)
                .open(path)
                .await
                .map_err(|err| {
                    let hint =
                        "give a new file's path, in a folder that exists and that you may write";
                    Problem::new(format!("cannot write {path} ({err}).")).hint(hint)
                })?;
            // async-nats adds up the digest chunk by chunk and compares it with the record's
            // as the last chunk arrives: a damaged object fails here ("wrong digest").
            if let Err(err) = tokio::io::copy(&mut object, &mut file).await {
                // Nothing half-written stays; had the removal failed, the learner must know.
                let removed = match tokio::fs::remove_file(path).await {
                    Ok(()) => format!("{path} was removed"),
                    Err(err) => format!("remove {path} by hand ({err})"),
                };
                let sentence = format!("'{name}' came back damaged ({err}): {removed}.");
                let hint = "the stored copy is wrong: put the file again under its name";
                return Err(Problem::new(sentence).hint(hint));
            }
            let written = describe(object.info());
            info!("Wrote '{name}' to {path} ({written}), its digest checked");
        }
        ("list", _, _) => {
            let mut objects = bucket.list().await.map_err(failed)?;
            let mut count = 0;
            while let Some(object) = objects.next().await {
                let object = object.map_err(failed)?;
                info!("{}: {}", object.name, describe(&object));
                count += 1;
            }
            info!("{count} object(s) in the bucket 'tutorial-files'");
        }
        ("delete", name, _) if !name.is_empty() => {
            bucket.delete(name).await.map_err(|err| match err.kind() {
                DeleteErrorKind::NotFound => missing(name),
                _ => failed(err),
            })?;
            info!("Deleted '{name}' (its chunks are purged from the stream)");
        }
        // Each change to the bucket's records, as kv's watcher does, until Ctrl-C.
        ("watch", _, _) => {
            let mut changes = bucket.watch().await.map_err(failed)?;
            info!("Watching the bucket 'tutorial-files' (Ctrl-C stops)");
            let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
            loop {
                // The next change, or Ctrl-C, which leaves the loop.
                let change = tokio::select! {
                    change = changes.next() => change,
                    signal = &mut ctrl_c => break signal.map_err(stepkit::ctrl_c_failed)?,
                };
                match change {
                    Some(Ok(change)) if change.deleted => info!("'{}' deleted", change.name),
                    Some(Ok(change)) => info!("'{}' stored: {}", change.name, describe(&change)),
                    Some(Err(err)) => warn!("The watcher reports: {err}; it goes on"),
                    None => return Err(Problem::new("the watcher ended: the server closed it.")),
                }
            }
            info!("Ctrl-C: stopped watching");
        }
        (known @ ("put" | "get" | "delete"), _, _) => {
            let usage = match known {
                "put" => "objects put PATH [NAME]",
                "get" => "objects get NAME PATH (PATH: a new file to write it to)",
                _ => "objects delete NAME",
            };
            return Err(Problem::new(format!("{known} needs more: {usage}.")));
        }
        (unknown, _, _) => {
            let usage = "objects put PATH [NAME] | get NAME PATH | list | delete NAME | watch";
            let sentence = format!("'{unknown}' is not a command of objects.");
            return Err(Problem::new(sentence).hint(usage));
        }
    }
    Ok(())
}

/// Size, chunks and digest, as the object's record has them.
fn describe(object: &ObjectInfo) -> String {
    let digest = object.digest.as_deref().unwrap_or("none");
    let (size, chunks) = (object.size, object.chunks);
    format!("{size} bytes in {chunks} chunk(s), digest {digest}")
}

fn missing(name: &str) -> Problem {
    let sentence = format!("there is no object '{name}' in the bucket 'tutorial-files'.");
    Problem::new(sentence).hint("`cargo run -p objects -- list` shows what there is")
}

/// A bucket operation failed (the server went away, for example).
fn failed(err: impl std::fmt::Display) -> Problem {
    Problem::new(format!("the object store did not do it: {err}."))
}
