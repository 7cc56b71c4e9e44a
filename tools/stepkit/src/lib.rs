//! stepkit: the plumbing around the lessons. A step's `main.rs` writes out every NATS call it
//! teaches; what no lesson teaches is here once: logging, settings and arguments, [`Problem`]
//! (what `main` returns), the sentences for a failed or refused connection, and a class's login.
//! Four functions that lessons write out, for the later lessons, are in `shown.rs`.
#![warn(clippy::too_many_lines)]

use std::fmt;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_nats::client::{DrainError, FlushError};
use async_nats::{Client, ConnectError, ConnectErrorKind, ConnectOptions, Event, ServerAddr};
use async_nats::{PublishError, PublishErrorKind, SubscribeError, SubscribeErrorKind};
use log::{debug, info, warn};
use tokio::{task::JoinHandle, time::timeout};

/// Where the tutorial's server listens: Go's `nats.DefaultURL`.
pub const DEFAULT_URL: &str = "nats://localhost:4222";
/// What a valid subject looks like, for every sentence about one.
pub const SUBJECT_HINT: &str = "a subject is a list of tokens separated by dots, without \
    spaces, such as foo or foo.bar (subscriptions may use foo.* or foo.>)";

/// Why a step cannot go on: one sentence, then `hint: ...` on the next line.
pub struct Problem {
    sentence: String,
    hint: Option<String>,
}

impl Problem {
    pub fn new(sentence: impl Into<String>) -> Self {
        Problem { sentence: sentence.into(), hint: None }
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// `main` returns it: Rust then prints `Error: ` and this, the text rather than a dump.
impl fmt::Debug for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hint = self.hint.as_ref().map(|hint| format!("\nhint: {hint}"));
        write!(f, "{}{}", self.sentence, hint.unwrap_or_default())
    }
}

/// How a step reaches its server: as a user (named, never the password), or by `--FLAG`.
enum Kind {
    Plain,
    JetStream,
    Cluster,
    User(String),
    Secured(&'static str),
}

/// The running step's name, URL and kind, for the connection sentences.
static STEP: OnceLock<(String, String, Kind)> = OnceLock::new();

/// Sets up logging (`info` shows unless `RUST_LOG` says otherwise); `NATS_URL`, or `default`.
fn init(default: &str) -> String {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    // rustls needs one crypto provider per process: name ring, async-nats's, so that another
    // crate turning on aws-lc-rs cannot leave it undecided (a TLS connect would panic).
    let _ = async_nats::rustls::crypto::ring::default_provider().install_default();
    std::env::var("NATS_URL").unwrap_or_else(|_| default.to_string())
}

fn parse(url: &str) -> Result<ServerAddr, Problem> {
    let hint = "use the form nats://HOST:PORT, for example nats://localhost:4222";
    url.trim()
        .parse()
        .map_err(|_| Problem::new("NATS_URL is not a NATS server address.").hint(hint))
}

/// `NATS_URL`: one server, or a cluster's nodes comma-separated, as `connect` takes them.
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
        let servers = self.0.split(',').map(|server| server.trim().parse());
        servers.collect::<std::io::Result<Vec<_>>>().map(Vec::into_iter)
    }
}

/// For a step without credentials: sets up logging and returns `NATS_URL`.
pub fn start(name: &str) -> Result<NatsUrl, Problem> {
    start_on(name, DEFAULT_URL, Kind::Plain)
}

/// For a JetStream step: as [`start`], with a server with JetStream in the sentences.
pub fn start_jetstream(name: &str) -> Result<NatsUrl, Problem> {
    start_on(name, DEFAULT_URL, Kind::JetStream)
}

/// For a step on a cluster: `NATS_URL` defaults to the three nodes of `cargo xtask cluster`.
pub fn start_cluster(name: &str) -> Result<NatsUrl, Problem> {
    let nodes = "nats://localhost:4222,nats://localhost:4223,nats://localhost:4224";
    start_on(name, nodes, Kind::Cluster)
}

