//! The checks of the exercise "service-endpoint", run by `cargo xtask check service-endpoint`.
// Helpers below unwrap like the tests do: a panic is the check failing with its reason.
#![allow(clippy::unwrap_used)]

use testkit::{EXERCISE_PATIENCE, ServerOptions, Step, checks, start_exercise};

fn start(server: &testkit::NatsServer) -> Step {
    start_exercise(
        env!("CARGO_BIN_EXE_exercise-service-endpoint"),
        server,
        &[],
        Some("calc.sum"),
    )
}

/// The answer to one request: its body, and its error headers if any.
fn ask(
    server: &testkit::NatsServer,
    subject: &str,
    body: &str,
) -> (String, Option<(String, String)>) {
    testkit::with_client(server, async |client| {
        let request = async_nats::Request::new()
            .payload(body.to_string().into())
            .timeout(Some(EXERCISE_PATIENCE));
        match client.send_request(subject.to_string(), request).await {
            Ok(answer) => {
                let header = |name| answer.headers.as_ref()?.get(name).map(|v| v.to_string());
                let error = header("Nats-Service-Error")
                    .map(|s| (s, header("Nats-Service-Error-Code").unwrap_or_default()));
                (String::from_utf8_lossy(&answer.payload).to_string(), error)
            }
            Err(err) => (format!("no answer: {err}"), None),
        }
    })
    .unwrap()
}

#[test]
fn avg_answers_the_average() {
    let server = checks::start(ServerOptions::new());
    let service = start(&server);
    let (body, error) = ask(&server, "calc.avg", "[1, 2, 3]");
    let result = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["result"].as_f64());
    assert!(
        error.is_none() && result == Some(2.0),
        "hint: add the endpoint avg to the group calc, and answer {{\"result\": 2.0}} to [1, 2, 3]; \
         the answer was {body:?} {error:?}\n\noutput:\n{}",
        service.output_so_far()
    );
}

#[test]
fn avg_of_nothing_is_an_error_reply() {
    let server = checks::start(ServerOptions::new());
    let service = start(&server);
    let (body, error) = ask(&server, "calc.avg", "[]");
    let Some((sentence, code)) = error else {
        panic!(
            "hint: answer [] with Err(ServiceError {{ code: 400, status: ... }}), not {body:?}\n\n\
             output:\n{}",
            service.output_so_far()
        );
    };
    assert_eq!(code, "400", "hint: the error code is 400 (a bad request)");
    assert!(
        sentence.contains("at least one number"),
        "hint: say the list needs at least one number, not {sentence:?}"
    );
}

#[test]
fn still_sums() {
    let server = checks::start(ServerOptions::new());
    let _service = start(&server);
    let (body, error) = ask(&server, "calc.sum", "[1, 2, 3]");
    let result = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["result"].as_f64());
    assert!(
        error.is_none() && result == Some(6.0),
        "hint: keep calc.sum as it was: {body:?}"
    );
}
