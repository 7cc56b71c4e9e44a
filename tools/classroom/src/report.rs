//! The class's report service, `class.report`, built with the service API that the Services
//! part teaches. A student's `cargo xtask check` sends `{"exercise": ..., "result": ...}` on
//! `class.report` in their own account; their service import brings it to the class account
//! as `from.NAME.class.report`, so the name in the subject is written by the server, never by
//! the student. The service checks the report and writes the bucket itself; a refused report
//! gets the service API's error reply (the `Nats-Service-Error` headers), whose sentence
//! `cargo xtask check` prints.

use async_nats::Client;
use async_nats::jetstream::kv::Store;
use async_nats::service::{Request, ServiceExt, error::Error};
use futures_util::StreamExt;
use log::warn;
use serde_json::Value;

/// A report is a few dozen bytes; anything longer is refused before it is read.
pub const MAX_REPORT: usize = 256;

/// Runs the service until the connection ends: `report` answers the students, `teacher` the
/// class account's own `class.report` (the teacher's login has no results to keep).
pub async fn serve(client: Client, bucket: Store, students: Vec<String>) {
    let students: std::sync::Arc<[String]> = students.into();
    let service = client
        .service_builder()
        .description("Keeps each student's latest exercise results")
        .start("class", "1.0.0")
        .await;
    let service = match service {
        Ok(service) => service,
        Err(err) => return warn!("cannot start the report service: {err}; reports are off"),
    };
    let builder = |name: &str| service.endpoint_builder().name(name);
    let endpoints = (
        builder("report").add("from.*.class.report").await,
        builder("teacher").add("class.report").await,
    );
    let (Ok(mut reports), Ok(mut teacher)) = endpoints else {
        return warn!("cannot add the report endpoints; reports are off");
    };
    loop {
        tokio::select! {
            Some(request) = reports.next() => {
                // Each report in a task of its own: a room reports at once, and each put waits
                // for JetStream's acknowledgement (a write to disk).
                let (bucket, students) = (bucket.clone(), students.clone());
                tokio::spawn(async move {
                    let answer = store(&request, &bucket, &students).await;
                    respond(&request, answer).await;
                });
            }
            Some(request) = teacher.next() => {
                let refusal = refused(403, "the teacher's login has no results to keep: check \
                    with a student's settings file loaded");
                respond(&request, Err(refusal)).await;
            }
            else => return,
        }
    }
}

async fn respond(request: &Request, answer: Result<String, Error>) {
    if let Err(err) = request.respond(answer.map(Into::into)).await {
        warn!("cannot answer a report: {err}");
    }
}

fn refused(code: usize, status: &str) -> Error {
    Error {
        code,
        status: status.to_string(),
    }
}

/// Checks one report and keeps it as `NAME.EXERCISE` = result; the answer's body says so.
async fn store(request: &Request, bucket: &Store, students: &[String]) -> Result<String, Error> {
    let message = &request.message;
    let student = message.subject.split('.').nth(1).unwrap_or_default();
    if !students.iter().any(|name| name == student) {
        return Err(refused(403, &format!("'{student}' is not in this class")));
    }
    let (exercise, result) = parse(&message.payload)?;
    let key = format!("{student}.{exercise}");
    match bucket.put(&key, result.clone().into()).await {
        Ok(revision) => Ok(format!("kept {key} = {result} (revision {revision})")),
        Err(err) => {
            warn!("cannot keep {key}: {err}");
            Err(refused(
                500,
                "the class could not keep it; tell your teacher",
            ))
        }
    }
}

/// The exercise and the result of a report, or the sentence that refuses it.
pub fn parse(payload: &[u8]) -> Result<(String, String), Error> {
    if payload.len() > MAX_REPORT {
        let status = format!(
            "a report is at most {MAX_REPORT} bytes, not {}",
            payload.len()
        );
        return Err(refused(413, &status));
    }
    let report: Value = serde_json::from_slice(payload).unwrap_or_default();
    let field = |name: &str| report[name].as_str().map(String::from);
    let (Some(exercise), Some(result)) = (field("exercise"), field("result")) else {
        return Err(refused(
            400,
            "a report is {\"exercise\": ..., \"result\": ...}",
        ));
    };
    if !crate::course::EXERCISES.contains(&exercise.as_str()) {
        return Err(refused(
            400,
            &format!("the class has no exercise '{exercise}'"),
        ));
    }
    if !is_result(&result) {
        let status = "a result is passed, N of M, or does not compile";
        return Err(refused(400, status));
    }
    Ok((exercise, result))
}

/// `passed`, `does not compile`, or `N of M` with N <= M <= 99 (M = N when all of the student's
/// checks pass but one that the starter passed fails now).
fn is_result(result: &str) -> bool {
    if result == "passed" || result == "does not compile" {
        return true;
    }
    let numbers = result
        .split_once(" of ")
        .map(|(n, m)| (n.parse::<u8>(), m.parse::<u8>()));
    matches!(numbers, Some((Ok(n), Ok(m))) if n <= m && m <= 99)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn a_report_is_a_known_exercise_and_a_result_of_three_shapes() {
        let report = |exercise: &str, result: &str| {
            let text = serde_json::json!({ "exercise": exercise, "result": result }).to_string();
            parse(text.as_bytes()).map_err(|err| (err.code, err.status))
        };
        for result in ["passed", "does not compile", "0 of 2", "3 of 4", "2 of 2"] {
            assert_eq!(
                report("timeouts", result),
                Ok(("timeouts".into(), result.into()))
            );
        }
        for result in ["5 of 4", "-1 of 3", "1 of 300", "passed!", ""] {
            let refusal = report("timeouts", result).map_err(|(code, _)| code);
            assert_eq!(refusal, Err(400), "{result}");
        }
        assert_eq!(report("tour", "passed").map_err(|(code, _)| code), Err(400));
        let long = "x".repeat(300);
        assert_eq!(
            report("timeouts", &long).map_err(|(code, _)| code),
            Err(413)
        );
        assert_eq!(parse(b"passed").map_err(|err| err.code), Err(400));
    }
}