/// async-nats ignores credentials written into a URL (a Go habit, nats.rs issue #1623): a
/// step that sends none says where they go rather than drop them.
fn start_on(name: &str, default: &str, kind: Kind) -> Result<NatsUrl, Problem> {
    let url = init(default);
    for server in url.split(',') {
        if parse(server)?.has_user_pass() {
            let sentence =
                format!("NATS_URL contains credentials, but {name} connects without any.");
            return Err(Problem::new(sentence).hint(
                "the authenticating steps auth-sub and auth-pub read NATS_USER and NATS_PASSWORD; \
                 keep NATS_URL to nats://HOST:PORT",
            ));
        }
    }
    let _ = STEP.set((name.to_string(), url.clone(), kind));
    Ok(NatsUrl(url))
}

/// Where (a URL without credentials) and as whom a step connects. No `Debug`: it holds secrets.
pub struct Login {
    pub url: String,
    pub user: String,
    pub password: String,
}

/// For a step with a user and password: `NATS_USER` and `NATS_PASSWORD` (the tutorial's `foo`
/// and `bar` by default), or those written in `NATS_URL` the Go way, taken out of the URL.
pub fn start_with_password(name: &str) -> Result<Login, Problem> {
    let mut address = parse(&init(DEFAULT_URL))?.into_inner();
    let setting = |name, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let (mut user, mut password) = (setting("NATS_USER", "foo"), setting("NATS_PASSWORD", "bar"));
    if !address.username().is_empty() {
        let Some(url_password) = address.password() else {
            return Err(Problem::new("NATS_URL holds a user but no password (or a token).").hint(
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
        let _ = (address.set_username(""), address.set_password(None));
        info!("Using the user and password written in NATS_URL");
    }
    let url = address.to_string();
    let _ = STEP.set((name.to_string(), url.clone(), Kind::User(user.clone())));
    Ok(Login { url, user, password })
}

/// For the token step: the URL and the token, from `NATS_TOKEN`, or written in `NATS_URL` the
/// Go way (`nats://TOKEN@host`, taken out of the URL so that the URL can be logged).
pub fn start_with_token(name: &str) -> Result<(String, String), Problem> {
    let mut address = parse(&init(DEFAULT_URL))?.into_inner();
    let mut token = std::env::var("NATS_TOKEN").ok();
    if !address.username().is_empty() && address.password().is_none() {
        token = Some(address.username().to_string());
        let _ = address.set_username("");
        info!("Using the token written in NATS_URL");
    }
    let _ = STEP.set((name.to_string(), address.to_string(), Kind::Secured("--token")));
    let run = format!("NATS_TOKEN=$(cat target/secrets/token) cargo run -p {name}");
    let hint = format!("start a server with `cargo xtask server --token`, then run {run}");
    let token = token.ok_or_else(|| Problem::new("NATS_TOKEN is not set.").hint(hint))?;
    Ok((address.to_string(), token))
}

/// A step's connection name for the server's monitoring: `async-sub (alice)`, after `NATS_NAME`
/// (a class's settings file sets it: lab machines often share one `USER`), else `USER`.
pub fn connection_name(step: &str) -> String {
    let who = ["NATS_NAME", "USER", "USERNAME"].iter().find_map(|name| std::env::var(name).ok());
    match who {
        Some(who) if !who.is_empty() => format!("{step} ({who})"),
        _ => step.to_string(),
    }
}

/// `NATS_CLASS=1` (the settings file of `classroom start`): the class server gives each
/// student an account of their own, so every step logs in with `NATS_USER` and `NATS_PASSWORD`,
/// and it speaks TLS only, so every step trusts the class's CA (`NATS_CA`) and requires TLS.
/// Classroom plumbing, not a lesson: outside a class, the options are left as they are.
pub fn in_class(options: ConnectOptions) -> ConnectOptions {
    let Some(user) = class_user() else { return options };
    let options =
        options.user_and_password(user, std::env::var("NATS_PASSWORD").unwrap_or_default());
    match std::env::var_os("NATS_CA") {
        Some(ca) => options.add_root_certificates(ca.into()).require_tls(true),
        None => options,
    }
}

/// The student's user when `NATS_CLASS=1`.
fn class_user() -> Option<String> {
    let in_class = std::env::var("NATS_CLASS").as_deref() == Ok("1");
    in_class.then(|| std::env::var("NATS_USER").unwrap_or_default())
}

/// The setting `NATS_WAIT_FOR_SERVER=1`: `retry_on_initial_connect`, so that `connect` returns
/// at once and async-nats tries every half second, each attempt logged.
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

/// The command-line argument at `index` (1 is the first), or `default`.
pub fn arg(index: usize, default: &str) -> String {
    std::env::args().nth(index).unwrap_or_else(|| default.to_string())
}

/// A whole-number argument at `index`, called `name` in the step's usage, or `default`.
pub fn number_arg(index: usize, name: &str, default: u64) -> Result<u64, Problem> {
    let Some(text) = std::env::args().nth(index) else { return Ok(default) };
    let sentence = format!("{name} must be a whole number, not '{text}'.");
    let hint = format!("write it in digits, for example {default}");
    text.parse().map_err(|_| Problem::new(sentence).hint(hint))
}

/// A failed `connect`: nothing answered, the server wants TLS, or it refused the credentials.
impl From<ConnectError> for Problem {
    fn from(err: ConnectError) -> Self {
        let default = ("this program".into(), DEFAULT_URL.into(), Kind::Plain);
        let (name, url, kind) = STEP.get().unwrap_or(&default);
        // TLS: a server's CA this client was not given, or a server without TLS for a client with.
        let text = err.to_string();
        let (untrusted, plain) = (text.contains("UnknownIssuer"), text.contains("corrupt message"));
        let (sentence, hint) = match () {
            _ if class_user().is_some() && (untrusted || err.kind() == ConnectErrorKind::Tls) => {
                return class_tls(url, &err);
            }
            _ if untrusted => (
                "requires TLS, and its certificate is signed by a CA this client does not trust.",
                "give the CA's certificate in NATS_CA (cargo xtask server --tls writes it to \
                 target/tls/ca.pem) and use a TLS step such as tls-pub; in a class, load your \
                 settings file (set -a; . ./NAME.env; set +a)",
            ),
            _ if plain => (
                "does not speak TLS, and this client requires it.",
                "start a server with TLS (`cargo xtask server --tls`), or connect to this one with \
                 a step without TLS and a nats:// URL",
            ),
            _ if err.kind() == ConnectErrorKind::AuthorizationViolation => {
                return refused(name, url, kind);
            }
            _ if class_user().is_some() => (
                "does not answer; it is the class server, which your teacher starts.",
                "ask your teacher whether `classroom start` is running, and compare NATS_URL in \
                 your settings file with the address it printed",
            ),
            _ => return unreached(url, kind, &err),
        };
        Problem::new(format!("the server at {url} {sentence}")).hint(hint)
    }
}

/// The class server speaks TLS only: without the class's CA, or with one that cannot be read.
fn class_tls(url: &str, err: &ConnectError) -> Problem {
    let (sentence, hint) = match std::env::var_os("NATS_CA").map(std::path::PathBuf::from) {
        None => (
            format!("the class server at {url} speaks TLS only, and NATS_CA is not set."),
            "load your class settings file (set -a; . ./NAME.env; set +a): it sets NATS_CA to \
             class-ca.pem, which you save from the sheet next to it",
        ),
        Some(ca) if !ca.is_file() => (
            format!("NATS_CA names {}, which is not in this folder.", ca.display()),
            "save the class's CA certificate (on the sheet) as class-ca.pem here, or run the \
             steps from the folder where you saved it",
        ),
        Some(_) => (
            format!("the class server at {url} did not pass the TLS check with NATS_CA ({err})."),
            "your teacher may have a new class CA: save the new class-ca.pem, then load your \
             settings file again",
        ),
    };
    Problem::new(sentence).hint(hint)
}

/// Nothing answered at `url`: which server to start, for this kind of step.
fn unreached(url: &str, kind: &Kind, err: &ConnectError) -> Problem {
    let (at, command, other) = match kind {
        Kind::Plain => ("a NATS server at", "server".into(), "a running server"),
        Kind::JetStream => ("a NATS server at", "server --jetstream".into(), "a JetStream server"),
        Kind::Cluster => {
            ("any NATS server of", "cluster".into(), "running servers (comma-separated)")
        }
        Kind::User(_) => ("a NATS server at", "server --auth".into(), "a server"),
        Kind::Secured(flag) => ("a NATS server at", flag.replace("--", "server --"), "a server"),
    };
    Problem::new(format!("cannot connect to {at} {url} ({err}).")).hint(format!(
        "start one in another terminal with `cargo xtask {command}`, or point NATS_URL at {other}"
    ))
}

/// The server refused this step's credentials, or their absence (no password, token or seed shown).
fn refused(name: &str, url: &str, kind: &Kind) -> Problem {
    let sentence =
        |whom: &str| format!("the server at {url} refused {whom}: authorization violation.");
    let refused = |whom: &str, hint: &str| Problem::new(sentence(whom)).hint(hint);
    match kind {
        Kind::User(user) => refused(
            &format!("user '{user}'"),
            "start the server with `cargo xtask server --auth` (nats-server --user foo --pass \
             bar), or set NATS_USER and NATS_PASSWORD to the credentials your server expects",
        ),
        Kind::Secured("--token") => refused(
            "the token",
            "start the server with `cargo xtask server --token` and set NATS_TOKEN to the token \
             in target/secrets/token, or to the token your server expects",
        ),
        // The nkey and credentials steps say which key or file was refused themselves.
        Kind::Secured(flag) => refused(
            "this client's credentials",
            &format!("`cargo xtask server {flag}` prints what to set"),
        ),
        _ if class_user().is_some() => refused(
            &format!("class user '{}'", class_user().unwrap_or_default()),
            "load your class settings file again (set -a; . ./NAME.env; set +a): the class may \
             have been reset, which gives new passwords; or ask your teacher for a new file",
        ),
        _ => refused(
            "the connection",
            &format!(
                "this server requires a user and password and {name} sends none: the \
                 authenticating steps auth-sub and auth-pub read NATS_USER and NATS_PASSWORD; or \
                 start a server without credentials with `cargo xtask server`"
            ),
        ),
    }
}

/// `flush` failed: what was buffered may not have reached the server.
impl From<FlushError> for Problem {
    fn from(err: FlushError) -> Self {
        let sentence = format!("the messages could not be sent to the server: {err}.");
        Problem::new(sentence).hint("is the server still running?")
    }
}

/// `drain` could not be sent: the connection is already closed.
impl From<DrainError> for Problem {
    fn from(err: DrainError) -> Self {
        Problem::new(format!("could not drain the connection: {err}."))
    }
}

/// Waiting for Ctrl-C failed: the steps' only I/O error of their own (no blanket conversion).
pub fn ctrl_c_failed(err: std::io::Error) -> Problem {
    Problem::new(format!("cannot listen for Ctrl-C: the system refused it ({err}).")).hint(
        "stop the program some other way when you are done (closing its terminal, or kill PID)",
    )
}

/// Logs what the client counted: messages and bytes (protocol lines included), and reconnects.
pub fn log_statistics(client: &Client) {
    let stats = client.statistics();
    let counters = [&stats.in_messages, &stats.out_messages, &stats.in_bytes, &stats.out_bytes];
    let [received, sent, bytes_in, bytes_out] = counters.map(|count| count.load(Ordering::Relaxed));
    let reconnects = stats.connects.load(Ordering::Relaxed).saturating_sub(1);
    info!(
        "Statistics: received {received} message(s), sent {sent}; {bytes_in} bytes in, \
         {bytes_out} out; reconnected {reconnects} time(s)"
    );
}

/// The file that the setting `variable` names, once it can be read; `None` when it is not set.
pub fn setting_file(variable: &str) -> Result<Option<PathBuf>, Problem> {
    let Some(path) = std::env::var_os(variable).filter(|p| !p.is_empty()) else { return Ok(None) };
    let path = PathBuf::from(path);
    let sentence = |err| format!("cannot read {variable}'s file {} ({err}).", path.display());
    let hint = "cargo xtask server --tls, --mtls, --nkey or --creds writes these files in target/";
    std::fs::File::open(&path).map_err(|err| Problem::new(sentence(err)).hint(hint))?;
    Ok(Some(path))
}

/// For the steps whose server is `cargo xtask server FLAG` (`--nkey`, `--mappings`...) or `leaf`.
pub fn start_secured(name: &str, default: &str, flag: &'static str) -> Result<NatsUrl, Problem> {
    start_on(name, default, Kind::Secured(flag))
}

// Lessons' code for the later lessons, in a file of its own.
include!("shown.rs");
include!("version.rs");
