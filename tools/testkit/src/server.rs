//! A real nats-server process on loopback ports.

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::lines::{Lines, follow};
use crate::locate::find_nats_server;

/// What kind of server to start. The default is the tutorial's plain server.
#[derive(Clone, Debug, Default)]
pub struct ServerOptions {
    credentials: Option<(String, String)>,
    trace: bool,
    config: Option<String>,
    port: Option<u16>,
    monitor_port: Option<u16>,
    listen_all: bool,
    bin: Option<PathBuf>,
    name: Option<String>,
    cluster: Option<(u16, Vec<u16>)>,
    token: Option<String>,
    jetstream: bool,
    store_dir: Option<PathBuf>,
    /// TLS with these certificates; `true`: mutual TLS (client certificates required).
    tls: Option<(crate::pki::Pki, bool)>,
}

impl ServerOptions {
    pub fn new() -> Self {
        Self::default()
    }

    /// Require this user and password (`--user` / `--pass`).
    pub fn auth(mut self, user: &str, password: &str) -> Self {
        self.credentials = Some((user.to_string(), password.to_string()));
        self
    }

    /// The tutorial's permissions: user `foo`, password `bar`, who may publish and subscribe on
    /// `foo.>` only (and receive replies on `_INBOX.>`). A configuration file: there is no flag
    /// for permissions.
    pub fn permissions(self) -> Self {
        self.config(PERMISSIONS)
    }

    /// Enable JetStream (`--jetstream`), storing in `store_dir`, or else in a temporary folder
    /// of its own that is kept across restarts and removed when the server is dropped.
    pub fn jetstream(mut self, store_dir: Option<PathBuf>) -> Self {
        self.jetstream = true;
        self.store_dir = store_dir;
        self
    }

    /// Require TLS (`--tls`), with the server certificate of `pki`.
    pub fn tls(mut self, pki: &crate::pki::Pki) -> Self {
        self.tls = Some((pki.clone(), false));
        self
    }

    /// Mutual TLS: [`ServerOptions::tls`], and every client must present a certificate signed
    /// by the CA of `pki` (`--tlsverify`).
    pub fn mtls(mut self, pki: &crate::pki::Pki) -> Self {
        self.tls = Some((pki.clone(), true));
        self
    }

    /// Accept the user with this nkey (its public key), and nobody else: a configuration
    /// file, since no flag lists nkeys.
    pub fn nkey(self, public_key: &str) -> Self {
        self.config(&format!(
            "authorization {{\n  users = [ {{ nkey: \"{public_key}\" }} ]\n}}\n"
        ))
    }

    /// Require this token (`--auth`).
    pub fn token(mut self, token: &str) -> Self {
        self.token = Some(token.to_string());
        self
    }

    /// Log debug lines and trace the protocol (`-DV`).
    pub fn trace(mut self) -> Self {
        self.trace = true;
        self
    }

    /// Add this text to the configuration file the server loads (`-c`), for settings that
    /// have no flag (for example `max_payload`). Several calls add up, so that options combine
    /// (`--permissions --max-payload 64`) instead of the last one silently replacing the others.
    pub fn config(mut self, text: &str) -> Self {
        let config = self.config.get_or_insert_with(String::new);
        config.push_str(text);
        if !config.ends_with('\n') {
            config.push('\n');
        }
        self
    }

    /// Listen on this client port instead of a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Serve monitoring on this port instead of a free one.
    pub fn monitor_port(mut self, port: u16) -> Self {
        self.monitor_port = Some(port);
        self
    }

    /// Run this nats-server binary instead of the one [`find_nats_server`] finds.
    pub fn bin(mut self, path: PathBuf) -> Self {
        self.bin = Some(path);
        self
    }

    /// The server's name (`--server_name`), which clients see in its INFO.
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }

    /// Join a cluster named `tutorial`: listen for routes on `port` and connect to the
    /// other nodes' route ports `routes`.
    pub fn cluster(mut self, port: u16, routes: Vec<u16>) -> Self {
        self.cluster = Some((port, routes));
        self
    }

    /// Listen on every interface rather than on 127.0.0.1 only.
    pub fn listen_all(mut self) -> Self {
        self.listen_all = true;
        self
    }
}

