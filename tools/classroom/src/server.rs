//! `classroom start`: the server process, the files, then the live part until Ctrl-C.

use std::net::{TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::StartOptions;
use crate::config::{Listen, server_config};
use crate::roster::Roster;
use nats_servers::pki::Pki;

/// The server process, and the file that says the class runs (`reset` waits for its end);
/// both go when the class ends.
struct Running(Child, PathBuf);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_file(&self.1);
    }
}

pub fn start(options: &StartOptions) -> Result<(), String> {
    let bin = nats_server()?;
    let roster = Roster::open(&options.dir, &options.students)?;
    let host = options
        .advertise
        .clone()
        .unwrap_or_else(|| reachable_host(&options.listen));
    let url = format!("nats://{host}:{}", options.port);
    let local = local_host(&options.listen);
    let pki = class_pki(&options.dir, &[&host, local, &options.listen])?;
    let (cert, key) = pki.server();
    let listen = Listen {
        host: options.listen.clone(),
        port: options.port,
        monitor_port: options.monitor,
        cert,
        key,
    };
    let config = server_config(&roster, &listen, &options.dir.join("jetstream"))?;
    ports_free(local, &[options.port, options.monitor])?;
    ports_free(local_host(&options.page_listen), &[options.http])?;
    let ca = std::fs::read_to_string(pki.ca())
        .map_err(|err| format!("cannot read {}: {err}", pki.ca().display()))?;
    roster.save(&url, &config, &ca)?;
    let log = options.dir.join("nats-server.log");
    let running = options.dir.join("running");
    let child = spawn(&bin, &options.dir.join("nats-server.conf"), &log)?;
    let mut server = Running(child, running.clone());
    let _ = std::fs::write(&running, format!("classroom runs: port {}\n", options.port));
    wait_ready(&mut server.0, local, options.port, &log)?;

    announce(&roster, &bin, options, &url);
    let local_url = format!("nats://{local}:{}", options.port);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build();
    let runtime = runtime.map_err(|err| format!("cannot start the async runtime: {err}"))?;
    runtime.block_on(crate::live::run(
        &roster,
        &local_url,
        options,
        &host,
        &mut server.0,
    ))
}

/// The class's CA and the server's certificate, in the class folder's `tls/`. They stay from
/// one start to the next (students keep the CA they saved), unless the addresses the server
/// is reached at change: then a new CA is made, and the teacher is told to hand it out again.
fn class_pki(dir: &Path, hosts: &[&str]) -> Result<Pki, String> {
    let mut names: Vec<&str> = hosts
        .iter()
        .copied()
        .chain(["127.0.0.1", "localhost"])
        .filter(|name| !["0.0.0.0", "::", "[::]"].contains(name))
        .collect();
    names.sort_unstable();
    names.dedup();
    let tls = dir.join("tls");
    let list = names.join("\n") + "\n";
    let made_for = std::fs::read_to_string(tls.join("names.txt")).unwrap_or_default();
    if made_for == list && tls.join("ca.pem").is_file() {
        return Ok(Pki::at(&tls));
    }
    let pki = Pki::generate(&tls, &names).map_err(|err| err.0)?;
    std::fs::write(tls.join("names.txt"), list)
        .map_err(|err| format!("cannot write {}: {err}", tls.display()))?;
    if !made_for.is_empty() {
        println!(
            "classroom: the server's addresses changed, so the class has a new CA: hand out {} \
             (or the sheet) again",
            crate::roster::CA_FILE
        );
    }
    Ok(pki)
}

/// What the teacher needs to know, printed once the server runs.
fn announce(roster: &Roster, bin: &Path, options: &StartOptions, url: &str) {
    let names: Vec<&str> = roster.students.iter().map(|s| s.name.as_str()).collect();
    let dir = shown(&options.dir);
    let (listen, port) = (&options.listen, options.port);
    println!(
        "classroom: nats-server {} on {listen}:{port} (students connect to {url})",
        version(bin)
    );
    println!("classroom: {} students: {}", names.len(), names.join(", "));
    println!(
        "classroom: their settings files: {dir}/NAME.env (owner-only); the sheet to print: {dir}/sheet.md"
    );
    println!(
        "classroom: TLS only: each student saves {dir}/{} (also on the sheet) next to their file",
        crate::roster::CA_FILE
    );
    println!(
        "classroom: a student runs: set -a; . ./NAME.env; set +a   then the steps, as the guide says"
    );
    println!("classroom: the teacher's own login: set -a; . {dir}/teacher.env; set +a");
}

