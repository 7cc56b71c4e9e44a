//! `cargo xtask docs [--update]`: keeps the guide in `docs/src` true to the code.
//!
//! The guide's generated blocks are ordinary fenced code blocks with an HTML comment on the
//! line before, so the markdown renders anywhere (a code host, mdBook) and the comment is
//! invisible:
//!
//! - `<!-- source: async-sub/src/main.rs -->`: the block is that whole file.
//! - `<!-- excerpt: async-sub/src/main.rs -->`: the block appears, line for line, in that file.
//! - `<!-- output: async-sub/start -->`: the block is the transcript `async-sub/start`, which
//!   a lesson's scene test wrote (testkit's `scene`): what the steps printed when that test
//!   last ran, normalised (ports, times, ids), in `target/transcripts/async-sub/start.txt`.
//!
//! Why copied blocks and not mdBook's `{{#include}}`: the guide is read on a code host too,
//! which renders markdown but includes nothing. So the blocks are copies, and this check
//! holds each copy to its file or transcript: a lesson that prints something else fails its
//! block here until `--update` copies the new transcript in.
//!
//! Without `--update` any difference is an error (this is what `cargo xtask test` runs,
//! after the tests that write the transcripts); with it, the scene tests run first (only
//! they: `cargo test --workspace -- guide::`), then source and output blocks are rewritten
//! (excerpts are fixed by hand). The guide's links and its checks as a learner's path are
//! tests of the `checks` crate.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::setup::ensure_pinned_nats_server;
use crate::workspace::read;
use crate::workspace::{self, cargo};

pub fn run(update: bool) -> Result<(), String> {
    if update {
        record()?;
    }
    let outputs = transcripts(&transcripts_dir())?;

    let root = workspace::root();
    let mut problems = Vec::new();
    let mut changed = Vec::new();
    for page in guide_pages(&root)? {
        let text = read(&page)?;
        let (fresh, page_problems) = refresh(&root, &page, &text, &outputs);
        if fresh != text {
            if update {
                fs::write(&page, &fresh)
                    .map_err(|err| format!("cannot write {}: {err}", page.display()))?;
                changed.push(workspace::relative(&page));
            } else {
                problems.extend(page_problems.stale);
            }
        }
        problems.extend(page_problems.broken);
    }

    for page in &changed {
        println!("xtask: updated {page}");
    }
    if problems.is_empty() {
        println!("xtask: the guide matches the code and the transcripts its scene tests wrote");
        questions_held()
    } else {
        let hint = if update {
            ""
        } else {
            "\n(cargo xtask docs --update rewrites source and output blocks)"
        };
        Err(format!(
            "the guide is out of date:\n- {}{hint}",
            problems.join("\n- ")
        ))
    }
}

/// The chapters' questions against the transcripts just written: the checks crate's test that
/// reads them, ignored by `cargo test` (it runs before the scenes have written anything).
fn questions_held() -> Result<(), String> {
    let failed = "a question's answer is no longer what the lessons print (above)";
    crate::test::checks_test(&["--ignored", "questions"], failed)
}

/// Where the scene tests write their transcripts (testkit's `scene`, by default).
pub fn transcripts_dir() -> PathBuf {
    workspace::root().join("target").join("transcripts")
}

/// Runs the scene tests alone, afresh, to record every transcript. Recorded outputs include
/// server log lines, which vary between nats-server versions: the pinned version only.
fn record() -> Result<(), String> {
    let server_bin = ensure_pinned_nats_server()?;
    let dir = transcripts_dir();
    let _ = fs::remove_dir_all(&dir);
    println!("xtask: running the lessons' scenes to record the guide's outputs");
    let mut command = cargo();
    command
        .args(["test", "--workspace", "--", "guide::"])
        .env("NATS_SERVER_BIN", server_bin);
    if workspace::status(&mut command)?.success() {
        Ok(())
    } else {
        Err("a scene test failed: its transcripts are not the guide's".into())
    }
}

/// The transcripts under `dir`, by block name (`async-sub/start` for `async-sub/start.txt`).
fn transcripts(dir: &Path) -> Result<BTreeMap<String, String>, String> {
    let mut found = BTreeMap::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = fs::read_dir(&folder).map_err(|err| {
            format!(
                "no transcripts in {} ({err}): run `cargo xtask test`, whose tests write them",
                folder.display()
            )
        })?;
        for path in entries.filter_map(|entry| entry.ok().map(|entry| entry.path())) {
            if path.is_dir() {
                folders.push(path);
            } else if let Some(name) = path.strip_prefix(dir).ok().and_then(|p| p.to_str()) {
                let block = name.trim_end_matches(".txt").replace('\\', "/");
                let text = read(&path)?;
                found.insert(block, text.strip_suffix('\n').unwrap_or(&text).to_string());
            }
        }
    }
    Ok(found)
}