/// A nats-server child process. Dropping it kills the server.
pub struct NatsServer {
    bin: PathBuf,
    options: ServerOptions,
    port: u16,
    monitor_port: u16,
    config_path: Option<PathBuf>,
    /// The JetStream store this server made for itself (removed on drop).
    own_store: Option<PathBuf>,
    child: Option<Child>,
    log: Lines,
    starts: usize,
}

/// The binary `options` run (theirs, or the one [`find_nats_server`] finds) and their
/// configuration file, written out when they have one.
fn prepare(options: &ServerOptions) -> crate::Result<(PathBuf, Option<PathBuf>)> {
    let bin = match &options.bin {
        Some(bin) => bin.clone(),
        None => {
            let (bin, source) = find_nats_server()?;
            say_once_which_server(&bin, source);
            bin
        }
    };
    let config_path = match &options.config {
        None => None,
        Some(text) => Some(write_config(text)?),
    };
    Ok((bin, config_path))
}

/// `command` as a person would type it: the program's name, then its arguments, with `secret`
/// (a token) shown as TOKEN.
fn shown(command: &Command, secret: Option<&str>) -> String {
    let program = Path::new(command.get_program())
        .file_name()
        .unwrap_or_default();
    let args = command.get_args().map(|arg| match arg.to_str() {
        Some(arg) if Some(arg) == secret => "TOKEN".to_string(),
        _ => arg.to_string_lossy().into_owned(),
    });
    let words: Vec<String> = std::iter::once(program.to_string_lossy().into_owned())
        .chain(args)
        .collect();
    words.join(" ")
}

/// When the tests run another nats-server than the pinned one, says so once per test
/// program, on stderr as it is (cargo's test harness captures only `print!` and `eprint!`, so
/// the line shows even when every test passes).
fn say_once_which_server(bin: &Path, source: crate::locate::Source) {
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        if let Some(note) = crate::locate::server_note(bin, source) {
            let _ = writeln!(std::io::stderr(), "testkit: {note}");
        }
    });
}

/// Writes a configuration file for nats-server (`--config`) into the temporary folder.
fn write_config(text: &str) -> crate::Result<PathBuf> {
    let path = std::env::temp_dir().join(format!(
        "testkit-nats-{}-{}.conf",
        std::process::id(),
        CONFIG_FILES.fetch_add(1, Ordering::Relaxed)
    ));
    fs::write(&path, text)
        .map_err(|err| crate::Failure(format!("cannot write {}: {err}", path.display())))?;
    Ok(path)
}

/// A port that was free on 127.0.0.1 a moment ago (another process may take it before a
/// server does: [`NatsServer::start`] and [`Cluster::start`] then start again on others).
pub fn free_port() -> crate::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .map_err(|err| crate::Failure(format!("cannot find a free port on 127.0.0.1: {err}")))?;
    let port = listener
        .local_addr()
        .map(|addr| addr.port())
        .map_err(|err| crate::Failure(format!("cannot read the port of a free socket: {err}")))?;
    drop(listener);
    if let Some(watcher) = PORT_WATCHER.lock().ok().and_then(|watcher| watcher.clone()) {
        let _ = watcher.send(port);
    }
    Ok(port)
}

/// How long a start waits for ports that another process holds to be free (a restart on the
/// same port, or a fixed port), and keeps picking new ones for those it picked.
const PORT_PATIENCE: Duration = Duration::from_secs(20);

/// How many starts found a port taken and started again, for the tests that prove it.
static PORT_RETRIES: AtomicUsize = AtomicUsize::new(0);

/// Where [`free_port`] announces each port it hands out, for the test that steals them.
static PORT_WATCHER: std::sync::Mutex<Option<std::sync::mpsc::Sender<u16>>> =
    std::sync::Mutex::new(None);

/// For the port-race test: every port [`free_port`] picks from now on is also sent here, so
/// that a thread can grab it before the server that asked for it starts.
pub fn watch_free_ports() -> std::sync::mpsc::Receiver<u16> {
    let (sender, receiver) = std::sync::mpsc::channel();
    if let Ok(mut watcher) = PORT_WATCHER.lock() {
        *watcher = Some(sender);
    }
    receiver
}

