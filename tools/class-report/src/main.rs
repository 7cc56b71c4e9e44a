//! In a class (a student's settings file from `classroom start` is loaded: `NATS_CLASS=1`),
//! `cargo xtask check` reports each result to the class's report service, `class.report`, with
//! the student's own login, over TLS with the class's CA (`NATS_CA`). The server writes in who
//! sent it (the student's account imports the service under their name), and the service keeps
//! it in the class's bucket, which no student can reach. A refused report, or one that cannot be
//! made, is one line; the check's own result stands.
//!
//! `cargo xtask check` runs this as `cargo run -p class-report -- EXERCISE RESULT`, in a
//! class only: xtask itself needs no NATS client.
#![warn(clippy::too_many_lines)]

use std::time::Duration;

use async_nats::ConnectOptions;
use tokio::time::timeout;

/// Reports `result` ("passed", "N of M" or "does not compile") for `exercise`, when a class's
/// settings are loaded.
fn main() {
    if std::env::var("NATS_CLASS").as_deref() != Ok("1") {
        return;
    }
    let mut args = std::env::args().skip(1);
    let (exercise, result) = (
        args.next().unwrap_or_default(),
        args.next().unwrap_or_default(),
    );
    let (exercise, result) = (exercise.as_str(), result.as_str());
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
    let mut options = ConnectOptions::with_user_and_password(user.to_string(), password)
        .name(format!("xtask check ({user})"))
        .connection_timeout(Duration::from_secs(3));
    // The class server speaks TLS only, with the class's own CA.
    let class_ca = std::env::var_os("NATS_CA");
    if let Some(path) = class_ca {
        options = options.add_root_certificates(path.into()).require_tls(true);
    }
    let client = match timeout(Duration::from_secs(5), options.connect(url)).await {
        Ok(Ok(client)) => client,
        Ok(Err(err)) => {
            return Err(format!(
                "the class server at {url} did not take the connection: {err}"
            ));
        }
        Err(_) => return Err(format!("the class server at {url} did not answer")),
    };
    // The service answers once the report is kept, or with an error reply that says why not.
    let report = serde_json::json!({ "exercise": exercise, "result": result }).to_string();
    let answer = timeout(
        Duration::from_secs(3),
        client.request("class.report", report.into()),
    )
    .await;
    let answer = match answer {
        Ok(Ok(answer)) => answer,
        Ok(Err(err)) => return Err(format!("the class's report service did not answer: {err}")),
        Err(_) => return Err("the class did not answer within 3 s".to_string()),
    };
    match refusal(answer.headers.as_ref()) {
        None => Ok(()),
        Some(why) => Err(format!("the class refused it: {why}")),
    }
}

/// The sentence of a service's error reply (the `Nats-Service-Error` header), if it is one.
fn refusal(headers: Option<&async_nats::HeaderMap>) -> Option<String> {
    let error = headers?.get("Nats-Service-Error")?;
    Some(error.to_string())
}
