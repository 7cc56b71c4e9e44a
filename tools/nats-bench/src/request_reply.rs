//! Request-reply: requesters time each answer from a queue group of responders.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_nats::Subject;
use bytes::Bytes;
use futures_util::StreamExt;

use crate::connection::{connect, round_trip, tuned_options};
use crate::options::Settings;
use crate::report::{Side, share_of, show_progress};

/// Request-reply: responders in a queue group answer with the request's payload; each
/// requester sends its share of the requests one after the other and times every answer.
pub async fn run(settings: &Settings) -> Result<(Side, Vec<Duration>), String> {
    let dropped = Arc::new(AtomicU64::new(0));
    let subject = Subject::from(settings.subject.as_str());
    let mut responders = Vec::new();
    for _ in 0..settings.subs {
        let client = connect(settings, tuned_options(settings, dropped.clone())).await?;
        let mut requests = client
            .queue_subscribe(subject.clone(), "bench".to_string())
            .await
            .map_err(|err| format!("cannot subscribe to '{}': {err}", settings.subject))?;
        round_trip(&client).await?;
        responders.push(tokio::spawn(async move {
            while let Some(request) = requests.next().await {
                if let Some(reply) = request.reply {
                    let _ = client.publish(reply, request.payload).await;
                }
            }
        }));
    }

    let payload = Bytes::from(vec![b'x'; settings.size]);
    let answered = Arc::new(AtomicU64::new(0));
    let progress = show_progress("tuned", "answered", answered.clone(), settings.msgs);
    let mut requesters = Vec::new();
    for index in 0..settings.pubs {
        let client = connect(settings, tuned_options(settings, dropped.clone())).await?;
        let share = share_of(settings.msgs, settings.pubs, index);
        let subject = subject.clone();
        let payload = payload.clone();
        let answered = answered.clone();
        requesters.push(tokio::spawn(async move {
            let started = Instant::now();
            let mut latencies = Vec::with_capacity(share as usize);
            for _ in 0..share {
                let sent = Instant::now();
                if client
                    .request(subject.clone(), payload.clone())
                    .await
                    .is_err()
                {
                    break;
                }
                latencies.push(sent.elapsed());
                answered.fetch_add(1, Ordering::Relaxed);
            }
            (latencies, started.elapsed())
        }));
    }
    let mut side = Side {
        name: "req",
        clients: Vec::new(),
    };
    let mut all = Vec::new();
    for task in requesters {
        let (latencies, elapsed) = task
            .await
            .map_err(|err| format!("a requester failed: {err}"))?;
        side.clients.push((latencies.len() as u64, elapsed));
        all.extend(latencies);
    }
    progress.abort();
    for responder in responders {
        responder.abort();
    }
    let answered = all.len() as u64;
    if answered < settings.msgs {
        return Err(format!(
            "only {answered} of {} requests were answered.\n\
             hint: are the responders overloaded? try fewer requesters or more responders",
            settings.msgs
        ));
    }
    Ok((side, all))
}