/// How many times a server found a port taken and was started again (see [`free_port`]).
pub fn port_retries() -> usize {
    PORT_RETRIES.load(Ordering::Relaxed)
}

/// The server could not listen because another process holds a port.
fn in_use(err: &crate::Failure) -> bool {
    err.0.contains("address already in use")
}

/// Waits until each given port can be bound on 127.0.0.1, or `deadline` passes (then the
/// next start says why it failed). Ports the harness picks itself (`None`) need no wait.
fn wait_for_free_ports(ports: &[Option<u16>], deadline: Instant) {
    let free = |port: &u16| TcpListener::bind(("127.0.0.1", *port)).is_ok();
    let timeout = deadline.saturating_duration_since(Instant::now());
    crate::wait_until(timeout, || ports.iter().flatten().all(free).then_some(()));
}

static CONFIG_FILES: AtomicUsize = AtomicUsize::new(0);

impl NatsServer {
    /// Finds nats-server and starts it with `options`, waiting until it is ready to accept
    /// clients. Free ports are picked unless the options name them; if another process takes
    /// a picked port first, it tries again with new ones.
    pub fn start(options: ServerOptions) -> crate::Result<NatsServer> {
        NatsServer::start_patiently(options, true)
    }

    /// [`NatsServer::start`]; with `wait_for_fixed` false, a port the options fix that is
    /// taken fails the start at once (a cluster then picks new ports for all its nodes).
    fn start_patiently(options: ServerOptions, wait_for_fixed: bool) -> crate::Result<NatsServer> {
        let (bin, config_path) = prepare(&options)?;
        let route = options.cluster.as_ref().map(|(port, _)| *port);
        let fixed = [options.port, options.monitor_port, route];
        let picked = options.port.is_none() || options.monitor_port.is_none();
        let mut options = options;
        let mut own_store = None;
        if options.jetstream && options.store_dir.is_none() {
            let dir = std::env::temp_dir().join(format!(
                "testkit-js-{}-{}",
                std::process::id(),
                CONFIG_FILES.fetch_add(1, Ordering::Relaxed)
            ));
            options.store_dir = Some(dir.clone());
            own_store = Some(dir);
        }
        let deadline = Instant::now() + PORT_PATIENCE;
        loop {
            let port = options.port.map_or_else(free_port, Ok)?;
            let monitor_port = options.monitor_port.map_or_else(free_port, Ok)?;
            let mut server = NatsServer {
                bin: bin.clone(),
                options: options.clone(),
                port,
                monitor_port,
                config_path: config_path.clone(),
                own_store: own_store.clone(),
                child: None,
                log: Lines::new(),
                starts: 0,
            };
            match server.launch() {
                Ok(()) => return Ok(server),
                // Another process took a port between its pick and the server's start: pick
                // new ones, or wait for a port the options fixed to be free again.
                Err(err)
                    if in_use(&err) && Instant::now() < deadline && (picked || wait_for_fixed) =>
                {
                    server.config_path = None; // kept for the next attempt
                    server.own_store = None;
                    PORT_RETRIES.fetch_add(1, Ordering::Relaxed);
                    wait_for_free_ports(&fixed, deadline);
                }
                Err(err) => {
                    if let Some(path) = config_path {
                        let _ = fs::remove_file(path);
                    }
                    return Err(err);
                }
            }
        }
    }

    /// The URL clients use: `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The TLS URL, `tls://localhost:PORT` (the name the test certificates are made for).
    pub fn tls_url(&self) -> String {
        format!("tls://localhost:{}", self.port)
    }

    /// The certificates of a TLS server, and whether it wants client certificates too.
    pub fn tls(&self) -> Option<&(crate::pki::Pki, bool)> {
        self.options.tls.as_ref()
    }

    pub fn monitor_port(&self) -> u16 {
        self.monitor_port
    }

