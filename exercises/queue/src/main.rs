//! Exercise "queue": see README.md in this folder, and check with `cargo xtask check queue`.

use async_nats::ConnectOptions;
use futures_util::StreamExt;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("exercise-queue")?;
    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("exercise-queue"))
        .connect(&url)
        .await?;
    info!("Connected to {url}");

    // TODO: join the queue group "workers", so that each task goes to one worker only.
    let mut tasks = client
        .subscribe("tasks")
        .await
        .map_err(|err| stepkit::subscribe_error("tasks", err))?;
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
        .map_err(stepkit::ctrl_c_failed)?;
    client.drain().await?;
    if let Some(handled) = stepkit::wait_drained(&client, handler).await {
        info!("Handled {handled} task(s)");
    }
    Ok(())
}
