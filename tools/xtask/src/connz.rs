//! `cargo xtask connz`: the connections of a running nats-server as a live table, read from
//! its monitoring port: who is connected (the name each step gives its connection), what they
//! subscribe to, and how many messages they published and received. On a shared server in a
//! classroom, it is the class on the wall.

use std::io::{IsTerminal, Write};
use std::time::Duration;

/// `cargo xtask connz [--host HOST] [--port PORT] [--once]`: every second, until Ctrl-C (or
/// once). HOST reaches a server on another machine whose monitoring listens on the network.
pub fn run(args: &[String]) -> Result<(), String> {
    let (mut host, mut port) = ("127.0.0.1".to_string(), 8222);
    let mut once = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--once" => once = true,
            "--host" => {
                host = args
                    .next()
                    .ok_or("--host takes a host name or address")?
                    .clone()
            }
            "--port" => {
                port = args
                    .next()
                    .and_then(|value| value.parse().ok())
                    .ok_or("--port takes the monitoring port, such as 8222")?;
            }
            other => return Err(format!("connz: unknown option '{other}'")),
        }
    }
    let live = !once && std::io::stdout().is_terminal();
    loop {
        let body =
            nats_servers::monitor_at(&host, port, "/connz?subs=1&limit=4096").map_err(|err| {
                format!(
                    "{err}\nhint: is a nats-server running with monitoring on {host}:{port}? \
                 `cargo xtask server` has it on 8222; `nats-server -m {port}` for your own"
                )
            })?;
        let table = table(&body)?;
        if live {
            // Clear the terminal and draw the table again from its top.
            print!("\x1b[2J\x1b[H");
        }
        println!("{table}");
        let _ = std::io::stdout().flush();
        if once {
            return Ok(());
        }
        if live {
            println!("(every second; Ctrl-C to stop)");
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// The table for a `/connz?subs=1` answer: one line per connection, sorted by name, the name
/// column as wide as the longest. The server counts from its own side: what it received from a
/// client is what the client published.
pub fn table(connz: &str) -> Result<String, String> {
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
mod tests {
    use super::*;

    #[test]
    fn the_table_shows_each_connection_by_name_with_its_subscriptions_and_counts() {
        let server = testkit::checks::start(nats_servers::ServerOptions::new());
        let observer = testkit::Observer::subscribe(&server, "greetings.*")
            .unwrap_or_else(|err| panic!("{err}"));
        testkit::publish(&server, "greetings.en", "hello").unwrap_or_else(|err| panic!("{err}"));
        observer
            .next(nats_servers::PATIENCE)
            .unwrap_or_else(|err| panic!("{err}"));
        let body = server
            .monitor("/connz?subs=1")
            .unwrap_or_else(|err| panic!("{err}"));
        let table = table(&body).unwrap_or_else(|err| panic!("{err}"));
        let row = table
            .lines()
            .find(|line| line.ends_with("greetings.*"))
            .unwrap_or_else(|| panic!("no subscriber row:\n{table}"));
        // The observer received the one message; it published none.
        let counts: Vec<&str> = row.split_whitespace().rev().skip(1).take(2).collect();
        assert_eq!(counts, ["1", "0"], "{table}");
        assert!(table.starts_with("NAME"), "{table}");
        assert!(table.ends_with("connection(s)"), "{table}");
    }

    #[test]
    fn rows_are_sorted_by_name_and_a_long_name_keeps_the_columns_aligned() {
        let connz = r#"{"connections": [
            {"name": "pub-ticker (a-student-with-a-long-name)", "in_msgs": 60, "out_msgs": 0},
            {"name": "async-sub (bob)", "in_msgs": 0, "out_msgs": 7, "subscriptions_list": ["foo"]}
        ]}"#;
        let table = table(connz).unwrap_or_else(|err| panic!("{err}"));
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