    /// The server's own statistics (`/varz` on the monitoring port): `in_msgs`, `out_msgs`,
    /// `connections`, ... as JSON. What the server counted is what arrived, whatever the
    /// client printed.
    pub fn varz(&self) -> crate::Result<serde_json::Value> {
        let body = self.monitor("/varz")?;
        serde_json::from_str(&body)
            .map_err(|err| crate::Failure(format!("/varz is not JSON ({err}): {body:?}")))
    }

    /// The nats-server binary in use.
    pub fn bin(&self) -> &PathBuf {
        &self.bin
    }

    /// For a test of something an older nats-server cannot do: an error that says so, naming
    /// this server's version and `why`, when it is older than `at_least` (major, minor).
    pub fn require(&self, at_least: (u32, u32), why: &str) -> crate::Result<()> {
        let version = crate::locate::nats_server_version(&self.bin);
        match version {
            Some((major, minor, _)) if (major, minor) >= at_least => Ok(()),
            _ => {
                let (major, minor) = at_least;
                let found = version.map_or("of unknown version".to_string(), |(a, b, c)| {
                    format!("{a}.{b}.{c}")
                });
                Err(crate::Failure(format!(
                    "this test needs nats-server {major}.{minor} or newer ({why}); it ran \
                     against {} ({found}). `cargo xtask test` uses the pinned one.",
                    self.bin.display()
                )))
            }
        }
    }

