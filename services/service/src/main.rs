//! # Services: a service built with the service API
//!
//! Most NATS programs in production are services: they answer requests. async-nats's service
//! API (Go's `micro` package) gives one a name, a version and endpoints, shares the requests
//! among running copies, answers discovery (`$SRV.PING`, `$SRV.INFO`, `$SRV.STATS`) and counts
//! requests and errors. This one, `calc` 1.0.0, has two endpoints in the group `calc`, named
//! `sum` and `max`, on the subjects `calc.sum` and `calc.max`. A request is a JSON array of
//! numbers; the answer is a JSON object
//! `{"result": N}`. Anything else gets an error reply: the headers `Nats-Service-Error` (the
//! sentence) and `Nats-Service-Error-Code: 400`.
//!
//! Run it (three terminals; start it in a fourth as well, and the two share the requests):
//!
//! ```text
//! terminal 1:  cargo xtask server
//! terminal 2:  cargo run -p service             # this program: waits for requests
//! terminal 3:  cargo run -p calc -- sum 1 2 3   # asks calc.sum; cargo run -p discover
//! ```
//!
//! Arguments: `service [CONCURRENCY] [WORK_MS]` (defaults 1 and 0): how many requests it
//! handles at once (1 to 1000), and a pretend work time for each, to see concurrency pay off.

use std::sync::Arc;
use std::time::Duration;

use async_nats::ConnectOptions;
use async_nats::service::{Request, ServiceExt, error::Error as ServiceError};
use futures_util::StreamExt;
use log::{info, warn};
use serde::Serialize;
use stepkit::Problem;
use tokio::sync::Semaphore;

/// The answer's JSON body: `{"result": 6.0}`.
#[derive(Serialize)]
struct Answer {
    result: f64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("service")?;
    let concurrency = stepkit::number_arg(1, "CONCURRENCY", 1)? as usize;
    if !(1..=1000).contains(&concurrency) {
        let sentence = format!("CONCURRENCY must be from 1 to 1000, not {concurrency}.");
        return Err(Problem::new(sentence).hint("1 handles one request at a time"));
    }
    let work = Duration::from_millis(stepkit::number_arg(2, "WORK_MS", 0)?);
    let options =
        stepkit::in_class(ConnectOptions::new()).name(stepkit::connection_name("service"));
    let client = options.connect(&url).await?;

    // A service is a name and a version. Each running copy is an instance with its own id.
    let service = client
        .service_builder()
        .description("sums and maxima of numbers");
    let service = service.start("calc", "1.0.0").await.map_err(failed)?;
    let id = service.info().await.id;
    // The group prefixes its endpoints' subjects. Each endpoint subscribes in the queue group
    // `q`, so the server gives each request to one instance, with no configuration. Named
    // `sum` and `max`, as Go and JavaScript name them: without `name`, async-nats would name
    // them after their subjects, `calc-sum` and `calc-max`, in INFO and STATS.
    let group = service.group("calc");
    let sum = group.endpoint_builder().name("sum").add("sum").await;
    let max = group.endpoint_builder().name("max").add("max").await;
    let (sum, max) = (sum.map_err(failed)?, max.map_err(failed)?);
    info!("Service calc 1.0.0, instance {id}: calc.sum and calc.max, {concurrency} at a time");

    // One stream of requests from both endpoints. Each is handled in a task of its own, at
    // most `concurrency` at once: a permit is taken before a request, given back after.
    let mut requests = futures_util::stream::select(sum, max);
    let permits = Arc::new(Semaphore::new(concurrency));
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    let (mut service, mut handled) = (Some(service), 0);
    loop {
        tokio::select! {
            request = requests.next() => {
                let Some(request) = request else { break }; // both endpoints stopped
                let permit = permits.clone().acquire_owned().await;
                let permit = permit.map_err(|_| Problem::new("the request permits are gone."))?;
                handled += 1;
                tokio::spawn(async move {
                    handle(request, work).await;
                    drop(permit);
                });
            }
            signal = &mut ctrl_c, if service.is_some() => {
                signal.map_err(stepkit::ctrl_c_failed)?;
                // `stop` unsubscribes the endpoints: no new requests. Those already received
                // still come out of the stream, and are answered, before it ends.
                info!("Ctrl-C: no new requests; answering those already received");
                if let Some(service) = service.take() {
                    service.stop().await.map_err(failed)?;
                }
            }
        }
    }
    // Every permit back means every accepted request answered; drain flushes the answers.
    // (`acquire_many` fails only on a closed semaphore, and this one is never closed.)
    let _ = permits.acquire_many(concurrency as u32).await;
    client.drain().await?;
    info!("Instance {id} stopped after {handled} request(s)");
    Ok(())
}

/// One request: the numbers in, the result out, or an error reply, which the service API
/// sends as headers and counts in the endpoint's statistics.
async fn handle(request: Request, work: Duration) {
    if !work.is_zero() {
        tokio::time::sleep(work).await; // the pretend work
    }
    let (endpoint, body) = (&request.message.subject, &request.message.payload);
    let text = String::from_utf8_lossy(body);
    let response = match calculate(endpoint, body) {
        Ok(result) => {
            info!("{endpoint} {text} = {result}");
            serde_json::to_vec(&Answer { result })
                .map(Into::into)
                .map_err(|err| err.to_string())
        }
        Err(sentence) => Err(sentence),
    };
    let response = response.map_err(|status| {
        warn!("{endpoint} {text}: {status}");
        ServiceError { code: 400, status }
    });
    if let Err(err) = request.respond(response).await {
        warn!("Could not answer on {endpoint}: {err}");
    }
}

/// `calc.sum` or `calc.max` of a JSON array of numbers, or what is wrong with the request.
fn calculate(endpoint: &str, body: &[u8]) -> Result<f64, String> {
    let numbers: Vec<f64> = serde_json::from_slice(body)
        .map_err(|_| "expected a JSON array of numbers, such as [1, 2, 3]".to_string())?;
    match endpoint {
        // Folded from 0: the sum of nothing is 0 (`Iterator::sum` of f64 would start at -0).
        "calc.sum" => Ok(numbers.iter().fold(0.0, |total, n| total + n)),
        "calc.max" => numbers
            .into_iter()
            .reduce(f64::max)
            .ok_or("max needs at least one number".into()),
        other => Err(format!("{other} is not an endpoint of this service")),
    }
}

/// The service or an endpoint could not start (the connection closed, say).
fn failed(err: async_nats::Error) -> Problem {
    Problem::new(format!("could not start the service: {err}."))
}
