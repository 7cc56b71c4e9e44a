//! What the tour and the guide show of a run, made the same way every time: the command a
//! learner types, and the server's log lines without what changes between runs (process id,
//! times, client ports), or only the lines about one connection.

use nats_servers::{NatsServer, PATIENCE};

/// `[12345] 2026/11/27 17:52:00.814199 [TRC] 127.0.0.1:40184 - cid:7 - ...` becomes
/// `[4711] 2026/01/01 12:00:00.000000 [TRC] 127.0.0.1:50001 - cid:7 - ...`, numbering the
/// client ports in the order they first appear.
pub fn normalize_server_line(line: &str, clients: &mut Vec<String>) -> String {
    let Some(rest) = line.strip_prefix('[') else {
        return line.to_string();
    };
    let Some((pid, rest)) = rest.split_once("] ") else {
        return line.to_string();
    };
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) || rest.len() < 26 {
        return line.to_string();
    }
    let (_time, rest) = rest.split_at(26);
    let mut rest = rest.to_string();
    if let Some(start) = rest.find("127.0.0.1:") {
        let port_start = start + "127.0.0.1:".len();
        let port_len = rest[port_start..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        let port = rest[port_start..port_start + port_len].to_string();
        let number = match clients.iter().position(|seen| *seen == port) {
            Some(index) => index + 1,
            None => {
                clients.push(port);
                clients.len()
            }
        };
        rest.replace_range(
            port_start..port_start + port_len,
            &format!("{}", 50000 + number),
        );
    }
    format!("[4711] 2026/01/01 12:00:00.000000 {}", rest.trim_start())
}

/// What a learner types for this run: `NAME=value cargo run -p step -- args`.
pub fn command_line(name: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut words: Vec<String> = env
        .iter()
        .map(|(key, value)| format!("{key}={}", quote(value)))
        .collect();
    words.push(format!("cargo run -p {name}"));
    if !args.is_empty() {
        words.push("--".to_string());
        words.extend(args.iter().map(|arg| quote(arg)));
    }
    words.join(" ")
}

fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/@,=+".contains(&b));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The server's log lines about the connection it refused: the `cid:N` of the line with the
/// `-ERR 'Authorization Violation'` it sent, then every line of that connection.
pub fn refused_connection_log(server: &NatsServer) -> Vec<String> {
    // The client may exit before the server's log line reaches us: wait for it, then read.
    if server
        .log()
        .wait_for("Authorization Violation", PATIENCE)
        .is_err()
    {
        return Vec::new();
    }
    let log = server.log().snapshot();
    let Some(refusal) = log
        .iter()
        .find(|line| line.contains("Authorization Violation"))
    else {
        return Vec::new();
    };
    let Some(cid) = refusal.split(" - ").find(|part| part.starts_with("cid:")) else {
        return vec![refusal.clone()];
    };
    let marker = format!(" - {cid} - ");
    log.into_iter()
        .filter(|line| line.contains(&marker))
        .collect()
}

/// The server's log lines about client connections from the first one created up to the
/// `closed`-th one closed, without the server's own system-account traffic.
pub fn client_log(server: &NatsServer, closed: usize) -> Result<Vec<String>, String> {
    server
        .log()
        .wait_for_count("Client connection closed", closed, PATIENCE)
        .map_err(|err| err.0)?;
    let log = server.log().snapshot();
    let mut seen_closed = 0;
    let mut lines = Vec::new();
    let mut started = false;
    for line in log {
        started |= line.contains("Client connection created");
        if !started || line.contains("ACCOUNT") || line.contains("SYSTEM") {
            continue;
        }
        let last = line.contains("Client connection closed");
        lines.push(line);
        if last {
            seen_closed += 1;
            if seen_closed == closed {
                break;
            }
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_lines_lose_what_changes_between_runs() {
        let mut clients = Vec::new();
        let a = "[16067] 2026/11/27 17:48:58.112530 [TRC] 127.0.0.1:53030 - cid:5 - <<- [PING]";
        let b = "[16067] 2026/11/27 17:48:58.112706 [ERR] 127.0.0.1:53999 - cid:6 - x";
        let c = "[16067] 2026/11/27 17:48:59.000001 [DBG] 127.0.0.1:53030 - cid:5 - y";
        assert_eq!(
            normalize_server_line(a, &mut clients),
            "[4711] 2026/01/01 12:00:00.000000 [TRC] 127.0.0.1:50001 - cid:5 - <<- [PING]"
        );
        assert!(normalize_server_line(b, &mut clients).contains("127.0.0.1:50002 - cid:6"));
        assert!(normalize_server_line(c, &mut clients).contains("127.0.0.1:50001 - cid:5"));
        let step = "[INFO  async_sub] Connected to nats://localhost:4222";
        assert_eq!(normalize_server_line(step, &mut clients), step);
    }

    #[test]
    fn command_lines_quote_what_a_shell_would_split() {
        assert_eq!(
            command_line("pub-simple", &[], &[]),
            "cargo run -p pub-simple"
        );
        assert_eq!(
            command_line("pub-simple", &["foo bar", ""], &[("NATS_PASSWORD", "x y")]),
            "NATS_PASSWORD='x y' cargo run -p pub-simple -- 'foo bar' ''"
        );
    }
}