    /// The user and password the server requires, if any.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        self.options
            .credentials
            .as_ref()
            .map(|(user, password)| (user.as_str(), password.as_str()))
    }

    /// The token the server requires, if any.
    pub fn token(&self) -> Option<&str> {
        self.options.token.as_deref()
    }

    /// Everything the server logged (all runs, when restarted).
    pub fn log(&self) -> &Lines {
        &self.log
    }

    /// Freezes the server process (SIGSTOP; Unix only): it stops answering, but no connection
    /// is closed, so clients only notice through their pings. [`NatsServer::thaw`] resumes it.
    pub fn freeze(&self) -> crate::Result<()> {
        self.signal("STOP")
    }

    /// Resumes a frozen server (SIGCONT).
    pub fn thaw(&self) -> crate::Result<()> {
        self.signal("CONT")
    }

    fn signal(&self, name: &str) -> crate::Result<()> {
        let Some(child) = &self.child else {
            return Err(crate::Failure("the server is not running".to_string()));
        };
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(child.id().to_string())
            .status()
            .map_err(|err| crate::Failure(format!("cannot run kill: {err}")))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("kill -{name} {} failed: {status}", child.id()).into())
        }
    }

    /// True until [`NatsServer::stop`].
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Kills the server (like a crash or a power cut: clients see the connection drop).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the server and starts it again on the same ports, with the same options. When
    /// another process took one of them in the meantime, it waits for it to be free again.
    pub fn restart(&mut self) -> crate::Result<()> {
        self.stop();
        let deadline = Instant::now() + PORT_PATIENCE;
        loop {
            match self.launch() {
                Err(err) if in_use(&err) && Instant::now() < deadline => {
                    PORT_RETRIES.fetch_add(1, Ordering::Relaxed);
                    let route = self.options.cluster.as_ref().map(|(port, _)| *port);
                    wait_for_free_ports(
                        &[Some(self.port), Some(self.monitor_port), route],
                        deadline,
                    );
                }
                result => return result,
            }
        }
    }

    /// Runs nats-server with `options` in the foreground, its log going straight to this
    /// terminal, until it exits (xtask's server for learners; Ctrl-C stops it). `announce`
    /// first gets the command line it runs, as a person would type it: the very one, with a
    /// token shown as TOKEN.
    pub fn run_in_foreground(
        options: ServerOptions,
        announce: impl FnOnce(&str),
    ) -> crate::Result<()> {
        let server = NatsServer::foreground(options)?;
        let mut command = server.command();
        announce(&shown(&command, server.options.token.as_deref()));
        let status = command.status().map_err(|err| {
            crate::Failure(format!("cannot start {}: {err}", server.bin.display()))
        })?;
        if status.success() {
            Ok(())
        } else {
            Err(crate::Failure(format!("nats-server ended: {status}")))
        }
    }

    /// The command line [`NatsServer::run_in_foreground`] shows for `options`, made the same
    /// way (for tests of what a learner is shown).
    pub fn shown_command(options: ServerOptions) -> crate::Result<String> {
        let server = NatsServer::foreground(options)?;
        Ok(shown(&server.command(), server.options.token.as_deref()))
    }

    /// A server on the tutorial's ports unless `options` name others, not started.
    fn foreground(options: ServerOptions) -> crate::Result<NatsServer> {
        let (bin, config_path) = prepare(&options)?;
        Ok(NatsServer {
            bin,
            port: options.port.unwrap_or(4222),
            monitor_port: options.monitor_port.unwrap_or(8222),
            options,
            config_path,
            own_store: None,
            child: None,
            log: Lines::new(),
            starts: 0,
        })
    }

    /// The nats-server command line for these options and ports.
    fn command(&self) -> Command {
        let mut command = Command::new(&self.bin);
        if !self.options.listen_all {
            command.args(["--addr", "127.0.0.1"]);
        }
        command
            .args(["--port", &self.port.to_string()])
            .args(["--http_port", &self.monitor_port.to_string()]);
        if let Some((user, password)) = &self.options.credentials {
            command.args(["--user", user, "--pass", password]);
        }
        if let Some(token) = &self.options.token {
            command.args(["--auth", token]);
        }
        if let Some((pki, mutual)) = &self.options.tls {
            let (cert, key) = pki.server();
            command
                .arg("--tls")
                .arg("--tlscert")
                .arg(cert)
                .arg("--tlskey")
                .arg(key);
            if *mutual {
                command.arg("--tlsverify").arg("--tlscacert").arg(pki.ca());
            }
        }
        if self.options.jetstream {
            command.arg("--jetstream");
            if let Some(dir) = &self.options.store_dir {
                command.arg("--store_dir").arg(dir);
            }
        }
        if self.options.trace {
            command.arg("-DV");
        }
        if let Some(name) = &self.options.name {
            command.args(["--server_name", name]);
        }
        if let Some((port, routes)) = &self.options.cluster {
            let routes: Vec<String> = routes
                .iter()
                .map(|route| format!("nats://127.0.0.1:{route}"))
                .collect();
            command
                .args(["--cluster", &format!("nats://127.0.0.1:{port}")])
                .args(["--cluster_name", "tutorial"])
                .args(["--routes", &routes.join(",")]);
        }
        if let Some(path) = &self.config_path {
            command.arg("--config").arg(path);
        }
        command
    }

    fn launch(&mut self) -> crate::Result<()> {
        let mut command = self.command();
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|err| crate::Failure(format!("cannot start {}: {err}", self.bin.display())))?;
        let sinks = vec![self.log.clone()];
        if let Some(out) = child.stdout.take() {
            follow(out, sinks.clone(), None);
        }
        if let Some(err) = child.stderr.take() {
            follow(err, sinks, None);
        }
        self.child = Some(child);
        self.starts += 1;

        // nats-server logs "Server is ready" once it accepts clients; wait for this run's. A
        // cluster node opens its route port only after that (and dies when it is taken), so
        // wait for that line as well.
        let mut ready = self
            .log
            .wait_for_count("Server is ready", self.starts, crate::PATIENCE);
        if ready.is_ok() && self.options.cluster.is_some() {
            let routes = "Listening for route connections";
            ready = self
                .log
                .wait_for_count(routes, self.starts, crate::PATIENCE);
        }
        match ready {
            Ok(_) => Ok(()),
            Err(err) => {
                self.stop();
                self.starts -= 1;
                Err(format!(
                    "nats-server ({}) did not become ready on port {}: {err}",
                    self.bin.display(),
                    self.port
                )
                .into())
            }
        }
    }

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

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.stop();
        if let Some(path) = self.config_path.take() {
            let _ = fs::remove_file(path);
        }
        if let Some(dir) = self.own_store.take() {
            let _ = fs::remove_dir_all(dir);
        }
    }
}

/// The configuration behind [`ServerOptions::permissions`].
pub const PERMISSIONS: &str = r#"authorization {
  users = [
    { user: foo, password: bar,
      permissions: { publish: "foo.>", subscribe: ["foo.>", "_INBOX.>"] } }
  ]
}
"#;

