//! Reference solution of the exercise "kv-counter" (exercises/kv-counter/README.md).

use std::time::Duration;

use async_nats::ConnectOptions;
use async_nats::jetstream::kv::{Config, Operation, Store, UpdateErrorKind};
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_jetstream("solution-kv-counter")?;
    let count = stepkit::number_arg(1, "COUNT", 1)?;
    let pause = stepkit::number_arg(2, "PAUSE", 0)?;
    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("solution-kv-counter"))
        .connect(&url)
        .await?;
    info!("Connected to {url}");
    let js = async_nats::jetstream::new(client);
    let config = Config {
        bucket: "tutorial".to_string(),
        history: 10,
        ..Default::default()
    };
    let bucket = js
        .create_or_update_key_value(config)
        .await
        .map_err(kv_failed)?;

    for _ in 0..count {
        loop {
            let (visits, revision) = read(&bucket).await?;
            // Thinking takes PAUSE milliseconds: meanwhile, another client may change the value.
            tokio::time::sleep(Duration::from_millis(pause)).await;
            // Compare-and-set: stored only if "visits" is still at the revision read.
            let next = (visits + 1).to_string().into();
            match bucket.update("visits", next, revision).await {
                Ok(written) => {
                    info!("visits = {} (revision {written})", visits + 1);
                    break;
                }
                // Someone was faster: their increment stays, and this one starts over.
                Err(err) if err.kind() == UpdateErrorKind::WrongLastRevision => {
                    info!("visits changed after revision {revision}: reading it again");
                }
                Err(err) => return Err(kv_failed(err)),
            }
        }
    }
    Ok(())
}

/// The counter's value (0 when it has none) and the revision it is at (0 when never written).
async fn read(bucket: &Store) -> Result<(u64, u64), Problem> {
    let (visits, revision) = match bucket.entry("visits").await.map_err(kv_failed)? {
        Some(entry) if entry.operation == Operation::Put => {
            let text = String::from_utf8_lossy(&entry.value).to_string();
            let number = text.parse().map_err(|_| {
                Problem::new(format!("visits holds '{text}', not a number."))
                    .hint("put a number in it: `cargo run -p kv -- put visits 0`")
            })?;
            (number, entry.revision)
        }
        Some(deleted) => (0, deleted.revision),
        None => (0, 0),
    };
    info!("Read visits = {visits} at revision {revision}");
    Ok((visits, revision))
}

/// A bucket operation failed (no JetStream, or the server went away, for example).
fn kv_failed(err: impl std::fmt::Display) -> Problem {
    Problem::new(format!("the bucket did not do it: {err}."))
        .hint("the server must run JetStream: `cargo xtask server --jetstream` (2.10 or newer)")
}
