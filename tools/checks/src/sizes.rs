//! The tools are made of tasks: no file of the support, test, server and task crates over 400
//! lines, counted as `wc -l` counts them. Functions are clippy's: each tool crate turns on
//! `clippy::too_many_lines`, at 60 (`clippy.toml`), and CI denies its warnings.

use std::path::Path;

/// The crates held to the limits.
pub const TOOLS: [&str; 7] = [
    "tools/classroom",
    "tools/stepkit",
    "tools/testkit",
    "tools/nats-servers",
    "tools/xtask",
    "tools/checks",
    "tools/class-report",
];
const MAX_FILE: usize = 400;

/// Every file of the tools over its limit, as a sentence.
pub fn problems(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for tool in TOOLS {
        for path in crate::rust_files(&root.join(tool)) {
            let lines = std::fs::read_to_string(&path)
                .unwrap_or_default()
                .lines()
                .count();
            if lines > MAX_FILE {
                let name = crate::relative(&path);
                problems.push(format!("{name} has {lines} lines, more than {MAX_FILE}"));
            }
        }
    }
    problems
}

/// Each tool crate's root turns clippy's `too_many_lines` on: the limit of its functions.
pub fn unlinted(root: &Path) -> Vec<String> {
    let lint = "#![warn(clippy::too_many_lines)]";
    TOOLS
        .iter()
        .filter(|tool| {
            ["src/lib.rs", "src/main.rs"].iter().all(|file| {
                let text = std::fs::read_to_string(root.join(tool).join(file));
                !text.is_ok_and(|text| text.contains(lint))
            })
        })
        .map(|tool| format!("{tool}'s crate root does not say {lint}"))
        .collect()
}