/// Where this machine reaches the server it starts: loopback when it listens everywhere.
fn local_host(listen: &str) -> &str {
    if ["0.0.0.0", "::", "[::]"].contains(&listen) {
        "127.0.0.1"
    } else {
        listen
    }
}

/// A server already there would be taken for ours: `cargo xtask server`, or a class left running.
fn ports_free(host: &str, ports: &[u16]) -> Result<(), String> {
    match ports
        .iter()
        .find(|port| TcpStream::connect((host, **port)).is_ok())
    {
        None => Ok(()),
        Some(port) => Err(format!(
            "port {port} is taken by another program (a nats-server of `cargo xtask server`, or \
             another class?)\nhint: stop it, or choose free ports with --port, --monitor and --http"
        )),
    }
}

/// The pinned nats-server (installed by `cargo xtask setup` when missing), or the one
/// `NATS_SERVER_BIN` names; at least 2.10, which async-nats's key-value API needs.
fn nats_server() -> Result<PathBuf, String> {
    let named = std::env::var_os("NATS_SERVER_BIN").is_some_and(|value| !value.is_empty());
    if !named && nats_servers::installed_nats_server().is_none() {
        println!("classroom: installing the pinned nats-server with `cargo xtask setup`");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["xtask", "setup"])
            .current_dir(nats_servers::workspace_root())
            .status();
        if !status.is_ok_and(|status| status.success()) {
            return Err(
                "could not install the pinned nats-server: see `cargo xtask setup` above".into(),
            );
        }
    }
    let bin = if named {
        nats_servers::find_nats_server().map_err(|err| err.0)?.0
    } else {
        nats_servers::installed_nats_server().ok_or("the pinned nats-server is not installed")?
    };
    match nats_servers::nats_server_version(&bin) {
        Some(version) if version >= (2, 10, 0) => Ok(bin),
        _ => Err(format!(
            "{} is nats-server {}: the class keeps progress in a key-value bucket, which needs 2.10 \
             or newer\nhint: unset NATS_SERVER_BIN to use the pinned version",
            bin.display(),
            version(&bin)
        )),
    }
}

fn version(bin: &Path) -> String {
    nats_servers::nats_server_version(bin).map_or("(version unknown)".into(), |(a, b, c)| {
        format!("{a}.{b}.{c}")
    })
}

fn spawn(bin: &Path, config: &Path, log: &Path) -> Result<Child, String> {
    let file = std::fs::File::create(log)
        .map_err(|err| format!("cannot write {}: {err}", log.display()))?;
    let copy = file
        .try_clone()
        .map_err(|err| format!("cannot write {}: {err}", log.display()))?;
    let mut command = Command::new(bin);
    command
        .arg("-c")
        .arg(config)
        .stdout(copy)
        .stderr(file)
        .stdin(Stdio::null());
    command
        .spawn()
        .map_err(|err| format!("cannot run {}: {err}", bin.display()))
}

/// Waits until the server takes connections; if it stopped instead, its last log lines say why
/// (a port already in use, usually).
fn wait_ready(server: &mut Child, host: &str, port: u16, log: &Path) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = server.try_wait() {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            let last: Vec<&str> = text.lines().rev().take(3).collect();
            let last: Vec<&str> = last.into_iter().rev().collect();
            return Err(format!(
                "nats-server stopped at once; its last lines say why:\n{}\nhint: the usual cause \
                 is another server on port {port} (`cargo xtask server`?): stop it, or choose \
                 others with --port and --monitor",
                last.join("\n")
            ));
        }
        if TcpStream::connect((host, port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!(
        "nats-server did not take connections on {host}:{port} within 15 s (see {})",
        log.display()
    ))
}

/// The address students reach the teacher's machine at: the one its network traffic leaves
/// from (a UDP socket "connected" to a public address sends nothing, but picks the interface).
fn reachable_host(listen: &str) -> String {
    if !["0.0.0.0", "::", "[::]"].contains(&listen) {
        return listen.to_string();
    }
    let socket = UdpSocket::bind("0.0.0.0:0")
        .and_then(|socket| socket.connect("192.0.2.1:9").map(|()| socket));
    match socket.and_then(|socket| socket.local_addr()) {
        Ok(address) if !address.ip().is_unspecified() => address.ip().to_string(),
        _ => "localhost".to_string(),
    }
}

/// A folder as the teacher typed it: relative to the workspace when inside it.
fn shown(dir: &Path) -> String {
    let root = nats_servers::workspace_root();
    dir.strip_prefix(&root).unwrap_or(dir).display().to_string()
}