/// Every markdown page of the guide, sorted.
fn guide_pages(root: &Path) -> Result<Vec<PathBuf>, String> {
    let dir = root.join("docs").join("src");
    let mut pages: Vec<PathBuf> = fs::read_dir(&dir)
        .map_err(|err| format!("cannot read {}: {err}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    pages.sort();
    Ok(pages)
}

#[derive(Default)]
struct PageProblems {
    /// Blocks that `--update` rewrites.
    stale: Vec<String>,
    /// Problems only a person can fix.
    broken: Vec<String>,
}

/// The page with its source and output blocks brought up to date, and what was wrong.
fn refresh(
    root: &Path,
    page: &Path,
    text: &str,
    outputs: &BTreeMap<String, String>,
) -> (String, PageProblems) {
    let name = workspace::relative(page);
    let mut problems = PageProblems::default();
    let lines: Vec<&str> = text.split('\n').collect();
    let mut fresh: Vec<String> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        fresh.push(line.to_string());
        i += 1;
        let Some((kind, target)) = marker(line) else {
            continue;
        };
        let at = format!("{name}:{i}");
        let opening = lines.get(i).copied().unwrap_or_default();
        let close = if opening.starts_with("```") {
            lines
                .get(i + 1..)
                .and_then(|rest| rest.iter().position(|l| *l == "```"))
                .map(|offset| i + 1 + offset)
        } else {
            None
        };
        let Some(close) = close else {
            problems
                .broken
                .push(format!("{at}: a ``` code block must follow the marker"));
            continue;
        };
        let body = lines[i + 1..close].join("\n");
        let expected = match check_block(root, outputs, &at, (kind, target), &body, &mut problems) {
            Some(expected) => expected,
            None => continue,
        };
        fresh.push(opening.to_string());
        fresh.extend(expected.split('\n').map(str::to_string));
        fresh.push("```".to_string());
        i = close + 1;
    }
    (fresh.join("\n"), problems)
}

/// One generated block of a page, at `at`, whose marker says `kind: target` and whose lines
/// are `body`: what it must hold, when the page is to be rewritten with it (a source or an
/// output block); `None` after a problem, or for an excerpt, which is only checked.
fn check_block(
    root: &Path,
    outputs: &BTreeMap<String, String>,
    at: &str,
    (kind, target): (&str, &str),
    body: &str,
    problems: &mut PageProblems,
) -> Option<String> {
    let expected = match kind {
        // Excerpts are checked by the checks crate's test (they are never rewritten).
        "excerpt" => return None,
        "source" => match fs::read_to_string(root.join(target)) {
            Ok(file) => file.trim_end_matches('\n').to_string(),
            Err(err) => {
                problems
                    .broken
                    .push(format!("{at}: cannot read {target}: {err}"));
                return None;
            }
        },
        _ => match outputs.get(target) {
            Some(output) => output.clone(),
            None => {
                problems
                    .broken
                    .push(format!("{at}: no test recorded the transcript '{target}'; a lesson's `guide` scene writes it"));
                return None;
            }
        },
    };
    if body != expected {
        let what = if kind == "source" {
            "the file"
        } else {
            "the transcript that its scene test wrote,"
        };
        let difference = first_difference(body, &expected);
        problems.stale.push(format!(
            "{at}: the block differs from {what} {target} ({difference})"
        ));
    }
    Some(expected)
}

/// `<!-- kind: target -->` for the three kinds of generated block.
fn marker(line: &str) -> Option<(&str, &str)> {
    let inner = line
        .trim()
        .strip_prefix("<!--")?
        .strip_suffix("-->")?
        .trim();
    let (kind, target) = inner.split_once(':')?;
    let kind = kind.trim();
    matches!(kind, "source" | "excerpt" | "output").then_some((kind, target.trim()))
}

fn first_difference(actual: &str, expected: &str) -> String {
    let actual: Vec<&str> = actual.lines().collect();
    let expected: Vec<&str> = expected.lines().collect();
    for index in 0..actual.len().max(expected.len()) {
        let (a, e) = (actual.get(index), expected.get(index));
        if a != e {
            return format!(
                "line {}: the guide has {:?}, now {:?}",
                index + 1,
                a.copied().unwrap_or("<nothing>"),
                e.copied().unwrap_or("<nothing>")
            );
        }
    }
    "they differ in trailing white space".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_name_a_kind_and_a_target() {
        assert_eq!(
            marker("<!-- output: async-sub/start -->"),
            Some(("output", "async-sub/start"))
        );
        assert_eq!(
            marker("<!-- source: a/b.rs -->"),
            Some(("source", "a/b.rs"))
        );
        assert_eq!(marker("<!-- just a comment -->"), None);
        assert_eq!(marker("text"), None);
    }

    #[test]
    fn stale_blocks_are_found_and_rewritten() {
        let mut outputs = BTreeMap::new();
        outputs.insert("x".to_string(), "new line".to_string());
        let page = "intro\n<!-- output: x -->\n```text\nold line\n```\nend";
        let root = Path::new("/nonexistent");
        let (fresh, problems) = refresh(root, &root.join("p.md"), page, &outputs);
        assert_eq!(
            fresh,
            "intro\n<!-- output: x -->\n```text\nnew line\n```\nend"
        );
        assert_eq!(problems.stale.len(), 1, "{:?}", problems.stale);
        assert!(problems.stale[0].contains("\"old line\""));

        let (again, problems) = refresh(root, &root.join("p.md"), &fresh, &outputs);
        assert_eq!(again, fresh);
        assert!(problems.stale.is_empty() && problems.broken.is_empty());
    }

    #[test]
    fn unknown_outputs_and_missing_blocks_are_reported() {
        let outputs = BTreeMap::new();
        let root = Path::new("/nonexistent");
        let page = "<!-- output: nope -->\n```text\nx\n```\n<!-- output: y -->\nno block";
        let (_, problems) = refresh(root, &root.join("p.md"), page, &outputs);
        assert_eq!(problems.broken.len(), 2, "{:?}", problems.broken);
    }
}
