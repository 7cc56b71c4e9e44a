//! stepkit: what every step of the tutorial needs that is not its lesson.
//!
//! A step's `main.rs` is the lesson: the async-nats calls it teaches, in the Go tutorial's
//! order. Everything around them lives here, once:
//!
//! - [`start`], [`start_with_password`] and [`start_cluster`] set up logging and read the
//!   settings (`NATS_URL`, `NATS_USER`, `NATS_PASSWORD`) with the tutorial's defaults;
//!   [`arg`] and [`number_arg`] read the optional command-line arguments.
//! - [`Problem`] is the one error type: a sentence and a hint. `main` returns
//!   `Result<(), Problem>`, so `?` works everywhere, and an error ends the program with exit
//!   code 1 and readable text, never a Debug dump.
//! - The `From` conversions and the `*_error` functions turn async-nats errors into those
//!   sentences: matching on an error's `kind()` is how a program tells the causes apart.
//! - [`log_event`] is the event callback that reports disconnects, reconnects, slow consumers
//!   and server errors; [`wait_drained`] waits for a message handler after a drain.
//!
//! To take a step out of this workspace, copy this folder's files into `src/stepkit/` next to
//! its `main.rs`, this one renamed `mod.rs`, and write `mod stepkit;` at the top of `main.rs`
//! (see the guide's set-up chapter).

#[cfg(feature = "jetstream")]
pub mod jetstream;
pub mod secure;

#[cfg(feature = "nkeys")]
pub use secure::{Nkey, creds_error, start_with_creds, start_with_nkey};
pub use secure::{Tls, start_tls};

use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_nats::client::{DrainError, FlushError};
use async_nats::{
    Client, ConnectError, ConnectErrorKind, ConnectOptions, Event, PublishError, PublishErrorKind,
    RequestError, RequestErrorKind, ServerAddr, SubscribeError, SubscribeErrorKind,
    UnsubscribeError,
};
use log::{debug, info, warn};

/// Where the tutorial's server listens: the same default as Go's `nats.DefaultURL`.
pub const DEFAULT_URL: &str = "nats://localhost:4222";

/// The three nodes that `cargo xtask cluster` starts.
pub const CLUSTER_URLS: &str = "nats://localhost:4222,nats://localhost:4223,nats://localhost:4224";

/// What a valid subject looks like, for every sentence about a subject.
const SUBJECT_HINT: &str = "a subject is a list of tokens separated by dots, without spaces, \
                            such as foo or foo.bar (subscriptions may use foo.* or foo.>)";

/// Why a step cannot go on: one sentence, and a hint for the usual cause. It prints as the
/// sentence and, on the next line, `hint: ...`.
pub struct Problem {
    sentence: String,
    hint: Option<String>,
}

impl Problem {
    /// A problem described by one sentence.
    pub fn new(sentence: impl Into<String>) -> Self {
        let sentence = sentence.into();
        Problem { sentence, hint: None }
    }

    /// The same problem, with a hint for what to do about it.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sentence)?;
        match &self.hint {
            Some(hint) => write!(f, "\nhint: {hint}"),
            None => Ok(()),
        }
    }
}

/// When `main` returns an error, Rust prints `Error: ` and this: the same text as `Display`.
impl fmt::Debug for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Problem {}

/// How a step reaches its server, which decides the sentences for a refused connection.
pub(crate) enum Kind {
    /// No credentials, one server (`cargo xtask server`).
    Plain,
    /// No credentials, several servers (`cargo xtask cluster`).
    Cluster,
    /// A user and password; the user may be named, never the password.
    User(String),
    /// A token (`cargo xtask server --token`).
    Token,
    /// TLS (`cargo xtask server --tls`): whether a CA file and a client certificate are given.
    Tls { ca: bool, client: bool },
    /// An nkey, named by its public key (`cargo xtask server --nkey`).
    #[cfg(feature = "nkeys")]
    Nkey(String),
    /// A credentials file, named by its path (`cargo xtask server --creds`).
    #[cfg(feature = "nkeys")]
    Creds(String),
}

/// What the error sentences need to know about the running step.
struct Step {
    name: &'static str,
    /// The server address(es) as given, without credentials.
    url: String,
    kind: Kind,
}

static STEP: OnceLock<Step> = OnceLock::new();

