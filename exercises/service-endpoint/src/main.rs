//! Exercise "service-endpoint": see README.md in this folder, and check with
//! `cargo xtask check service-endpoint`.

use async_nats::ConnectOptions;
use async_nats::service::{Request, ServiceExt, error::Error as ServiceError};
use futures_util::StreamExt;
use log::info;
use serde::Serialize;
use stepkit::Problem;

#[derive(Serialize)]
struct Answer {
    result: f64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start("exercise-service-endpoint")?;
    let client = stepkit::in_class(ConnectOptions::new())
        .name(stepkit::connection_name("exercise-service-endpoint"))
        .connect(&url)
        .await?;
    let failed = |err| Problem::new(format!("could not start the service: {err}."));
    let service = client
        .service_builder()
        .start("calc", "1.0.0")
        .await
        .map_err(failed)?;
    let group = service.group("calc");
    let sum = group.endpoint("sum").await.map_err(failed)?;
    // TODO: add the endpoint `avg` to the group, and take its requests too
    let mut requests = sum;
    info!("Service calc ready");

    while let Some(request) = requests.next().await {
        answer(request).await;
    }
    Ok(())
}

/// Answers one request with the result, or with an error reply (code 400).
async fn answer(request: Request) {
    let endpoint = request.message.subject.to_string();
    let numbers: Result<Vec<f64>, _> = serde_json::from_slice(&request.message.payload);
    let result = match (endpoint.as_str(), numbers) {
        (_, Err(_)) => Err("expected a JSON array of numbers".to_string()),
        ("calc.sum", Ok(numbers)) => Ok(numbers.iter().sum()),
        // TODO: calc.avg: the average of the numbers; an empty list is an error
        _ => Err(format!("{endpoint} is not an endpoint of calc")),
    };
    info!("{endpoint}: {:?}", result);
    let response = result
        .map(|result| {
            serde_json::to_vec(&Answer { result })
                .unwrap_or_default()
                .into()
        })
        .map_err(|status| ServiceError { code: 400, status });
    let _ = request.respond(response).await;
}
