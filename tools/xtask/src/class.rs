//! In a class (a student's settings file from `classroom start` is loaded: `NATS_CLASS=1`),
//! `cargo xtask check` reports each result to the class server, with the student's own login,
//! into the class's key-value bucket `progress`. The subject `$KV.progress.USER.EXERCISE` is
//! the only one of that bucket the student's account can reach, and the server refuses a report
//! under another student's name. A report that cannot be made is one line; the check's own
//! result stands.

use std::time::Duration;

use async_nats::ConnectOptions;
use tokio::time::timeout;

/// Reports `result` ("passed", "N of M" or "does not compile") for `exercise`, in a class.
pub fn report(exercise: &str, result: &str) {
    if std::env::var("NATS_CLASS").as_deref() != Ok("1") {
        return;
    }
    let setting = |name| std::env::var(name).unwrap_or_default();
    let (url, user) = (setting("NATS_URL"), setting("NATS_USER"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let sent = match runtime {
        Ok(runtime) => runtime.block_on(send(
            &url,
            &user,
            setting("NATS_PASSWORD"),
            exercise,
            result,
        )),
        Err(err) => Err(format!("no async runtime: {err}")),
    };
    match sent {
        Ok(()) => println!("xtask: reported to the class at {url}: {exercise} {result}"),
        Err(why) => println!("xtask: not reported to the class ({why}); the check's result stands"),
    }
}

async fn send(
    url: &str,
    user: &str,
    password: String,
    exercise: &str,
    result: &str,
) -> Result<(), String> {
    let options = ConnectOptions::with_user_and_password(user.to_string(), password)
        .name(format!("xtask check ({user})"))
        .connection_timeout(Duration::from_secs(3));
    let client = match timeout(Duration::from_secs(5), options.connect(url)).await {
        Ok(Ok(client)) => client,
        Ok(Err(err)) => {
            return Err(format!(
                "the class server at {url} did not take the connection: {err}"
            ));
        }
        Err(_) => return Err(format!("the class server at {url} did not answer")),
    };
    // JetStream acknowledges a stored value: the report is kept once this answer arrives.
    let subject = format!("$KV.progress.{user}.{exercise}");
    let answer = timeout(
        Duration::from_secs(3),
        client.request(subject, result.to_string().into()),
    )
    .await;
    let answer = match answer {
        Ok(Ok(answer)) => answer,
        Ok(Err(err)) => return Err(format!("the class did not store it: {err}")),
        Err(_) => return Err("the class did not acknowledge it within 3 s".to_string()),
    };
    let ack: serde_json::Value = serde_json::from_slice(&answer.payload).unwrap_or_default();
    match ack.get("error") {
        None => Ok(()),
        Some(error) => Err(format!("the class refused it: {}", error["description"])),
    }
}
