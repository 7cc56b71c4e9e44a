//! A second NATS client for tests: it observes what was really published, and publishes
//! messages for a step to receive. It runs async-nats on its own thread, so tests stay
//! plain blocking functions.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use async_nats::{Client, ConnectOptions};
use futures_util::StreamExt;
use tokio::sync::oneshot;

use crate::NatsServer;

/// A message as a test sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    pub subject: String,
    pub reply: Option<String>,
    pub payload: String,
    /// Header names and values, sorted by name.
    pub headers: Vec<(String, String)>,
}

impl From<async_nats::Message> for Received {
    /// What a test compares: the text of everything, the headers sorted.
    fn from(message: async_nats::Message) -> Self {
        let mut headers: Vec<(String, String)> = message
            .headers
            .iter()
            .flat_map(|map| map.iter())
            .flat_map(|(name, values)| {
                values
                    .iter()
                    .map(move |value| (name.to_string(), value.as_str().to_string()))
            })
            .collect();
        headers.sort();
        Received {
            subject: message.subject.to_string(),
            reply: message.reply.map(|reply| reply.to_string()),
            payload: String::from_utf8_lossy(&message.payload).into_owned(),
            headers,
        }
    }
}

/// A subscriber owned by the test. Messages are collected on a background thread.
pub struct Observer {
    messages: Receiver<Received>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

static OBSERVERS: AtomicUsize = AtomicUsize::new(0);

fn runtime() -> crate::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| crate::Failure(format!("cannot start a tokio runtime: {err}")))
}

async fn connect(server: &NatsServer, name: &str) -> crate::Result<Client> {
    let options = match (server.credentials(), server.token()) {
        (Some((user, password)), _) => {
            ConnectOptions::with_user_and_password(user.to_string(), password.to_string())
        }
        (None, Some(token)) => ConnectOptions::with_token(token.to_string()),
        (None, None) => ConnectOptions::new(),
    };
    // A TLS server's test clients trust its CA, and show their certificate when it asks.
    let options = match server.tls() {
        Some((pki, mutual)) => {
            let options = options.add_root_certificates(pki.ca()).require_tls(true);
            let (cert, key) = pki.client();
            if *mutual {
                options.add_client_certificate(cert, key)
            } else {
                options
            }
        }
        None => options,
    };
    options
        .name(name)
        .connect(server.url())
        .await
        .map_err(|err| {
            crate::Failure(format!(
                "test client cannot connect to {}: {err}",
                server.url()
            ))
        })
}

impl Observer {
    /// Subscribes to `subject` (wildcards allowed) and returns once the server holds the
    /// subscription, so that anything published afterwards is observed.
    pub fn subscribe(server: &NatsServer, subject: &str) -> crate::Result<Observer> {
        Observer::start(server, subject, None)
    }

    /// Like [`Observer::subscribe`], and answers every request with `answer` (a responder).
    pub fn respond(server: &NatsServer, subject: &str, answer: &str) -> crate::Result<Observer> {
        Observer::start(server, subject, Some(answer.to_string()))
    }

    fn start(
        server: &NatsServer,
        subject: &str,
        answer: Option<String>,
    ) -> crate::Result<Observer> {
        let name = format!(
            "testkit-observer-{}",
            OBSERVERS.fetch_add(1, Ordering::Relaxed)
        );
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(), String>>();
        let (message_tx, messages) = mpsc::channel();
        let (stop, mut stopped) = oneshot::channel::<()>();
        let rt = runtime()?;
        let client = rt.block_on(connect(server, &name))?;
        let subject_owned = subject.to_string();
        let thread = thread::spawn(move || {
            rt.block_on(async move {
                let mut subscriber = match client.subscribe(subject_owned).await {
                    Ok(subscriber) => subscriber,
                    Err(err) => {
                        let _ = ready_tx.send(Err(format!("test client cannot subscribe: {err}")));
                        return;
                    }
                };
                let _ = client.flush().await;
                let _ = ready_tx.send(Ok(()));
                loop {
                    tokio::select! {
                        message = subscriber.next() => {
                            let Some(message) = message else { break };
                            if let (Some(answer), Some(reply)) = (&answer, &message.reply) {
                                let _ = client.publish(reply.clone(), answer.clone().into()).await;
                                let _ = client.flush().await;
                            }
                            if message_tx.send(Received::from(message)).is_err() {
                                break;
                            }
                        }
                        _ = &mut stopped => break,
                    }
                }
            });
        });
        ready_rx
            .recv_timeout(crate::PATIENCE)
            .map_err(|_| "test client did not subscribe in time".to_string())??;
        let observer = Observer {
            messages,
            stop: Some(stop),
            thread: Some(thread),
        };
        server
            .wait_until_subscriptions(crate::PATIENCE, |subs| {
                subs.iter().any(|(n, s)| *n == name && s == subject)
            })
            .map_err(|seen| format!("the server never listed {name}'s subscription: {seen:?}"))?;
        Ok(observer)
    }

