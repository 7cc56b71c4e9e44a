//! The live page and its JSON, over plain HTTP/1.1: two addresses, GET only, so a few lines of
//! tokio rather than a web framework. The page is one file with its style and script inside
//! (no CDN: a classroom's network may have no internet), and asks for `/api/state` every second.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::live::{Shared, lock, snapshot};

const PAGE: &str = include_str!("page.html");

pub async fn serve(listener: TcpListener, state: Shared) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(answer(stream, state.clone()));
    }
}

async fn answer(mut stream: TcpStream, state: Shared) {
    // The request line and headers, up to the blank line (a client may send them in pieces).
    let (mut request, mut buffer) = (Vec::new(), [0u8; 1024]);
    while !request.windows(4).any(|end| end == b"\r\n\r\n") && request.len() < 16 * 1024 {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => request.extend_from_slice(&buffer[..read]),
        }
    }
    let request = String::from_utf8_lossy(&request);
    let path = request.split_whitespace().nth(1).unwrap_or("/");
    let (status, kind, body) = match path.split('?').next().unwrap_or("/") {
        "/" => ("200 OK", "text/html; charset=utf-8", PAGE.to_string()),
        "/api/state" => {
            let state = snapshot(&lock(&state));
            ("200 OK", "application/json", state.to_string())
        }
        _ => (
            "404 Not Found",
            "text/plain",
            "not here: try / or /api/state\n".to_string(),
        ),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body.as_bytes()).await;
    let _ = stream.shutdown().await;
}