/// Sets up logging (`info` lines show unless `RUST_LOG` says otherwise) and returns
/// `NATS_URL`, or `default_url`.
pub(crate) fn init(default_url: &str) -> String {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    // rustls needs one crypto provider for the process. async-nats builds rustls with ring,
    // but if another crate of the program also turns on aws-lc-rs, rustls has two and picks
    // neither: connecting over TLS would panic. Naming ring here removes the doubt. (It fails
    // only when a provider is already installed, which is just as good.)
    let _ = async_nats::rustls::crypto::ring::default_provider().install_default();
    std::env::var("NATS_URL").unwrap_or_else(|_| default_url.to_string())
}

pub(crate) fn remember(name: &'static str, url: &str, kind: Kind) {
    let url = url.to_string();
    let _ = STEP.set(Step { name, url, kind });
}

pub(crate) fn parse(url: &str) -> Result<ServerAddr, Problem> {
    let hint = "use the form nats://HOST:PORT, for example nats://localhost:4222";
    let problem = || Problem::new("NATS_URL is not a NATS server address.").hint(hint);
    url.trim().parse().map_err(|_| problem())
}

/// async-nats ignores credentials written into the URL (a Go habit, nats.rs issue #1623):
/// rather than connect without them, a step that sends none says where they belong.
pub(crate) fn refuse_credentials(name: &str, server: &ServerAddr) -> Result<(), Problem> {
    if !server.has_user_pass() {
        return Ok(());
    }
    let sentence = format!("NATS_URL contains credentials, but {name} connects without any.");
    Err(Problem::new(sentence).hint(
        "the authenticating steps auth-sub and auth-pub read NATS_USER and NATS_PASSWORD; \
         keep NATS_URL to nats://HOST:PORT",
    ))
}

/// `NATS_URL` as a step uses it: one server, or a cluster's nodes comma-separated (the client
/// connects to one and fails over to the others). It prints as it was written, and `connect`
/// takes it as it is.
#[derive(Clone, Debug)]
pub struct NatsUrl(String);

impl fmt::Display for NatsUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl async_nats::ToServerAddrs for NatsUrl {
    type Iter = std::vec::IntoIter<ServerAddr>;
    fn to_server_addrs(&self) -> std::io::Result<Self::Iter> {
        let servers: std::io::Result<Vec<ServerAddr>> =
            self.0.split(',').map(|server| server.trim().parse()).collect();
        servers.map(Vec::into_iter)
    }
}

/// For a step without credentials: sets up logging and returns `NATS_URL`.
pub fn start(name: &'static str) -> Result<NatsUrl, Problem> {
    let url = init(DEFAULT_URL);
    for server in url.split(',') {
        refuse_credentials(name, &parse(server)?)?;
    }
    remember(name, &url, Kind::Plain);
    Ok(NatsUrl(url))
}

/// For a step on a cluster: sets up logging and returns the servers of `NATS_URL`, a
/// comma-separated list (default: the three nodes of `cargo xtask cluster`).
pub fn start_cluster(name: &'static str) -> Result<Vec<ServerAddr>, Problem> {
    let urls = init(CLUSTER_URLS);
    let servers: Vec<ServerAddr> = urls.split(',').map(parse).collect::<Result<_, _>>()?;
    for server in &servers {
        refuse_credentials(name, server)?;
    }
    remember(name, &urls, Kind::Cluster);
    Ok(servers)
}

/// Where and as whom an authenticating step connects. It has no `Debug`, so that the
/// password cannot be printed by accident.
pub struct Login {
    /// The server's URL, without credentials: safe to log.
    pub url: String,
    /// `NATS_USER`, default `foo`.
    pub user: String,
    /// `NATS_PASSWORD`, default `bar`.
    pub password: String,
}

/// For a step with a user and password: sets up logging and returns the URL and the
/// credentials: `NATS_USER` and `NATS_PASSWORD` (the tutorial's `foo` / `bar` by default), or
/// those written in `NATS_URL` the Go way, taken out of it so that the URL can be logged.
pub fn start_with_password(name: &'static str) -> Result<Login, Problem> {
    let url = init(DEFAULT_URL);
    let mut address = parse(&url)?.into_inner();
    let mut user = std::env::var("NATS_USER").unwrap_or_else(|_| "foo".to_string());
    let mut password = std::env::var("NATS_PASSWORD").unwrap_or_else(|_| "bar".to_string());
    if !address.username().is_empty() {
        // nats://TOKEN@host is token authentication, which these steps do not do.
        let Some(url_password) = address.password() else {
            let sentence = "NATS_URL holds a user but no password (or a token).";
            return Err(Problem::new(sentence).hint(
                "this step authenticates with a user and a password: set NATS_USER and \
                 NATS_PASSWORD, or write nats://USER:PASSWORD@HOST:PORT",
            ));
        };
        // URLs keep %-escapes as they are (nats.rs issue #1193): sent like that, they fail.
        if address.username().contains('%') || url_password.contains('%') {
            let sentence = "the user or password in NATS_URL contains %-escapes.";
            let hint = "set NATS_USER and NATS_PASSWORD instead, written out plainly";
            return Err(Problem::new(sentence).hint(hint));
        }
        (user, password) = (address.username().to_string(), url_password.to_string());
        let _ = address.set_username("");
        let _ = address.set_password(None);
        info!("Using the user and password written in NATS_URL");
    }
    let url = address.to_string();
    remember(name, &url, Kind::User(user.clone()));
    Ok(Login { url, user, password })
}