    /// The next message, waiting up to `timeout`.
    pub fn next(&self, timeout: Duration) -> crate::Result<Received> {
        self.messages
            .recv_timeout(timeout)
            .map_err(|err| match err {
                RecvTimeoutError::Timeout => format!("no message observed within {timeout:?}"),
                RecvTimeoutError::Disconnected => "the observer's subscription ended".to_string(),
            })
            .map_err(crate::Failure)
    }

    /// Exactly the next `count` messages, all within `timeout`.
    pub fn take(&self, count: usize, timeout: Duration) -> crate::Result<Vec<Received>> {
        let deadline = Instant::now() + timeout;
        let mut taken = Vec::with_capacity(count);
        while taken.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next(left) {
                Ok(message) => taken.push(message),
                Err(err) => {
                    return Err(format!(
                        "observed {} of {count} messages: {err}; got {taken:?}",
                        taken.len()
                    )
                    .into());
                }
            }
        }
        Ok(taken)
    }

    /// The messages that arrived since the last call, without waiting. Each message is
    /// handed over once: a caller that polls must keep what earlier calls returned.
    pub fn drain(&self) -> Vec<Received> {
        self.messages.try_iter().collect()
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Publishes `payload` on `subject` with the server's credentials, and returns once the
/// message has been written to the server.
pub fn publish(server: &NatsServer, subject: &str, payload: &str) -> crate::Result<()> {
    let rt = runtime()?;
    rt.block_on(async {
        let client = connect(server, "testkit-publisher").await?;
        client
            .publish(subject.to_string(), payload.to_string().into())
            .await
            .map_err(|err| {
                crate::Failure(format!("test client cannot publish on {subject}: {err}"))
            })?;
        client
            .flush()
            .await
            .map_err(|err| crate::Failure(format!("test client cannot flush: {err}")))
    })
}

/// Runs `work` with a test client connected to `server` (its credentials and TLS included),
/// on a runtime of its own, and returns what it returns: for a test that talks NATS itself
/// (requests with headers or timings of its own).
pub fn with_client<T>(
    server: &NatsServer,
    work: impl AsyncFnOnce(Client) -> T,
) -> crate::Result<T> {
    let rt = runtime()?;
    rt.block_on(async {
        let client = connect(server, "testkit-client").await?;
        Ok(work(client).await)
    })
}

/// Publishes every payload on `subject`, in order, on one connection, and returns once the
/// server has routed them all: a request to a subject nobody serves goes last, and the
/// server's "no responders" answer to it comes after it has handled everything before it.
pub fn publish_all(server: &NatsServer, subject: &str, payloads: &[String]) -> crate::Result<()> {
    let rt = runtime()?;
    rt.block_on(async {
        let client = connect(server, "testkit-publisher").await?;
        for payload in payloads {
            client
                .publish(subject.to_string(), payload.clone().into())
                .await
                .map_err(|err| crate::Failure(format!("cannot publish on {subject}: {err}")))?;
        }
        let probe = format!("testkit.nobody.{}", std::process::id());
        match client.request(probe, "".into()).await {
            Err(err) if err.kind() == async_nats::RequestErrorKind::NoResponders => Ok(()),
            other => Err(crate::Failure(format!(
                "the round trip after publishing did not end in 'no responders': {other:?}"
            ))),
        }
    })
}

/// One JetStream API request (`$JS.API...`) to `server`, and its answer as JSON. A cluster
/// electing a leader answers nothing, or an error, for a moment: the request is sent again for
/// up to [`crate::PATIENCE`], and the last answer is the failure.
pub fn jetstream_api(
    server: &NatsServer,
    subject: &str,
    body: &str,
) -> crate::Result<serde_json::Value> {
    let mut last = String::from("no answer");
    let answer = crate::wait_until(crate::PATIENCE, || {
        let answer = requests(server, subject, &[body], Duration::from_secs(2))
            .map_err(|err| err.0)
            .and_then(|mut answers| answers.remove(0));
        match answer.map(|text| (serde_json::from_str::<serde_json::Value>(&text), text)) {
            Ok((Ok(json), _)) if json.get("error").is_none() => return Some(json),
            Ok((_, text)) => last = text,
            Err(err) => last = err,
        }
        // Paced: an error answer comes back at once.
        std::thread::sleep(Duration::from_millis(100));
        None
    });
    answer.ok_or_else(|| crate::Failure(format!("{subject} answered: {last}")))
}

/// Sends all `payloads` as requests on `subject` at the same time, and returns each answer
/// (or why there was none) in the same order.
pub fn requests(
    server: &NatsServer,
    subject: &str,
    payloads: &[&str],
    timeout: Duration,
) -> crate::Result<Vec<Result<String, String>>> {
    let rt = runtime()?;
    rt.block_on(async {
        let client = connect(server, "testkit-requester").await?;
        let tasks: Vec<_> = payloads
            .iter()
            .map(|payload| {
                let client = client.clone();
                let request = async_nats::Request::new()
                    .payload(payload.to_string().into())
                    .timeout(Some(timeout));
                let subject = subject.to_string();
                tokio::spawn(async move { client.send_request(subject, request).await })
            })
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(match task.await {
                Ok(Ok(message)) => Ok(String::from_utf8_lossy(&message.payload).into_owned()),
                Ok(Err(err)) => Err(err.to_string()),
                Err(err) => Err(err.to_string()),
            });
        }
        Ok(answers)
    })
}

