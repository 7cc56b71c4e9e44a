//! `cargo xtask server`: the nats-server for a learner, on the tutorial's ports, in the
//! foreground (`cargo xtask cluster` is in cluster.rs).

use nats_servers::{NatsServer, ServerOptions};

use crate::setup::guide_nats_server;
use crate::workspace::{self, cargo};

/// The subject mappings of the mapping lesson, the file its tests load too.
const MAPPINGS: &str = include_str!("../../../topology/mapping/mappings.conf");

/// The options whose servers need certificates or keys made (the `pki` feature's crates).
const SECURED: [&str; 4] = ["--tls", "--mtls", "--nkey", "--creds"];

/// `cargo xtask server`: the tutorial's server in the foreground, its log on the terminal.
pub fn server(args: &[String]) -> Result<(), String> {
    if !cfg!(feature = "pki") && args.iter().any(|arg| SECURED.contains(&arg.as_str())) {
        return with_pki(args);
    }
    let (options, clients, tls) = server_options(args)?;
    let options = options
        .port(4222)
        .monitor_port(8222)
        .bin(guide_nats_server()?);
    let scheme = if tls { "tls" } else { "nats" };
    // The command line shown is the one that runs: the same code builds both.
    let announce = |command: &str| {
        println!(
            "xtask: {command}\n\
             xtask: clients connect to {scheme}://localhost:4222; monitoring at \
             http://localhost:8222; Ctrl-C stops it"
        );
        for client in clients {
            println!("xtask: {client}");
        }
    };
    NatsServer::run_in_foreground(options, announce).map_err(|err| {
        format!(
            "{err}\nhint: when the log above says \"address already in use\", a nats-server is \
             probably running already: use it, or stop it first"
        )
    })
}

/// `cargo xtask server ARGS` again, as xtask built with its `pki` feature: the first lessons'
/// plain server compiles none of the crates that make certificates and keys. In a target
/// folder of its own, built once: the plain build stays as it is, and on Windows a running
/// program's file could not be replaced.
fn with_pki(args: &[String]) -> Result<(), String> {
    let dir = workspace::root().join("target").join("xtask-pki");
    println!(
        "xtask: this server needs certificates or keys made; building xtask with them, once, \
         into {}",
        workspace::relative(&dir)
    );
    let mut command = cargo();
    command.args(["run", "--quiet", "--package", "xtask", "--features", "pki"]);
    command
        .arg("--target-dir")
        .arg(&dir)
        .args(["--", "server"])
        .args(args);
    match workspace::status(&mut command)?.success() {
        true => Ok(()),
        false => Err("the secured server ended with an error (above)".into()),
    }
}

/// The server's options from the task's arguments, what a client must do to connect, and
/// whether it speaks TLS. Secrets go to files under `target/secrets`, and only their paths are
/// printed.
fn server_options(args: &[String]) -> Result<(ServerOptions, Vec<String>, bool), String> {
    let mut options = ServerOptions::new();
    let tls = args.iter().any(|arg| arg == "--tls" || arg == "--mtls");
    let mut clients = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let client = match arg.as_str() {
            "--auth" => {
                options = options.auth("foo", "bar");
                None
            }
            "--trace" => {
                options = options.trace();
                None
            }
            "--jetstream" | "-js" => {
                let store = crate::workspace::root().join("target").join("jetstream");
                options = options.jetstream(Some(store));
                Some("JetStream is on: cargo run -p js-pub, then cargo run -p js-pull".to_string())
            }
            "--mappings" => {
                options = options.config(MAPPINGS);
                let mapped = "orders.new and events.* are mapped (topology/mapping/mappings.conf)";
                Some(format!("{mapped}: cargo run -p mapping"))
            }
            "--websocket" => {
                options = options.websocket(8080);
                Some("WebSocket on ws://localhost:8080: cargo run -p web".to_string())
            }
            "--permissions" => {
                options = options.permissions();
                let may = "user foo may publish and subscribe on foo.> only";
                Some(format!("{may}: cargo run -p permissions"))
            }
            "--max-payload" => {
                let bytes = args.next().and_then(|value| value.parse::<u64>().ok());
                let Some(bytes) = bytes else {
                    return Err("--max-payload takes a number of bytes, such as 64".to_string());
                };
                // No command-line flag sets it: a configuration file does.
                options = options.config(&format!("max_payload: {bytes}\n"));
                None
            }
            #[cfg(feature = "pki")]
            flag @ ("--tls" | "--mtls") => {
                let (with, client) = tls_options(options, flag == "--mtls")?;
                options = with;
                Some(client)
            }
            flag => {
                let (with, client) = secured_options(options, flag)?;
                options = with;
                Some(client)
            }
        };
        clients.extend(client);
    }
    Ok((options, clients, tls))
}

