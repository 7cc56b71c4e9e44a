//! A real nats-server process on loopback ports: started, restarted, frozen, stopped.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::lines::{Lines, follow};
use crate::options::{CONFIG_FILES, ServerOptions, prepare};
use crate::ports::{PORT_PATIENCE, PORT_RETRIES, free_port, in_use, wait_for_free_ports};

/// A nats-server child process. Dropping it kills the server.
pub struct NatsServer {
    pub(crate) bin: PathBuf,
    pub(crate) options: ServerOptions,
    pub(crate) port: u16,
    pub(crate) monitor_port: u16,
    pub(crate) config_path: Option<PathBuf>,
    /// The JetStream store this server made for itself (removed on drop).
    pub(crate) own_store: Option<PathBuf>,
    pub(crate) child: Option<Child>,
    pub(crate) log: Lines,
    pub(crate) starts: usize,
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
pub(crate) fn say_once_which_server(bin: &Path, source: crate::locate::Source) {
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        if let Some(note) = crate::locate::server_note(bin, source) {
            let _ = writeln!(std::io::stderr(), "testkit: {note}");
        }
    });
}

impl NatsServer {
    /// Finds nats-server and starts it with `options`, waiting until it is ready to accept
    /// clients. Free ports are picked unless the options name them; if another process takes
    /// a picked port first, it tries again with new ones.
    pub fn start(options: ServerOptions) -> crate::Result<NatsServer> {
        NatsServer::start_patiently(options, true)
    }

    /// [`NatsServer::start`]; with `wait_for_fixed` false, a port the options fix that is
    /// taken fails the start at once (a cluster then picks new ports for all its nodes).
    pub(crate) fn start_patiently(
        options: ServerOptions,
        wait_for_fixed: bool,
    ) -> crate::Result<NatsServer> {
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