static READERS: AtomicUsize = AtomicUsize::new(0);

/// Reads the first `count` messages of the JetStream stream `stream` through `server`, with a
/// consumer of its own: a push consumer (the server sends every stored message, oldest first,
/// to a subject the test subscribes to) that needs no acknowledgements.
pub fn read_stream(
    server: &NatsServer,
    stream: &str,
    count: usize,
    timeout: Duration,
) -> crate::Result<Vec<Received>> {
    let name = format!(
        "testkit-reader-{}-{}",
        std::process::id(),
        READERS.fetch_add(1, Ordering::Relaxed)
    );
    let deliver = format!("testkit.read.{name}");
    let observer = Observer::subscribe(server, &deliver)?;
    // Durable, so that it has as many replicas as the stream (an ephemeral consumer has one,
    // which the cluster might place on a node that has just died).
    let config = serde_json::json!({
        "stream_name": stream,
        "config": {
            "durable_name": name,
            "deliver_subject": deliver,
            "deliver_policy": "all",
            "ack_policy": "none",
        },
    })
    .to_string();
    let create = format!("$JS.API.CONSUMER.CREATE.{stream}.{name}");
    // Right after a node (re)joins, the cluster may still be electing its leaders: JetStream
    // answers "temporarily unavailable", or not at all, until it has one.
    let mut last = Vec::new();
    let created = crate::wait_until(crate::PATIENCE, || {
        last = requests(server, &create, &[&config], Duration::from_secs(2)).ok()?;
        matches!(&last[..], [Ok(answer)] if !answer.contains("\"error\"")).then_some(())
    });
    if created.is_none() {
        return Err(format!("cannot create a consumer on {stream}: {last:?}").into());
    }
    observer.take(count, timeout)
}