/// GET `path` from the monitoring port `port` of a nats-server on this machine (HTTP/1.0, so
/// the server closes the connection after the answer) and return the body.
pub fn monitor(port: u16, path: &str) -> crate::Result<String> {
    let fail =
        |err: std::io::Error| crate::Failure(format!("monitoring request {path} failed: {err}"));
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(fail)?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(fail)?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").map_err(fail)?;
    let mut response = String::new();
    stream.read_to_string(&mut response).map_err(fail)?;
    match response.split_once("\r\n\r\n") {
        Some((_, body)) => Ok(body.to_string()),
        None => Err(format!("monitoring request {path}: no HTTP body in {response:?}").into()),
    }
}

/// Several nats-servers joined in a cluster on loopback, named n1, n2, ...
pub struct Cluster {
    nodes: Vec<NatsServer>,
}

/// Ports for one cluster node: clients, routes between servers, monitoring.
#[derive(Clone, Copy, Debug)]
pub struct NodePorts {
    pub client: u16,
    pub route: u16,
    pub monitor: u16,
}

impl Cluster {
    /// Starts `size` nodes on free ports and waits until every node has a route to every
    /// other one (after that, a message published on any node reaches subscribers on all).
    pub fn start(size: usize) -> crate::Result<Cluster> {
        Cluster::start_with(size, ServerOptions::new())
    }

    /// [`Cluster::start`] with `options` for every node (a nats-server binary, for example).
    /// When another process takes one of the picked ports first, the nodes started so far are
    /// stopped and the cluster starts again on new ports.
    pub fn start_with(size: usize, options: ServerOptions) -> crate::Result<Cluster> {
        let deadline = Instant::now() + PORT_PATIENCE;
        loop {
            let mut ports = Vec::with_capacity(size);
            for _ in 0..size {
                let (client, route, monitor) = (free_port()?, free_port()?, free_port()?);
                ports.push(NodePorts {
                    client,
                    route,
                    monitor,
                });
            }
            match Cluster::start_nodes(&ports, options.clone(), false) {
                Err(err) if in_use(&err) && Instant::now() < deadline => {
                    PORT_RETRIES.fetch_add(1, Ordering::Relaxed);
                }
                result => return result,
            }
        }
    }

    /// Starts one node per entry of `ports`, each with `options` plus its name, ports and
    /// routes, and waits until the routes are up.
    /// A port in `ports` that another process holds is waited for.
    pub fn start_on(ports: &[NodePorts], options: ServerOptions) -> crate::Result<Cluster> {
        Cluster::start_nodes(ports, options, true)
    }

    fn start_nodes(
        ports: &[NodePorts],
        options: ServerOptions,
        wait_for_ports: bool,
    ) -> crate::Result<Cluster> {
        let mut nodes = Vec::with_capacity(ports.len());
        for (index, own) in ports.iter().enumerate() {
            let routes = ports
                .iter()
                .filter(|other| other.route != own.route)
                .map(|other| other.route)
                .collect();
            let name = format!("n{}", index + 1);
            let mut node_options = options.clone();
            // One JetStream store per node: in a folder named after it, inside the one given.
            if let Some(dir) = &options.store_dir {
                node_options.store_dir = Some(dir.join(&name));
            }
            let node = NatsServer::start_patiently(
                node_options
                    .name(&name)
                    .port(own.client)
                    .monitor_port(own.monitor)
                    .cluster(own.route, routes),
                wait_for_ports,
            )?;
            nodes.push(node);
        }
        let cluster = Cluster { nodes };
        cluster.wait_for_routes(crate::PATIENCE)?;
        Ok(cluster)
    }

    /// Node `index` (0 is n1).
    pub fn node(&self, index: usize) -> &NatsServer {
        &self.nodes[index]
    }

