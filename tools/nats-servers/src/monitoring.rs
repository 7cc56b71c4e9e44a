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

/// The table for a `/connz?subs=1` answer: one line per connection, sorted by name, the name
/// column as wide as the longest. The server counts from its own side: what it received from a
/// client is what the client published.
pub fn connz_table(connz: &str) -> Result<String, String> {
    let json: serde_json::Value = serde_json::from_str(connz)
        .map_err(|err| format!("the server's /connz is not JSON ({err})"))?;
    let mut rows: Vec<(&str, u64, u64, String)> = json["connections"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|connection| {
            let subjects: Vec<&str> = connection["subscriptions_list"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|subject| subject.as_str())
                .collect();
            let count = |field: &str| connection[field].as_u64().unwrap_or(0);
            let name = connection["name"].as_str().unwrap_or("(no name)");
            (
                name,
                count("in_msgs"),
                count("out_msgs"),
                subjects.join(" "),
            )
        })
        .collect();
    rows.sort();
    let width = rows
        .iter()
        .map(|row| row.0.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    let mut lines = vec![format!(
        "{:<width$} {:>9} {:>9}  SUBSCRIPTIONS",
        "NAME", "PUBLISHED", "RECEIVED"
    )];
    for (name, published, received, subjects) in &rows {
        lines.push(format!(
            "{name:<width$} {published:>9} {received:>9}  {subjects}"
        ));
    }
    lines.push(format!("{} connection(s)", rows.len()));
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod connz_tests {
    use super::*;

    #[test]
    fn rows_are_sorted_by_name_and_a_long_name_keeps_the_columns_aligned() {
        let connz = r#"{"connections": [
            {"name": "pub-ticker (a-student-with-a-long-name)", "in_msgs": 60, "out_msgs": 0},
            {"name": "async-sub (bob)", "in_msgs": 0, "out_msgs": 7, "subscriptions_list": ["foo"]}
        ]}"#;
        let table = connz_table(connz).unwrap_or_else(|err| panic!("{err}"));
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[1].starts_with("async-sub (bob) "), "{table}");
        assert!(
            lines[2].starts_with("pub-ticker (a-student-with-a-long-name) "),
            "{table}"
        );
        // The RECEIVED column ends at the same place on every line: name, space, 9, space, 9.
        let end = "pub-ticker (a-student-with-a-long-name)".len() + 20;
        for line in &lines[..3] {
            assert_eq!(
                line.get(end - 1..end + 2).map(|s| &s[1..]),
                Some("  "),
                "{table}"
            );
            assert_ne!(line.as_bytes()[end - 1], b' ', "{table}");
        }
    }
}
