//! A second NATS client for tests: it observes what was really published, and publishes
//! messages for a step to receive. It runs async-nats on its own thread, so tests stay
//! plain blocking functions.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use async_nats::{Client, ConnectOptions};
use futures::StreamExt;
use tokio::sync::oneshot;

use crate::server::NatsServer;

/// A message as a test sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    pub subject: String,
    pub reply: Option<String>,
    pub payload: String,
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
    let options = match server.credentials() {
        Some((user, password)) => {
            ConnectOptions::with_user_and_password(user.to_string(), password.to_string())
        }
        None => ConnectOptions::new(),
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
                            let received = Received {
                                subject: message.subject.to_string(),
                                reply: message.reply.map(|reply| reply.to_string()),
                                payload: String::from_utf8_lossy(&message.payload).into_owned(),
                            };
                            if message_tx.send(received).is_err() {
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

    /// The messages that have arrived so far, without waiting.
    pub fn so_far(&self) -> Vec<Received> {
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