/// The name a step gives its connection: the step, and the user who runs it when the system
/// says (`USER`, or `USERNAME` on Windows), such as `async-sub (alice)`. The server shows it in
/// its monitoring (`/connz`), so that on a shared server each learner finds their own.
pub fn connection_name(step: &str) -> String {
    match std::env::var("USER").or_else(|_| std::env::var("USERNAME")) {
        Ok(user) if !user.is_empty() => format!("{step} ({user})"),
        _ => step.to_string(),
    }
}

/// With `NATS_WAIT_FOR_SERVER=1`, a step may start before its server: the options get
/// `retry_on_initial_connect`, so `connect` returns at once and async-nats keeps trying in the
/// background, every half second, each attempt logged. Without it, the options are unchanged
/// and a step fails at once when no server answers.
pub fn wait_for_server(options: ConnectOptions) -> ConnectOptions {
    if std::env::var("NATS_WAIT_FOR_SERVER").as_deref() != Ok("1") {
        return options;
    }
    info!("NATS_WAIT_FOR_SERVER=1: waiting for a server to answer");
    options.retry_on_initial_connect().reconnect_delay_callback(|attempt| {
        info!("Trying to connect (attempt {attempt})");
        Duration::from_millis(if attempt <= 1 { 0 } else { 500 })
    })
}

/// For a step with a token: sets up logging and returns the URL and the token, from
/// `NATS_TOKEN`, or written in `NATS_URL` the Go way (`nats://TOKEN@host`, taken out of it so
/// that the URL can be logged).
pub fn start_with_token(name: &'static str) -> Result<(String, String), Problem> {
    let url = init(DEFAULT_URL);
    let mut address = parse(&url)?.into_inner();
    let mut token = std::env::var("NATS_TOKEN").ok();
    if !address.username().is_empty() && address.password().is_none() {
        token = Some(address.username().to_string());
        let _ = address.set_username("");
        info!("Using the token written in NATS_URL");
    }
    let url = address.to_string();
    remember(name, &url, Kind::Token);
    let hint = format!(
        "start a server with `cargo xtask server --token`, then run \
         NATS_TOKEN=$(cat target/secrets/token) cargo run -p {name}"
    );
    let token = token.ok_or_else(|| Problem::new("NATS_TOKEN is not set.").hint(hint))?;
    Ok((url, token))
}

/// The command-line argument at `index` (1 is the first), or `default`.
pub fn arg(index: usize, default: &str) -> String {
    std::env::args().nth(index).unwrap_or_else(|| default.to_string())
}

/// A whole-number argument at `index`, called `name` in the step's usage, or `default`.
pub fn number_arg(index: usize, name: &str, default: u64) -> Result<u64, Problem> {
    let Some(text) = std::env::args().nth(index) else {
        return Ok(default);
    };
    let sentence = format!("{name} must be a whole number, not '{text}'.");
    let hint = format!("write it in digits, for example {default}");
    text.parse().map_err(|_| Problem::new(sentence).hint(hint))
}

