//! What a running server reports on its monitoring port: its subscriptions and connections,
//! and waiting until they are what a test expects.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::NatsServer;

impl NatsServer {
    /// The subscriptions the server holds, as (connection name, subject) pairs, read from
    /// its monitoring endpoint `/connz?subs=1`.
    pub fn subscriptions(&self) -> crate::Result<Vec<(String, String)>> {
        let body = self.monitor("/connz?subs=1")?;
        let json: serde_json::Value = serde_json::from_str(&body)
            .map_err(|err| crate::Failure(format!("/connz did not answer JSON ({err}): {body}")))?;
        let mut found = Vec::new();
        for connection in json["connections"].as_array().into_iter().flatten() {
            let name = connection["name"].as_str().unwrap_or_default().to_string();
            for subject in connection["subscriptions_list"]
                .as_array()
                .into_iter()
                .flatten()
            {
                if let Some(subject) = subject.as_str() {
                    found.push((name.clone(), subject.to_string()));
                }
            }
        }
        Ok(found)
    }

    /// The names of the client connections the server knows, open and closed (`/connz` keeps
    /// the closed ones too), in the order they connected.
    pub fn connection_names(&self) -> crate::Result<Vec<String>> {
        let body = self.monitor("/connz?state=all")?;
        let json: serde_json::Value = serde_json::from_str(&body)
            .map_err(|err| crate::Failure(format!("/connz did not answer JSON ({err}): {body}")))?;
        let connections = json["connections"].as_array().into_iter().flatten();
        Ok(connections
            .filter_map(|connection| connection["name"].as_str().map(str::to_string))
            .collect())
    }

    /// Waits until the server holds at least `count` subscriptions to exactly `subject`
    /// (from any connections). After that, a message published on the subject reaches them.
    pub fn wait_for_subscriptions(
        &self,
        subject: &str,
        count: usize,
        timeout: Duration,
    ) -> crate::Result<()> {
        self.wait_until_subscriptions(timeout, |subs| {
            subs.iter().filter(|(_, s)| s == subject).count() >= count
        })
        .map_err(|seen| {
            crate::Failure(format!(
                "the server never held {count} subscription(s) to '{subject}'; it has {seen:?}"
            ))
        })
    }

    /// Waits until the server holds a subscription to `subject`.
    pub fn wait_for_subscription(&self, subject: &str, timeout: Duration) -> crate::Result<()> {
        self.wait_for_subscriptions(subject, 1, timeout)
    }

    /// Polls `/connz` until `done` holds for the subscription list, or `timeout` passes (then
    /// the error is the last list seen). The server offers no push notification of new
    /// subscriptions, so this asks again and again ([`crate::wait_until`]).
    pub fn wait_until_subscriptions(
        &self,
        timeout: Duration,
        done: impl Fn(&[(String, String)]) -> bool,
    ) -> Result<(), Vec<(String, String)>> {
        let mut last = Vec::new();
        let found = crate::wait_until(timeout, || {
            last = self.subscriptions().unwrap_or_default();
            done(&last).then_some(())
        });
        found.ok_or(last)
    }

    /// GET a monitoring endpoint (HTTP/1.0, so the server closes the connection after the
    /// answer) and return the body.
    pub fn monitor(&self, path: &str) -> crate::Result<String> {
        monitor(self.monitor_port, path)
    }
}

/// GET `path` from the monitoring port `port` of a nats-server on this machine (HTTP/1.0, so
/// the server closes the connection after the answer) and return the body.
pub fn monitor(port: u16, path: &str) -> crate::Result<String> {
    monitor_at("127.0.0.1", port, path)
}

/// GET `path` from the monitoring port of a nats-server on `host` (another machine, say).
pub fn monitor_at(host: &str, port: u16, path: &str) -> crate::Result<String> {
    let fail =
        |err: std::io::Error| crate::Failure(format!("monitoring request {path} failed: {err}"));
    let mut stream = TcpStream::connect((host, port)).map_err(fail)?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(fail)?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").map_err(fail)?;
    let mut response = String::new();
    stream.read_to_string(&mut response).map_err(fail)?;
    match response.split_once("\r\n\r\n") {
        Some((_, body)) => Ok(body.to_string()),
        None => Err(format!("monitoring request {path}: no HTTP body in {response:?}").into()),
    }
}
