//! The workspace as xtask sees it: where it is (found when xtask runs, so that a renamed or
//! moved clone keeps working), which steps and exercises it has (course.rs, the one list of
//! them), and how to start cargo and other programs in it.

use std::env;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output};

/// The folder of the workspace's root `Cargo.toml` (see `nats_servers::workspace_root`).
/// `path` relative to the workspace's root when it lies inside (what a learner types from
/// there), else whole.
pub fn relative(path: &std::path::Path) -> String {
    let root = root();
    path.strip_prefix(&root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A file's text, or a sentence naming the file.
pub fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|err| format!("cannot read {}: {err}", path.display()))
}

pub fn root() -> PathBuf {
    nats_servers::workspace_root()
}

/// The tutorial's steps in the guide's order (the list in course.rs).
pub fn steps() -> Result<Vec<String>, String> {
    Ok(crate::course::STEPS
        .iter()
        .map(|(_, step)| step.to_string())
        .collect())
}

/// The exercises in the guide's order (the list in course.rs).
pub fn exercises() -> Result<Vec<String>, String> {
    Ok(crate::course::EXERCISES
        .iter()
        .map(|name| name.to_string())
        .collect())
}

/// A step's `src/main.rs`, its lesson.
pub fn lesson_path(step: &str) -> Result<PathBuf, String> {
    let dir = crate::course::step_dir(step).ok_or_else(|| format!("{step} is not a step"))?;
    Ok(root().join(dir).join("src").join("main.rs"))
}

/// A `cargo` command for this workspace, run from xtask.
///
/// `cargo run` (behind the `xtask` alias) gives xtask variables that describe the xtask
/// package (`CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME`, ...). Some build scripts (ring's, for
/// one) rebuild when such a variable changes, so a nested cargo that kept them would rebuild
/// ring, rustls and async-nats, and the next plain `cargo run -p <step>` would rebuild them
/// back. They are removed here.
pub fn cargo() -> Command {
    let program = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(program);
    command.current_dir(root());
    for (name, _) in env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        if name.starts_with("CARGO_PKG_")
            || matches!(
                name,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_MANIFEST_LINKS"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
            )
        {
            command.env_remove(name);
        }
    }
    command
}

/// Runs `command` to its end, its output on the terminal.
pub fn status(command: &mut Command) -> Result<ExitStatus, String> {
    command.status().map_err(|err| cannot_start(command, &err))
}

/// Runs `command` to its end and returns what it printed.
pub fn output(command: &mut Command) -> Result<Output, String> {
    command.output().map_err(|err| cannot_start(command, &err))
}

/// Why a program did not start, naming the program and the folder it was started in: a
/// folder that is gone is not reported as a missing program.
pub fn cannot_start(command: &Command, err: &io::Error) -> String {
    let program = Path::new(command.get_program()).display().to_string();
    let dir = command
        .get_current_dir()
        .map(Path::to_path_buf)
        .or_else(|| env::current_dir().ok());
    match dir {
        Some(dir) if !dir.is_dir() => format!(
            "cannot start {program} in {}: that folder does not exist (was the workspace \
             renamed or moved?)",
            dir.display()
        ),
        Some(dir) => format!("cannot start {program} in {}: {err}", dir.display()),
        None => format!("cannot start {program}: {err}"),
    }
}

/// Builds the steps, so that the tour and the guide run exactly this checkout's code.
pub fn build_steps() -> Result<(), String> {
    println!("xtask: building the tutorial steps (cargo build)");
    let mut command = cargo();
    command.arg("build");
    for step in steps()? {
        command.args(["--package", &step]);
    }
    let done = status(&mut command)?;
    if done.success() {
        Ok(())
    } else {
        Err(format!("cargo build failed: {done}"))
    }
}

/// Where `cargo build` put a step's binary.
pub fn binary(step: &str) -> PathBuf {
    let target = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    target
        .join("debug")
        .join(format!("{step}{}", env::consts::EXE_SUFFIX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_and_exercises_are_the_folders_on_disk_in_order() {
        let steps = steps().unwrap_or_default();
        assert_eq!(steps.first().map(String::as_str), Some("async-sub"));
        assert_eq!(steps.get(5).map(String::as_str), Some("auth-pub"));
        assert!(!steps.iter().any(|step| step.contains('/')), "{steps:?}");
        let exercises = exercises().unwrap_or_default();
        assert_eq!(exercises.first().map(String::as_str), Some("timeouts"));
        // Each exercise listed has a starter and a solution, and each starter is listed.
        let on_disk: std::collections::BTreeSet<String> =
            std::fs::read_dir(root().join("exercises"))
                .into_iter()
                .flatten()
                .flatten()
                .filter(|entry| entry.path().is_dir())
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect();
        let listed: std::collections::BTreeSet<String> = exercises.iter().cloned().collect();
        assert_eq!(on_disk, listed);
        for name in &exercises {
            assert!(
                root().join("solutions").join(name).is_dir(),
                "no solution of {name}"
            );
        }
    }
}