    pub fn node_mut(&mut self, index: usize) -> &mut NatsServer {
        &mut self.nodes[index]
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Every node's client URL, comma-separated, as NATS_URL takes them.
    pub fn urls(&self) -> String {
        self.nodes
            .iter()
            .map(NatsServer::url)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The index of the node whose own clients hold a subscription to `subject`.
    pub fn node_with_subscription(&self, subject: &str) -> Option<usize> {
        self.nodes.iter().position(|node| {
            node.child.is_some()
                && node
                    .subscriptions()
                    .map(|subs| subs.iter().any(|(_, s)| s == subject))
                    .unwrap_or(false)
        })
    }

    /// Waits until one of the nodes holds a client subscription to `subject`, and returns its
    /// index (after a failover: the node the subscriber moved to).
    pub fn wait_for_subscription(&self, subject: &str, timeout: Duration) -> crate::Result<usize> {
        crate::wait_until(timeout, || self.node_with_subscription(subject)).ok_or_else(|| {
            crate::Failure(format!(
                "no node of the cluster held a subscription to '{subject}' within {timeout:?}"
            ))
        })
    }

    /// Waits until the nodes' JetStream has elected a meta leader, the node that creates
    /// streams and consumers for the cluster (before that, the JetStream API does not answer).
    /// It also waits until that leader knows every running node as a current peer: before,
    /// a stream with as many replicas as nodes finds "no suitable peers for placement".
    pub fn wait_for_jetstream(&self, timeout: Duration) -> crate::Result<()> {
        let running = self.nodes.iter().filter(|node| node.is_running()).count();
        crate::wait_until(timeout, || {
            self.jsz("/jsz").find_map(|(node, jsz)| {
                let meta = &jsz["meta_cluster"];
                // The leader's own view: the other peers, and whether each is up to date.
                let leads = meta["leader"].as_str()? == node.options.name.as_deref()?;
                let peers = meta["replicas"].as_array().cloned().unwrap_or_default();
                let current = peers.iter().filter(|peer| peer["current"] == true).count();
                (leads && current + 1 >= running).then_some(())
            })
        })
        .ok_or_else(|| {
            crate::Failure(format!(
                "JetStream's nodes did not all join its meta group in {timeout:?}"
            ))
        })
    }

    /// Each running node with its JetStream report (`path`: `/jsz` and its options).
    fn jsz<'a>(
        &'a self,
        path: &'a str,
    ) -> impl Iterator<Item = (&'a NatsServer, serde_json::Value)> + 'a {
        self.nodes
            .iter()
            .filter(|node| node.is_running())
            .filter_map(move |node| {
                let jsz = node.monitor(path).ok()?;
                Some((node, serde_json::from_str(&jsz).ok()?))
            })
    }

    /// The index of the node that leads the stream `name` (which stores each message first
    /// and acknowledges it once a majority of the replicas has it), from `/jsz`.
    pub fn stream_leader(&self, name: &str) -> Option<usize> {
        self.jsz("/jsz?streams=true").find_map(|(_, jsz)| {
            let streams = jsz["account_details"]
                .as_array()?
                .iter()
                .flat_map(|account| {
                    account["stream_detail"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                });
            let leader = streams
                .filter(|stream| stream["name"] == name)
                .find_map(|stream| stream["cluster"]["leader"].as_str().map(str::to_string))?;
            self.nodes
                .iter()
                .position(|node| node.options.name.as_deref() == Some(&leader))
        })
    }

    /// Waits until each running node reports routes to all the other running nodes.
    pub fn wait_for_routes(&self, timeout: Duration) -> crate::Result<()> {
        let running = self
            .nodes
            .iter()
            .filter(|node| node.child.is_some())
            .count();
        let mut missing = Vec::new();
        let connected = crate::wait_until(timeout, || {
            missing.clear();
            for node in self.nodes.iter().filter(|node| node.child.is_some()) {
                let routes = node
                    .monitor("/routez")
                    .ok()
                    .and_then(|body| serde_json::from_str::<serde_json::Value>(&body).ok())
                    .and_then(|json| json["num_routes"].as_u64())
                    .unwrap_or(0);
                // Newer servers open several connections per pair of nodes (a route pool).
                if (routes as usize) < running - 1 {
                    missing.push(format!("{} has {routes} route(s)", node.url()));
                }
            }
            missing.is_empty().then_some(())
        });
        connected.ok_or_else(|| {
            crate::Failure(format!(
                "the cluster did not connect within {timeout:?}: {}",
                missing.join(", ")
            ))
        })
    }
}
