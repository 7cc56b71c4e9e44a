//! # Beyond one cluster: NATS in a browser
//!
//! A browser is a NATS client too. It cannot open a plain TCP connection, so nats-server opens
//! a port for WebSocket as well (a `websocket` block in its configuration), and the official
//! JavaScript client connects there. The lesson is the page, `topology/web/page/index.html`:
//! it subscribes to `foo` and shows each message, and publishes one on `foo` when it has
//! connected, which `async-sub` logs. This program only serves the page and the client it
//! imports (`page/nats.js`, vendored: no CDN, no npm).
//!
//! Run it (four terminals and a browser):
//!
//! ```text
//! terminal 1:  cargo xtask server --websocket   # clients on 4222, WebSocket on 8080
//! terminal 2:  cargo run -p async-sub            # logs the message the page publishes
//! terminal 3:  cargo run -p web                  # serves the page on http://localhost:8000/
//! browser:     open http://localhost:8000/
//! terminal 4:  cargo run -p pub-simple           # the page shows 'Hello NATS'
//! ```
//!
//! `NATS_WS_URL` is the server's WebSocket URL written into the page (default
//! `ws://localhost:8080`), `WEB_PORT` the port it is served on (default 8000; 0 picks one).

use log::{debug, info};
use stepkit::Problem;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The page, with the WebSocket URL it connects to, and the client it imports.
const PAGE: &str = include_str!("../page/index.html");
const CLIENT: &str = include_str!("../page/nats.js");
const PAGE_URL: &str = "ws://localhost:8080";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    // Logging and settings, as every step; NATS_URL is not used: the page connects by itself.
    stepkit::start("web")?;
    let websocket = std::env::var("NATS_WS_URL").unwrap_or(PAGE_URL.to_string());
    let port = std::env::var("WEB_PORT").unwrap_or("8000".to_string());
    let port: u16 = port.parse().map_err(|_| {
        let sentence = format!("WEB_PORT must be a port number, not '{port}'.");
        Problem::new(sentence).hint("for example 8000, or 0 to pick a free one")
    })?;
    // Is anything listening for WebSocket clients? Without it the page can only say it failed.
    let address = websocket
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .unwrap_or_default();
    if TcpStream::connect(address).await.is_err() {
        let sentence = format!("nothing listens for WebSocket clients at {websocket}.");
        let hint = "start a server with WebSocket: `cargo xtask server --websocket`";
        return Err(Problem::new(sentence).hint(hint));
    }
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|err| {
            let sentence = format!("cannot serve the page on port {port} ({err}).");
            Problem::new(sentence).hint("set WEB_PORT to a free port, or 0 to pick one")
        })?;
    let port = listener.local_addr().map_or(port, |address| address.port());
    let page = PAGE.replace(PAGE_URL, &websocket);
    info!(
        "Serving the page on http://localhost:{port}/ (it connects to {websocket}); open it in a browser"
    );
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            serve(stream, &page).await;
        }
    });
    tokio::signal::ctrl_c()
        .await
        .map_err(stepkit::ctrl_c_failed)?;
    info!("Ctrl-C: no longer serving the page (an open page stays connected to the server)");
    Ok(())
}

/// Answers one HTTP request: the page, its client, or "not found".
async fn serve(mut stream: TcpStream, page: &str) {
    let mut request = [0u8; 4096];
    let read = stream.read(&mut request).await.unwrap_or(0);
    let request = String::from_utf8_lossy(&request[..read]);
    let path = request.split(' ').nth(1).unwrap_or("/");
    let (status, kind, body) = match path {
        "/" | "/index.html" => ("200 OK", "text/html", page),
        "/nats.js" => ("200 OK", "text/javascript", CLIENT),
        _ => ("404 Not Found", "text/plain", "not found"),
    };
    debug!("GET {path}: {status}");
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all((head + body).as_bytes()).await;
}
