//! # Step 6: a simple publisher that authenticates
//!
//! The Rust version of the Go tutorial's `pub-simple.go` for a server that requires a user
//! and a password ("Client authentication"). The Go tutorial writes the credentials into
//! the URL, `nats://foo:bar@localhost:4222`. async-nats does not read credentials from the
//! URL, so here they are a connect option: `ConnectOptions::with_user_and_password`.
//!
//! What it teaches: the same publish and flush as `pub-simple`, with credentials.
//!
//! Run it (three terminals):
//!
//! ```text
//! terminal 1:  cargo xtask server --auth    # nats-server --user foo --pass bar, port 4222
//! terminal 2:  cargo run -p auth-sub        # a subscriber on 'foo', with credentials
//! terminal 3:  cargo run -p auth-pub        # this program: publishes 'Hello NATS'
//! ```
//!
//! Credentials come from `NATS_USER` and `NATS_PASSWORD` (the names the `nats` CLI uses),
//! defaulting to the tutorial's `foo` / `bar`. Credentials written into `NATS_URL` are
//! accepted too, for people used to the Go form.
//! Try: `cargo run -p auth-pub -- SUBJECT MESSAGE`.

use std::process::ExitCode;

use async_nats::{
    Client, ConnectError, ConnectErrorKind, ConnectOptions, PublishError, PublishErrorKind,
    ServerAddr,
};
use log::info;

/// Where the tutorial's server listens: the same default as Go's `nats.DefaultURL`.
const DEFAULT_URL: &str = "nats://localhost:4222";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    // Show `info` lines unless RUST_LOG asks for something else.
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();

    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("error: {problem}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| DEFAULT_URL.to_string());
    let mut args = std::env::args().skip(1);
    let subject = args.next().unwrap_or_else(|| "foo".to_string());
    let message = args.next().unwrap_or_else(|| "Hello NATS".to_string());
    // The tutorial's credentials, unless the environment names others.
    let user = std::env::var("NATS_USER").unwrap_or_else(|_| "foo".to_string());
    let password = std::env::var("NATS_PASSWORD").unwrap_or_else(|_| "bar".to_string());
    let (url, user, password) = split_credentials(&url, user, password)?;

    // Connect to the server, with the credentials.
    let client = ConnectOptions::with_user_and_password(user.clone(), password)
        .connect(url.as_str())
        .await
        .map_err(|err| explain_connect_error(&url, &user, &err))?;
    info!("Connected to {url}");

    // Publish the message on the subject. async-nats checks the subject, and the size against
    // the limit the server announced when we connected (`max_payload`), then puts the message
    // in its write buffer.
    client
        .publish(subject.clone(), message.clone().into())
        .await
        .map_err(|err| explain_publish_error(&subject, &message, &client, &err))?;

    // Flush before exiting: it returns once the buffered message has been written to the
    // server. Without it the program could end with 'Hello NATS' still in the buffer, the way
    // Go's `defer nc.Close()` flushes before the connection closes.
    client
        .flush()
        .await
        .map_err(|err| format!("the message could not be sent to the server: {err}"))?;
    info!("Published message on subject {subject}");
    Ok(())
}

/// Go programs write credentials into the URL (nats://foo:bar@localhost:4222), but
/// async-nats ignores them there. Take them out of the address, to pass them as connect
/// options like the others, and so that the address can be logged without the password.
/// Returns the address without credentials, the user and the password.
fn split_credentials(
    url: &str,
    user: String,
    password: String,
) -> Result<(String, String, String), String> {
    let server: ServerAddr = url.parse().map_err(|_| {
        "NATS_URL is not a NATS server address.\n\
         hint: use the form nats://HOST:PORT, for example nats://localhost:4222"
            .to_string()
    })?;
    let mut address = server.into_inner();
    if address.username().is_empty() {
        return Ok((address.to_string(), user, password));
    }
    // nats://TOKEN@host is token authentication, which this step does not do.
    let Some(url_password) = address.password() else {
        return Err("NATS_URL holds a user but no password (or a token).\n\
             hint: this step authenticates with a user and a password: set NATS_USER and \
             NATS_PASSWORD, or write nats://USER:PASSWORD@HOST:PORT"
            .to_string());
    };
    // URLs keep %-escapes as they are (nats.rs issue #1193): sent like that, they would fail.
    if address.username().contains('%') || url_password.contains('%') {
        return Err("the user or password in NATS_URL contains %-escapes.\n\
             hint: set NATS_USER and NATS_PASSWORD instead, written out plainly"
            .to_string());
    }
    let user = address.username().to_string();
    let password = url_password.to_string();
    let _ = address.set_username("");
    let _ = address.set_password(None);
    info!("Using the user and password written in NATS_URL");
    Ok((address.to_string(), user, password))
}

/// One sentence for a failed connection, with a hint for the usual cause.
fn explain_connect_error(url: &str, user: &str, err: &ConnectError) -> String {
    match err.kind() {
        // Wrong or missing credentials. The password is never part of the message.
        ConnectErrorKind::AuthorizationViolation => format!(
            "the server at {url} refused user '{user}': authorization violation.\n\
             hint: start the server with `cargo xtask server --auth` (nats-server --user foo \
             --pass bar), or set NATS_USER and NATS_PASSWORD to the credentials your server \
             expects"
        ),
        // Most often: nothing listens at that address.
        _ => format!(
            "cannot connect to a NATS server at {url} ({err}).\n\
             hint: start one in another terminal with `cargo xtask server --auth` (or \
             `nats-server --user foo --pass bar`), or point NATS_URL at a running server"
        ),
    }
}

fn explain_publish_error(
    subject: &str,
    message: &str,
    client: &Client,
    err: &PublishError,
) -> String {
    match err.kind() {
        PublishErrorKind::InvalidSubject => format!(
            "'{subject}' is not a valid subject to publish on.\n\
             hint: a subject is a list of tokens separated by dots, without spaces, such as \
             foo or foo.bar"
        ),
        PublishErrorKind::MaxPayloadExceeded => format!(
            "the message is {} bytes, more than this server accepts ({} bytes).\n\
             hint: send a shorter message, or raise max_payload in the server's configuration",
            message.len(),
            client.server_info().max_payload
        ),
        _ => format!("could not publish on '{subject}': {err}"),
    }
}