/// `--token`, `--nkey` or `--creds`: a fresh secret for the client, written under
/// target/secrets, a server that knows it, and what the client must set.
fn secured_options(options: ServerOptions, flag: &str) -> Result<(ServerOptions, String), String> {
    match flag {
        "--token" => {
            let path = write_secret("token", &new_token())?;
            let token = std::fs::read_to_string(&path).map_err(|err| err.to_string())?;
            let client = format!(
                "clients need the token: NATS_TOKEN=$(cat {}) cargo run -p token-pub",
                path.display()
            );
            Ok((options.token(&token), client))
        }
        #[cfg(feature = "pki")]
        "--nkey" => {
            let (seed, public) = nats_servers::pki::new_user_nkey();
            let path = write_secret("user.nk", &format!("{seed}\n"))?;
            let client = format!(
                "the server lists the user nkey {public}; clients sign with its seed: \
                 NATS_NKEY={} cargo run -p nkey-pub",
                crate::workspace::relative(&path)
            );
            Ok((options.nkey(&public), client))
        }
        #[cfg(feature = "pki")]
        "--creds" => {
            let credentials = nats_servers::pki::Credentials::generate();
            let path = write_secret("user.creds", &credentials.creds)?;
            let client = format!(
                "the user {} has a credentials file: NATS_CREDS={} cargo run -p creds-pub",
                credentials.user,
                crate::workspace::relative(&path)
            );
            Ok((options.config(&credentials.server_config), client))
        }
        other => Err(format!(
            "server: unknown option '{other}' (see cargo xtask help)"
        )),
    }
}

#[cfg(feature = "pki")]
/// `--tls` or (`mutual`) `--mtls`: a new local CA and certificates under target/tls, a server
/// that requires TLS (and client certificates), and what the client must set.
fn tls_options(options: ServerOptions, mutual: bool) -> Result<(ServerOptions, String), String> {
    let dir = crate::workspace::root().join("target").join("tls");
    let pki =
        nats_servers::pki::Pki::generate(&dir, &["localhost", "127.0.0.1"]).map_err(|err| err.0)?;
    let ca = crate::workspace::relative(&pki.ca());
    if !mutual {
        let client = format!("TLS only, with a new local CA: NATS_CA={ca} cargo run -p tls-pub");
        return Ok((options.tls(&pki), client));
    }
    let (cert, key) = pki.client();
    let (cert, key) = (
        crate::workspace::relative(&cert),
        crate::workspace::relative(&key),
    );
    let client = format!(
        "mutual TLS, clients need a certificate: NATS_CA={ca} NATS_CERT={cert} NATS_KEY={key} \
         cargo run -p tls-pub"
    );
    Ok((options.mtls(&pki), client))
}

/// A fresh random token: 128 bits from the standard library's randomly seeded hasher, in hex.
fn new_token() -> String {
    use std::hash::{BuildHasher, RandomState};
    let halves = [
        RandomState::new().hash_one(1u8),
        RandomState::new().hash_one(2u8),
    ];
    halves.iter().map(|half| format!("{half:016x}")).collect()
}