/// A failed connection, for `?` after `connect(...).await`.
impl From<ConnectError> for Problem {
    fn from(err: ConnectError) -> Self {
        let Step { name, url, kind } = STEP.get_or_init(|| Step {
            name: "this program",
            url: DEFAULT_URL.to_string(),
            kind: Kind::Plain,
        });
        let tls = match kind {
            Kind::Tls { ca, client } => Some((*ca, *client)),
            _ => None,
        };
        if let Some(problem) = secure::tls_problem(url, &err, tls) {
            return problem;
        }
        if err.kind() != ConnectErrorKind::AuthorizationViolation {
            // Most often: nothing listens at that address.
            let (at, command, servers) = match kind {
                Kind::Cluster => (
                    "any NATS server of",
                    "cargo xtask cluster",
                    "running servers (comma-separated)",
                ),
                Kind::User(_) => ("a NATS server at", "cargo xtask server --auth", "a server"),
                Kind::Token => ("a NATS server at", "cargo xtask server --token", "a server"),
                Kind::Tls { .. } => ("a NATS server at", "cargo xtask server --tls", "a server"),
                #[cfg(feature = "nkeys")]
                Kind::Nkey(_) => ("a NATS server at", "cargo xtask server --nkey", "a server"),
                #[cfg(feature = "nkeys")]
                Kind::Creds(_) => ("a NATS server at", "cargo xtask server --creds", "a server"),
                Kind::Plain => ("a NATS server at", "cargo xtask server", "a running server"),
            };
            return Problem::new(format!("cannot connect to {at} {url} ({err}).")).hint(format!(
                "start one in another terminal with `{command}`, or point NATS_URL at {servers}"
            ));
        }
        match kind {
            // The server wants credentials (nats-server --user ... --pass ...) and got none.
            Kind::Plain | Kind::Cluster | Kind::Tls { .. } => Problem::new(format!(
                "the server at {url} refused the connection: authorization violation."
            ))
            .hint(format!(
                "this server requires a user and password and {name} sends none: the \
                 authenticating steps auth-sub and auth-pub read NATS_USER and NATS_PASSWORD; \
                 or start a server without credentials with `cargo xtask server`"
            )),
            // Wrong credentials. The password is never part of the sentence.
            Kind::User(user) => Problem::new(format!(
                "the server at {url} refused user '{user}': authorization violation."
            ))
            .hint(
                "start the server with `cargo xtask server --auth` (nats-server --user foo \
                 --pass bar), or set NATS_USER and NATS_PASSWORD to the credentials your \
                 server expects",
            ),
            // The seed is never part of the sentence; its public key may be.
            #[cfg(feature = "nkeys")]
            Kind::Nkey(public_key) => Problem::new(format!(
                "the server at {url} refused the nkey {public_key}: authorization violation."
            ))
            .hint(
                "the server's configuration must list this public key: `cargo xtask server \
                 --nkey` writes a new seed to target/secrets/user.nk and lists its key; use that \
                 seed",
            ),
            #[cfg(feature = "nkeys")]
            Kind::Creds(path) => Problem::new(format!(
                "the server at {url} refused the user in {path}: authorization violation."
            ))
            .hint(
                "the server must trust the operator that signed this user's account: \
                 `cargo xtask server --creds` makes all three and writes target/secrets/user.creds \
                 again; use that file",
            ),
            Kind::Token => Problem::new(format!(
                "the server at {url} refused the token: authorization violation."
            ))
            .hint(
                "start the server with `cargo xtask server --token` and set NATS_TOKEN to the \
                 token in target/secrets/token, or to the token your server expects",
            ),
        }
    }
}

/// A failed `subscribe` to `subject`.
pub fn subscribe_error(subject: &str, err: SubscribeError) -> Problem {
    match err.kind() {
        SubscribeErrorKind::InvalidSubject => {
            Problem::new(format!("'{subject}' is not a valid subject to subscribe to."))
                .hint(SUBJECT_HINT)
        }
        _ => Problem::new(format!("could not subscribe to '{subject}': {err}.")),
    }
}

/// A failed `queue_subscribe` to `subject` in the queue group `group`.
pub fn queue_subscribe_error(subject: &str, group: &str, err: SubscribeError) -> Problem {
    match err.kind() {
        SubscribeErrorKind::InvalidQueueName => {
            Problem::new(format!("'{group}' is not a valid queue group name."))
                .hint("a queue group is one word without spaces, such as workers")
        }
        _ => subscribe_error(subject, err),
    }
}

/// A failed publish of `size` bytes on `subjects` (the subject, and a reply subject if any).
pub fn publish_error(
    client: &Client,
    subjects: &[&str],
    size: usize,
    err: PublishError,
) -> Problem {
    let quoted: Vec<String> = subjects.iter().map(|subject| format!("'{subject}'")).collect();
    let subjects = quoted.join(" or ");
    match err.kind() {
        PublishErrorKind::InvalidSubject => {
            Problem::new(format!("{subjects} is not a valid subject to publish on."))
                .hint(SUBJECT_HINT)
        }
        // async-nats checks the size against the `max_payload` the server announced.
        PublishErrorKind::MaxPayloadExceeded => Problem::new(format!(
            "the message is {size} bytes, more than this server accepts ({} bytes).",
            client.server_info().max_payload
        ))
        .hint("send a shorter message, or raise max_payload in the server's configuration"),
        _ => Problem::new(format!("could not publish on {subjects}: {err}.")),
    }
}

