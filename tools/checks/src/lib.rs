//! The workspace's own checks, each a function that returns what is wrong as sentences, and
//! each run by a test in `tests/checks.rs` (so `cargo test --workspace` runs them, and a
//! failure names its check):
//!
//! - [`guide`]: the guide as a learner's path (Rust boxes, exercises in order, no spoilers, the
//!   server version, the claims' proofs);
//! - [`excerpts`]: the guide's excerpts are lines of their files, whole;
//! - [`links`]: the guide's and the README's links resolve;
//! - [`lessons`]: lesson sizes, stepkit's copies of lesson code, the course list, the README's
//!   tables and counts;
//! - [`sizes`]: the tools' files are at most 400 lines (functions: clippy's `too_many_lines`);
//! - [`sentences`]: no string literal loses its line continuation;
//! - [`quiz`]: the chapters' questions, and what holds each answer.
//!
//! The guide's source and output blocks are `cargo xtask docs`'s: it rewrites them too.
#![warn(clippy::too_many_lines)]

use std::path::{Path, PathBuf};

/// The steps and exercises in teaching order: xtask's list, the one list (as classroom reads it).
#[path = "../../xtask/src/course.rs"]
pub mod course;
pub mod excerpts;
pub mod guide;
pub mod lessons;
pub mod links;
pub mod quiz;
pub mod sentences;
pub mod sizes;

/// The workspace's root folder.
pub fn root() -> PathBuf {
    nats_servers::workspace_root()
}

/// A file's text, or a sentence naming the file.
pub fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|err| format!("cannot read {}: {err}", path.display()))
}

/// `path` relative to the workspace's root when it lies inside, else whole.
pub fn relative(path: &Path) -> String {
    let root = root();
    path.strip_prefix(&root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The tutorial's steps in the guide's order.
pub fn steps() -> Vec<String> {
    course::STEPS
        .iter()
        .map(|(_, step)| step.to_string())
        .collect()
}

/// Every file of a step's lesson: `src/main.rs` first, then the modules beside it, by name.
pub fn lesson_files(step: &str) -> Result<Vec<PathBuf>, String> {
    let dir = course::step_dir(step).ok_or_else(|| format!("{step} is not a step"))?;
    let src = root().join(dir).join("src");
    let main = src.join("main.rs");
    let entries =
        std::fs::read_dir(&src).map_err(|err| format!("cannot list {}: {err}", src.display()))?;
    let mut others: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs") && *path != main)
        .collect();
    others.sort();
    Ok(std::iter::once(main).chain(others).collect())
}

/// Every `.rs` file of the workspace under `root`, outside `target/` and hidden folders.
pub fn rust_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let (path, name) = (entry.path(), entry.file_name());
            let name = name.to_string_lossy();
            if path.is_dir() && !name.starts_with('.') && name != "target" {
                folders.push(path);
            } else if name.ends_with(".rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Every markdown page of the guide, sorted.
pub fn guide_pages(root: &Path) -> Result<Vec<PathBuf>, String> {
    let dir = root.join("docs").join("src");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|err| format!("cannot read {}: {err}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    pages.sort();
    Ok(pages)
}