/// Writes `secret` to `target/secrets/NAME`, readable by its owner only (on Unix), and
/// Writes `secret` to target/secrets/NAME, readable by its owner only.
fn write_secret(name: &str, secret: &str) -> Result<std::path::PathBuf, String> {
    let dir = crate::workspace::root().join("target").join("secrets");
    std::fs::create_dir_all(&dir)
        .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    let path = dir.join(name);
    nats_servers::pki::write_file(&path, secret, true).map_err(|err| err.0)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_payload_makes_a_server_that_refuses_bigger_messages() {
        let args = ["--max-payload".to_string(), "64".to_string()];
        let (options, _, _) = server_options(&args).unwrap_or_else(|err| panic!("{err}"));
        let shown =
            NatsServer::shown_command(options.clone()).unwrap_or_else(|err| panic!("{err}"));
        assert!(
            shown.starts_with("nats-server --addr 127.0.0.1 --port 4222"),
            "{shown}"
        );
        assert!(shown.contains(" --config "), "{shown}");
        let port = nats_servers::free_port().unwrap_or_else(|err| panic!("{err}"));
        let server =
            NatsServer::start(options.monitor_port(port)).unwrap_or_else(|err| panic!("{err}"));
        let varz = server.varz().unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(varz["max_payload"], 64, "{varz}");

        assert!(server_options(&["--max-payload".to_string()]).is_err());
        assert!(server_options(&["--max-payload".to_string(), "big".to_string()]).is_err());
    }

    // `cargo xtask test` builds xtask's tests with the `pki` feature.
    #[cfg(feature = "pki")]
    #[test]
    fn tls_and_mtls_make_a_ca_and_a_server_that_requires_them() {
        for flag in ["--tls", "--mtls"] {
            let (options, clients, tls) =
                server_options(&[flag.to_string()]).unwrap_or_else(|err| panic!("{err}"));
            assert!(tls);
            let command =
                NatsServer::shown_command(options.clone()).unwrap_or_else(|err| panic!("{err}"));
            assert!(command.contains("--tls --tlscert"), "{command}");
            let shown = format!("{command}{clients:?}");
            assert!(shown.contains("NATS_CA=target/tls/ca.pem"), "{shown}");
            assert_eq!(
                shown.contains("NATS_CERT=target/tls/client-cert.pem"),
                flag == "--mtls"
            );
            let key =
                std::fs::read_to_string(crate::workspace::root().join("target/tls/server-key.pem"))
                    .unwrap_or_else(|err| panic!("{err}"));
            assert!(
                !shown.contains(key.lines().nth(1).unwrap_or("-")),
                "a key was printed"
            );
            // A real server with those options: the test client connects over TLS (with the
            // client certificate when it is mutual), a client without TLS cannot.
            let server = NatsServer::start(options).unwrap_or_else(|err| panic!("{err}"));
            testkit::publish(&server, "foo", "over TLS").unwrap_or_else(|err| panic!("{err}"));
            let varz = server.varz().unwrap_or_else(|err| panic!("{err}"));
            assert_eq!(varz["tls_required"], true, "{varz}");
            assert_eq!(varz["tls_verify"] == true, flag == "--mtls", "{varz}");
        }
    }

    // `cargo xtask test` builds xtask's tests with the `pki` feature.
    #[cfg(feature = "pki")]
    #[test]
    fn nkey_writes_a_private_seed_and_shows_only_its_public_key() {
        let (options, clients, _) =
            server_options(&["--nkey".to_string()]).unwrap_or_else(|err| panic!("{err}"));
        let command = NatsServer::shown_command(options).unwrap_or_else(|err| panic!("{err}"));
        let path = crate::workspace::root().join("target/secrets/user.nk");
        let seed = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{err}"));
        assert!(seed.starts_with("SU"), "not a user seed");
        let shown = format!("{command}{clients:?}");
        assert!(
            !shown.contains(seed.trim()),
            "the seed was printed: {shown}"
        );
        assert!(
            shown.contains("NATS_NKEY=target/secrets/user.nk"),
            "{shown}"
        );
        assert!(shown.contains("the user nkey U"), "{shown}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).map(|meta| meta.permissions().mode() & 0o777);
            assert_eq!(mode.ok(), Some(0o600));
        }
    }

    // `cargo xtask test` builds xtask's tests with the `pki` feature.
    #[cfg(feature = "pki")]
    #[test]
    fn creds_writes_a_private_credentials_file_and_a_server_that_trusts_it() {
        let (options, clients, _) =
            server_options(&["--creds".to_string()]).unwrap_or_else(|err| panic!("{err}"));
        let command =
            NatsServer::shown_command(options.clone()).unwrap_or_else(|err| panic!("{err}"));
        let path = crate::workspace::root().join("target/secrets/user.creds");
        let creds = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{err}"));
        let seed = creds
            .lines()
            .find(|line| line.starts_with("SU"))
            .unwrap_or("SU?");
        let shown = format!("{command}{clients:?}");
        assert!(!shown.contains(seed), "the seed was printed: {shown}");
        assert!(
            shown.contains("NATS_CREDS=target/secrets/user.creds"),
            "{shown}"
        );
        // The server runs in operator mode: it refuses a client without credentials.
        let server = NatsServer::start(options).unwrap_or_else(|err| panic!("{err}"));
        assert!(testkit::publish(&server, "foo", "anonymous").is_err());
    }

    #[test]
    fn options_that_need_a_configuration_file_combine() {
        let args = ["--permissions", "--max-payload", "64"].map(String::from);
        let (options, _, _) = server_options(&args).unwrap_or_else(|err| panic!("{err}"));
        let server = NatsServer::start(options).unwrap_or_else(|err| panic!("{err}"));
        let varz = server.varz().unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(varz["max_payload"], 64, "{varz}");
        // The permissions' user is still required: a client without credentials is refused.
        assert!(testkit::publish(&server, "foo.x", "anonymous").is_err());
    }

    #[test]
    fn a_token_is_new_each_time_and_only_its_path_is_shown() {
        let args = ["--token".to_string()];
        let (options, clients, _) = server_options(&args).unwrap_or_else(|err| panic!("{err}"));
        let command = NatsServer::shown_command(options).unwrap_or_else(|err| panic!("{err}"));
        assert!(command.ends_with("--auth TOKEN"), "{command}");
        let path = crate::workspace::root()
            .join("target")
            .join("secrets")
            .join("token");
        let token = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(token.len(), 32, "{token}");
        let shown = format!("{command}{clients:?}");
        assert!(!shown.contains(&token), "the token was printed: {shown}");
        assert!(shown.contains("target/secrets/token"), "{shown}");
        assert_ne!(new_token(), new_token());
    }
}
