//! Exercise "queue": see README.md in this folder, and check with `cargo xtask check queue`.

use std::process::ExitCode;

use futures_util::StreamExt;
use log::info;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("error: {problem}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://localhost:4222".to_string());
    let client = async_nats::connect(url.as_str())
        .await
        .map_err(|err| format!("cannot connect to {url}: {err}"))?;
    info!("Connected to {url}");

    // TODO: join the queue group "workers", so that each task goes to one worker only.
    let mut tasks = client
        .subscribe("tasks")
        .await
        .map_err(|err| format!("cannot subscribe: {err}"))?;
    info!("Waiting for tasks");

    let handler = tokio::spawn(async move {
        let mut handled = 0;
        while let Some(task) = tasks.next().await {
            handled += 1;
            let text = String::from_utf8_lossy(&task.payload);
            info!("Handled '{text}'");
        }
        handled
    });

    tokio::signal::ctrl_c()
        .await
        .map_err(|err| format!("cannot listen for Ctrl-C: {err}"))?;
    client
        .drain()
        .await
        .map_err(|err| format!("could not drain: {err}"))?;
    let handled = handler
        .await
        .map_err(|err| format!("the handler failed: {err}"))?;
    info!("Handled {handled} task(s)");
    Ok(())
}
