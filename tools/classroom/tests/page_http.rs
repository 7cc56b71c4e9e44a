//! The live page's HTTP server holds against a careless or hostile client: GET only, headers
//! within a size and a time, and a token when the page listens beyond the teacher's machine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use common::{Class, WAIT};

/// What the page answers `request`, whole (it closes each connection after one answer).
fn ask(port: u16, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).to_string()
}

fn get(port: u16, path: &str) -> String {
    ask(
        port,
        format!("GET {path} HTTP/1.1\r\nHost: teacher\r\n\r\n").as_bytes(),
    )
}

#[test]
fn the_page_answers_get_only_and_refuses_large_headers() {
    let class = Class::start("alice");
    assert!(get(class.http, "/").starts_with("HTTP/1.1 200 OK"));
    let post = ask(
        class.http,
        b"POST /api/state HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nabcd",
    );
    assert!(
        post.starts_with("HTTP/1.1 405 Method Not Allowed"),
        "{post}"
    );
    assert!(post.contains("the page only answers GET"), "{post}");
    let large = format!(
        "GET / HTTP/1.1\r\nHost: t\r\nX-Padding: {}\r\n\r\n",
        "x".repeat(64 * 1024)
    );
    let refused = ask(class.http, large.as_bytes());
    assert!(
        refused.starts_with("HTTP/1.1 431"),
        "{}",
        &refused[..refused.len().min(200)]
    );
    assert!(get(class.http, "/nowhere").starts_with("HTTP/1.1 404"));
}

#[test]
fn a_slow_client_is_cut_off_and_the_page_goes_on_answering() {
    let class = Class::start("alice");
    // Half a request line, then nothing: the server waits 5 s for the headers, then closes.
    let mut slow = TcpStream::connect(("127.0.0.1", class.http)).unwrap();
    slow.set_read_timeout(Some(WAIT)).unwrap();
    slow.write_all(b"GET / HT").unwrap();
    let started = Instant::now();
    // Others are answered meanwhile.
    assert!(get(class.http, "/api/state").starts_with("HTTP/1.1 200 OK"));
    let mut rest = Vec::new();
    let read = slow.read_to_end(&mut rest);
    let waited = started.elapsed();
    assert!(
        read.is_ok(),
        "the slow connection was not closed within {WAIT:?}: {read:?}"
    );
    println!("page: a client that sent half a request line was closed after {waited:.1?}");
}

#[test]
fn an_exposed_page_needs_the_token_of_its_address() {
    let scratch = nats_servers::pki::ScratchDir::new("exposed");
    let class = Class::start_with(&scratch.path().join("class"), "alice", |command| {
        command.args(["--page-listen", "0.0.0.0"]);
    });
    let said = class.step.output_so_far();
    let line = said
        .lines()
        .find(|line| line.contains("the live page:"))
        .unwrap();
    let token = line
        .split("?token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    assert_eq!(token.len(), 20, "{line}");
    for path in ["/", "/api/state", "/api/state?token=wrong"] {
        let refused = get(class.http, path);
        assert!(
            refused.starts_with("HTTP/1.1 403 Forbidden"),
            "{path}: {refused}"
        );
        assert!(refused.contains("needs the token that `classroom start` printed"));
    }
    for path in ["/", "/api/state"] {
        let answer = get(class.http, &format!("{path}?token={token}"));
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{path}: {answer}");
    }
}

#[test]
fn the_page_listens_on_the_teachers_machine_by_default() {
    let class = Class::start("alice");
    let said = class.step.output_so_far();
    let expected = format!(
        "classroom: the live page: http://127.0.0.1:{}/ (on this machine only",
        class.http
    );
    assert!(said.contains(&expected), "{said}");
    // The socket itself: bound to loopback, as the server's own table of sockets shows.
    #[cfg(target_os = "linux")]
    {
        let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
        let port = format!(":{:04X} ", class.http);
        let listening: Vec<&str> = table
            .lines()
            .filter(|l| l.contains(&port) && l.contains(" 0A "))
            .collect();
        assert!(!listening.is_empty(), "no socket listens on {}", class.http);
        // 0100007F is 127.0.0.1 as /proc writes it.
        assert!(
            listening.iter().all(|l| l
                .split_whitespace()
                .nth(1)
                .unwrap()
                .starts_with("0100007F:")),
            "{listening:?}"
        );
    }
}
