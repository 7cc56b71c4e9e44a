//! What kind of nats-server to start: [`ServerOptions`], and the configuration file some
//! options need.

use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::locate::find_nats_server;
use crate::server::say_once_which_server;

/// What kind of server to start. The default is the tutorial's plain server.
#[derive(Clone, Debug, Default)]
pub struct ServerOptions {
    pub(crate) credentials: Option<(String, String)>,
    pub(crate) trace: bool,
    pub(crate) config: Option<String>,
    pub(crate) port: Option<u16>,
    pub(crate) monitor_port: Option<u16>,
    pub(crate) listen_all: bool,
    pub(crate) bin: Option<PathBuf>,
    pub(crate) name: Option<String>,
    pub(crate) cluster: Option<(u16, Vec<u16>)>,
    pub(crate) token: Option<String>,
    pub(crate) jetstream: bool,
    pub(crate) store_dir: Option<PathBuf>,
    /// TLS with these certificates; `true`: mutual TLS (client certificates required).
    pub(crate) tls: Option<(crate::pki::Pki, bool)>,
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

    /// Accept WebSocket clients (browsers) on `port`, without TLS: a configuration block,
    /// since no flag turns WebSocket on.
    pub fn websocket(self, port: u16) -> Self {
        self.config(&format!("websocket {{ port: {port}, no_tls: true }}\n"))
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

/// The configuration behind [`ServerOptions::permissions`].
pub const PERMISSIONS: &str = r#"authorization {
  users = [
    { user: foo, password: bar,
      permissions: { publish: "foo.>", subscribe: ["foo.>", "_INBOX.>"] } }
  ]
}
"#;

/// The binary `options` run (theirs, or the one [`find_nats_server`] finds) and their
/// configuration file, written out when they have one.
pub(crate) fn prepare(options: &ServerOptions) -> crate::Result<(PathBuf, Option<PathBuf>)> {
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

pub(crate) static CONFIG_FILES: AtomicUsize = AtomicUsize::new(0);
