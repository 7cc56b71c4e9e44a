//! # Services: a client of the calc service
//!
//! To the client, a service is plain request-reply: `calc sum 1 2 3` sends the JSON array
//! `[1.0,2.0,3.0]` as a request on `calc.sum` and prints the `result` of the JSON answer. What
//! the service API adds is on the answer: an error reply carries the headers
//! `Nats-Service-Error` (the service's sentence) and `Nats-Service-Error-Code`. So calc tells
//! three outcomes apart, with three exit codes: a result (0), nobody serving `calc` (1), and
//! the service refusing the request (2).
//!
//! Run it (three terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server
//! terminal 2:  cargo run -p service
//! terminal 3:  cargo run -p calc -- sum 1 2 3       # then: cargo run -p calc -- max
//! ```
//!
//! Arguments: `calc [OPERATION] [NUMBER]...` (default `sum` of nothing); OPERATION is `sum` or
//! `max`, the endpoints of the service.

use std::process::ExitCode;
use std::time::Duration;

use async_nats::{ConnectOptions, RequestErrorKind};
use log::{error, info};
use serde::Deserialize;
use stepkit::Problem;

/// The answer's JSON body.
#[derive(Deserialize)]
struct Answer {
    result: f64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<ExitCode, Problem> {
    let url = stepkit::start("calc")?;
    let operation = stepkit::arg(1, "sum");
    let numbers = std::env::args().skip(2).map(|text| {
        let sentence = format!("'{text}' is not a number.");
        text.parse::<f64>()
            .map_err(|_| Problem::new(sentence).hint("write numbers such as 3 or 2.5"))
    });
    let numbers = numbers.collect::<Result<Vec<f64>, Problem>>()?;
    let options = stepkit::in_class(ConnectOptions::new()).name(stepkit::connection_name("calc"));
    let client = options
        .request_timeout(Some(Duration::from_secs(2)))
        .connect(&url)
        .await?;

    // The request body is JSON, made by serde from the numbers.
    let subject = format!("calc.{operation}");
    let body = serde_json::to_vec(&numbers).map_err(|err| Problem::new(err.to_string()))?;
    let shown = String::from_utf8_lossy(&body).to_string();
    let answer = match client.request(subject.clone(), body.into()).await {
        Ok(answer) => answer,
        // No subscriber on the subject: the server says so at once. It cannot tell a service
        // without this endpoint from no service at all, so the hint names the endpoints.
        Err(err) if err.kind() == RequestErrorKind::NoResponders => {
            let sentence = format!("no service answers on {subject}.");
            let hint = match operation.as_str() {
                "sum" | "max" => "start one with `cargo run -p service`".to_string(),
                _ => format!(
                    "the service step has the endpoints sum and max only; one with {operation} \
                     must run (the exercise service-endpoint adds avg)"
                ),
            };
            return Err(Problem::new(sentence).hint(hint));
        }
        Err(err) => return Err(Problem::new(format!("no answer on {subject}: {err}."))),
    };

    // An error reply: the service API puts the sentence and the code in headers.
    let header = |name| {
        answer
            .headers
            .as_ref()?
            .get(name)
            .map(|value| value.to_string())
    };
    // Not a failure of calc's: an answer, which says no. Logged, with its own exit code.
    if let Some(status) = header("Nats-Service-Error") {
        let code = header("Nats-Service-Error-Code").unwrap_or_default();
        error!("The service refused {shown} on {subject} (code {code}): {status}");
        return Ok(ExitCode::from(2));
    }
    let answer: Answer = serde_json::from_slice(&answer.payload).map_err(|err| {
        Problem::new(format!(
            "the answer on {subject} is not {{\"result\": N}}: {err}."
        ))
    })?;
    info!("{subject} {shown} = {}", answer.result);
    Ok(ExitCode::SUCCESS)
}
