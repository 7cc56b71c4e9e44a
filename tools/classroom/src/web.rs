//! The live page and its JSON, served by hyper's HTTP/1 server. The page is one file with its
//! style and script inside (no CDN: a classroom's network may have no internet), and asks for
//! `/api/state` every second. It listens on the teacher's machine (`127.0.0.1`) unless
//! `--page-listen` says otherwise; then every request needs the token that `classroom start`
//! prints in the page's address. What a request may cost is bounded: GET only, headers within
//! 8 KiB and 5 s, and a whole connection within 30 s.

use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode, header};
use hyper_util::rt::{TokioIo, TokioTimer};
use log::warn;
use tokio::net::TcpListener;

use crate::state::{Shared, lock, snapshot};

const PAGE: &str = include_str!("page.html");
/// How long a client may take to send its request's headers, and how large they may be (the
/// smallest buffer hyper takes).
const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_HEADERS: usize = 8 * 1024;
/// How long one connection may last, whatever it does.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Page {
    listener: TcpListener,
    /// Required in every request's query (`?token=...`) when the page is exposed.
    token: Option<Arc<str>>,
}

impl Page {
    pub async fn bind(listen: &str, port: u16) -> Result<Page, String> {
        let listener = TcpListener::bind((listen, port)).await.map_err(|err| {
            format!("cannot serve the page on {listen}:{port} ({err})\nhint: choose another port with --http")
        })?;
        let local =
            listen.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()) || listen == "localhost";
        let token = if local {
            None
        } else {
            Some(crate::roster::new_password()?.into())
        };
        Ok(Page { listener, token })
    }

    /// The page's address as the teacher opens it: on `host` with the token when exposed.
    pub fn address(&self, host: &str) -> String {
        let port = self
            .listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_default();
        match &self.token {
            None => format!("http://127.0.0.1:{port}/ (on this machine only; JSON: /api/state)"),
            Some(token) => {
                format!("http://{host}:{port}/?token={token} (JSON: /api/state?token=...)")
            }
        }
    }

    pub async fn serve(self, state: Shared) {
        while let Ok((stream, _)) = self.listener.accept().await {
            let (state, token) = (state.clone(), self.token.clone());
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let answer = answer(&request, &state, token.as_deref());
                    async move { Ok::<_, Infallible>(answer) }
                });
                let mut builder = http1::Builder::new();
                builder
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .max_buf_size(MAX_HEADERS)
                    .keep_alive(false);
                let connection = builder.serve_connection(TokioIo::new(stream), service);
                match tokio::time::timeout(CONNECTION_TIMEOUT, connection).await {
                    Ok(Ok(())) => {}
                    Ok(Err(err)) => warn!("the page: a request failed: {err}"),
                    Err(_) => warn!("the page: a connection took over 30 s and was closed"),
                }
            });
        }
    }
}

fn answer(
    request: &Request<Incoming>,
    state: &Shared,
    token: Option<&str>,
) -> Response<Full<Bytes>> {
    if request.method() != Method::GET {
        let text = "the page only answers GET\n";
        return reply(StatusCode::METHOD_NOT_ALLOWED, "text/plain", text.into());
    }
    if let Some(token) = token {
        let query = request.uri().query().unwrap_or_default();
        let given = query
            .split('&')
            .find_map(|pair| pair.strip_prefix("token="));
        if !given.is_some_and(|given| same(given, token)) {
            let text = "this page needs the token that `classroom start` printed in its address\n";
            return reply(StatusCode::FORBIDDEN, "text/plain", text.into());
        }
    }
    match request.uri().path() {
        "/" => reply(StatusCode::OK, "text/html; charset=utf-8", PAGE.into()),
        "/api/state" => {
            let state = snapshot(&lock(state)).to_string();
            reply(StatusCode::OK, "application/json", state)
        }
        _ => reply(
            StatusCode::NOT_FOUND,
            "text/plain",
            "not here: try / or /api/state\n".into(),
        ),
    }
}

/// Compares a token in time that does not depend on where the first difference is.
fn same(given: &str, token: &str) -> bool {
    let differ = given
        .bytes()
        .zip(token.bytes())
        .fold(0, |acc, (a, b)| acc | (a ^ b));
    given.len() == token.len() && differ == 0
}

fn reply(status: StatusCode, kind: &str, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, kind),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        if let Ok(value) = value.parse() {
            headers.insert(name, value);
        }
    }
    response
}