/// A failed `request` on `subject`, which waited up to `seconds`.
pub fn request_error(subject: &str, seconds: u64, err: RequestError) -> Problem {
    match err.kind() {
        // The server knows no subscriber for the subject, and says so at once.
        RequestErrorKind::NoResponders => {
            Problem::new(format!("nobody answers on '{subject}': no responder subscribes to it."))
                .hint(format!("start one in another terminal: cargo run -p reply -- {subject}"))
        }
        // Someone subscribes, but no answer arrived in time.
        RequestErrorKind::TimedOut => Problem::new(format!(
            "no reply on '{subject}' within {seconds} s: a subscriber received the request but \
             did not answer in time."
        ))
        .hint("is the responder busy or stuck? give it longer with a larger SECONDS argument"),
        RequestErrorKind::InvalidSubject => {
            Problem::new(format!("'{subject}' is not a valid subject to send a request on."))
                .hint(SUBJECT_HINT)
        }
        _ => Problem::new(format!("the request on '{subject}' failed: {err}.")),
    }
}

/// `flush` failed: what was buffered may not have reached the server.
impl From<FlushError> for Problem {
    fn from(err: FlushError) -> Self {
        Problem::new(format!("the messages could not be sent to the server: {err}."))
            .hint("is the server still running?")
    }
}

/// `drain` could not be sent: the connection is already closed.
impl From<DrainError> for Problem {
    fn from(err: DrainError) -> Self {
        Problem::new(format!("could not drain the connection: {err}."))
    }
}

/// `unsubscribe` (or a subscription's `drain`) could not be sent.
impl From<UnsubscribeError> for Problem {
    fn from(err: UnsubscribeError) -> Self {
        Problem::new(format!("could not unsubscribe: {err}."))
    }
}

/// Waiting for Ctrl-C failed: the operating system would not let the program handle the
/// signal. (The only I/O error a step meets of its own; each other gets its own sentence where
/// it happens, so there is no blanket conversion from `std::io::Error`.)
pub fn ctrl_c_failed(err: std::io::Error) -> Problem {
    Problem::new(format!("cannot listen for Ctrl-C: the system refused it ({err}).")).hint(
        "stop the program some other way when you are done (closing its terminal, or kill PID)",
    )
}

/// Set once the connection drops, so that the next `Connected` event reads as a reconnect
/// (async-nats also sends `Connected` for the very first connection).
static CONNECTION_LOST: AtomicBool = AtomicBool::new(false);

/// The event callback (`ConnectOptions::event_callback`): logs what happens to the connection
/// in the background. Server errors, such as a permission violation, arrive only here, so
/// they are warnings.
pub async fn log_event(event: Event) {
    match event {
        Event::Disconnected => {
            CONNECTION_LOST.store(true, Ordering::Relaxed);
            warn!("Disconnected from the server; async-nats keeps trying to reconnect");
        }
        Event::Connected if CONNECTION_LOST.swap(false, Ordering::Relaxed) => {
            info!("Reconnected; async-nats subscribed again to everything we listen to");
        }
        Event::SlowConsumer(_) => {
            warn!("Messages were dropped: they arrived faster than this program handled them")
        }
        Event::ServerError(err) => warn!("The server reported an error: {err}"),
        other => debug!("Connection event: {other}"),
    }
}

/// After `drain`, waits for a message handler to finish the messages already on their way,
/// logs the client's statistics, and returns what the handler returned. A server that is down
/// cannot confirm the drain, so this gives up after a second, with a warning, and returns
/// `None`.
pub async fn wait_drained<T>(client: &Client, handler: tokio::task::JoinHandle<T>) -> Option<T> {
    let value = match tokio::time::timeout(Duration::from_secs(1), handler).await {
        Ok(Ok(value)) => {
            info!("Subscription drained, connection closed");
            Some(value)
        }
        _ => {
            warn!("The server did not confirm the drain within 1 s; exiting anyway");
            None
        }
    };
    log_statistics(client);
    value
}

/// Logs what the client itself counted: messages received and sent, bytes in and out on the
/// wire (the protocol's own lines included), and how often it reconnected.
pub fn log_statistics(client: &Client) {
    let stats = client.statistics();
    let reconnects = stats.connects.load(Ordering::Relaxed).saturating_sub(1);
    info!(
        "Statistics: received {} message(s), sent {}; {} bytes in, {} out; reconnected \
         {reconnects} time(s)",
        stats.in_messages.load(Ordering::Relaxed),
        stats.out_messages.load(Ordering::Relaxed),
        stats.in_bytes.load(Ordering::Relaxed),
        stats.out_bytes.load(Ordering::Relaxed),
    );
}
