//! Reference solution of the exercise "auth" (exercises/auth/README.md).

use std::process::ExitCode;

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

    // A token first, then a user and password, else no credentials at all.
    let options = match (
        std::env::var("NATS_TOKEN"),
        std::env::var("NATS_USER"),
        std::env::var("NATS_PASSWORD"),
    ) {
        (Ok(token), _, _) => async_nats::ConnectOptions::with_token(token),
        (_, Ok(user), Ok(password)) => {
            async_nats::ConnectOptions::with_user_and_password(user, password)
        }
        _ => async_nats::ConnectOptions::new(),
    };

    let client = options
        .connect(url.as_str())
        .await
        .map_err(|err| format!("cannot connect to {url}: {err}"))?;
    info!("Connected to {url}");
    client
        .publish("auth.check", "I am in".into())
        .await
        .map_err(|err| format!("cannot publish: {err}"))?;
    client
        .flush()
        .await
        .map_err(|err| format!("cannot flush: {err}"))?;
    info!("Published on auth.check");
    Ok(())
}
