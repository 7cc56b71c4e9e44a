//! Reference solution of the exercise "auth" (exercises/auth/README.md).

use async_nats::ConnectOptions;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("exercise-auth")?;

    // A token first, then a user and password, else no credentials at all.
    let options = match (
        std::env::var("NATS_TOKEN"),
        std::env::var("NATS_USER"),
        std::env::var("NATS_PASSWORD"),
    ) {
        (Ok(token), _, _) => ConnectOptions::with_token(token),
        (_, Ok(user), Ok(password)) => ConnectOptions::with_user_and_password(user, password),
        _ => ConnectOptions::new(),
    };

    let client = options
        .name(stepkit::connection_name("exercise-auth"))
        .connect(&url)
        .await?;
    info!("Connected to {url}");
    client
        .publish("auth.check", "I am in".into())
        .await
        .map_err(|err| stepkit::publish_error(&client, &["auth.check"], "I am in".len(), err))?;
    client.flush().await?;
    info!("Published on auth.check");
    Ok(())
}
