//! Checks of the guide as a learner's path, run by `cargo xtask docs`:
//!
//! - every Rust construct a Go developer meets for the first time is explained in a
//!   "Rust in this step" box on the first page that shows it, and in no later box;
//! - every exercise is on the path: exactly one chapter ends with its "Try it yourself" line,
//!   and the Exercises chapter lists them in the same order;
//! - no page up to an exercise's chapter (nor the Exercises and For teachers pages) shows a
//!   line of its solution that neither the starter nor a lesson walked through so far has;
//! - the set-up chapter names the nats-server version the outputs were recorded with;
//! - every test that "Claims and their proofs" names as a proof exists.

use std::path::Path;

use crate::read;

/// A construct, as its box names it, and how to recognise it in the guide's code.
struct Construct {
    name: &'static str,
    shows: fn(&str) -> bool,
}

/// The constructs a learner coming from Go needs explained (the list of the learner's-path
/// issue), in no particular order.
const CONSTRUCTS: &[Construct] = &[
    Construct {
        name: "`?`",
        shows: |line| line.contains(")?;") || line.contains(".await?"),
    },
    Construct {
        name: "`Result`",
        shows: |line| line.contains("Result<"),
    },
    Construct {
        name: "`&str` and `String`",
        shows: |line| line.contains("String"),
    },
    Construct {
        name: "`.clone()`",
        shows: |line| line.contains(".clone()"),
    },
    Construct {
        name: "closures",
        shows: |line| line.contains("(|"),
    },
    Construct {
        name: "`async move { ... }` and `tokio::spawn`",
        shows: |line| line.contains("async move") || line.contains("tokio::spawn"),
    },
    Construct {
        name: "`while let",
        shows: |line| line.contains("while let "),
    },
    Construct {
        name: "`let ... else`",
        shows: |line| line.trim_start().starts_with("let ") && line.contains(" else {"),
    },
    Construct {
        name: "`static`, `AtomicBool` and `Ordering::Relaxed`",
        shows: |line| line.contains("Ordering::Relaxed"),
    },
    Construct {
        name: "trait",
        shows: |line| line.contains("StreamExt"),
    },
    Construct {
        name: "macro",
        shows: |line| line.contains("info!("),
    },
];

const BOX: &str = "## Rust in this step";

/// A guide page: its file name and text.
struct Page {
    name: String,
    text: String,
}

/// The pages in the order of `SUMMARY.md`, which is the order a learner reads them.
fn pages_in_order(root: &Path) -> Result<Vec<Page>, String> {
    let dir = root.join("docs").join("src");
    let summary = read(&dir.join("SUMMARY.md"))?;
    let mut pages = Vec::new();
    for line in summary.lines() {
        let Some(name) = line
            .split_once("](")
            .and_then(|(_, rest)| rest.split_once(')'))
        else {
            continue;
        };
        let name = name.0.to_string();
        let text = read(&dir.join(&name))?;
        pages.push(Page { name, text });
    }
    Ok(pages)
}

/// The page's code: its ```rust blocks and its `inline code`, outside its box.
fn code_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut fence: Option<bool> = None;
    for line in without_box(text).lines() {
        if line.trim_start().starts_with("```") {
            fence = match fence {
                None => Some(line.trim_start().starts_with("```rust")),
                Some(_) => None,
            };
            continue;
        }
        match fence {
            Some(true) => lines.push(line.to_string()),
            Some(false) => {}
            None => lines.extend(line.split('`').skip(1).step_by(2).map(str::to_string)),
        }
    }
    lines
}

fn without_box(text: &str) -> String {
    match text.split_once(BOX) {
        Some((before, after)) => {
            let rest = after.find("\n## ").map_or("", |end| &after[end..]);
            format!("{before}{rest}")
        }
        None => text.to_string(),
    }
}

fn the_box(text: &str) -> &str {
    match text.split_once(BOX) {
        Some((_, after)) => after.find("\n## ").map_or(after, |end| &after[..end]),
        None => "",
    }
}

/// The constructs a page's box explains: the bold heads of its bullets (`- **name**: ...`).
fn explained(text: &str) -> Vec<&str> {
    the_box(text)
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("- **"))
        .filter_map(|rest| rest.split_once("**").map(|(head, _)| head))
        .collect()
}

/// Every construct is explained where it first shows, and only there.
fn rust_boxes(pages: &[Page]) -> Vec<String> {
    let mut problems = Vec::new();
    for construct in CONSTRUCTS {
        let first = pages.iter().find(|page| {
            code_lines(&page.text)
                .iter()
                .any(|line| (construct.shows)(line))
        });
        let Some(first) = first else {
            continue;
        };
        let explaining: Vec<&str> = pages
            .iter()
            .filter(|page| {
                explained(&page.text)
                    .iter()
                    .any(|head| head.contains(construct.name))
            })
            .map(|page| page.name.as_str())
            .collect();
        match explaining[..] {
            [page] if page == first.name => {}
            [] | [_] => problems.push(format!(
                "docs/src/{} is the first page that shows {}, so its \"{BOX}\" box must \
                 explain it (a bullet `- **{}**: ...`)",
                first.name, construct.name, construct.name
            )),
            _ => problems.push(format!(
                "{} is explained in more than one box ({}): explain it once, where it first \
                 shows ({}), and link back",
                construct.name,
                explaining.join(", "),
                first.name
            )),
        }
    }
    problems
}

/// The trimmed lines of a file that say something (no blank lines, comments or lone
/// brackets).
fn significant_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| line.len() >= 12 && !line.starts_with("//"))
        .map(str::to_string)
        .collect()
}

/// The files a page takes excerpts from (`<!-- excerpt: PATH -->`).
fn excerpted_files(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("<!-- excerpt:"))
        .filter_map(|rest| rest.strip_suffix("-->"))
        .map(str::trim)
        .collect()
}

/// Exercises on the path, in order, and no spoilers before them.
fn exercises(root: &Path, pages: &[Page]) -> Result<Vec<String>, String> {
    let mut problems = Vec::new();
    let mut chapters = Vec::new();
    for exercise in crate::course::EXERCISES.iter().map(|name| name.to_string()) {
        let line = format!("Try it yourself: `cargo xtask check {exercise}`");
        let link = format!("(exercises.md#{exercise})");
        let found: Vec<usize> = (0..pages.len())
            .filter(|&index| pages[index].text.contains(&line))
            .collect();
        let [chapter] = found[..] else {
            problems.push(format!(
                "exactly one chapter must end with \"{line}\" and the link {link}; found {}",
                found.len()
            ));
            continue;
        };
        if !pages[chapter].text.contains(&link) {
            problems.push(format!(
                "docs/src/{} must link to {link}",
                pages[chapter].name
            ));
        }
        chapters.push((chapter, exercise.clone()));
        problems.extend(spoilers(root, pages, chapter, &exercise)?);
    }
    problems.extend(listed_in_order(pages, &chapters));
    Ok(problems)
}

/// The lines of `exercise`'s solution that a page shows too early: on a page up to its
/// `chapter`, or on the Exercises and For teachers pages. What the solution adds to the
/// starter, less what those chapters' lessons walk through, is what the student must find.
fn spoilers(
    root: &Path,
    pages: &[Page],
    chapter: usize,
    exercise: &str,
) -> Result<Vec<String>, String> {
    let exercise_dir = root.join("exercises").join(exercise);
    let mut known = significant_lines(&read(&exercise_dir.join("src").join("main.rs"))?);
    for page in &pages[..=chapter] {
        for lesson in excerpted_files(&page.text) {
            known.extend(significant_lines(&read(&root.join(lesson))?));
        }
    }
    let solution = root
        .join("solutions")
        .join(exercise)
        .join("src")
        .join("main.rs");
    let answers: Vec<String> = significant_lines(&read(&solution)?)
        .into_iter()
        .filter(|line| !known.contains(line))
        .collect();
    let after = pages
        .iter()
        .filter(|page| page.name == "exercises.md" || page.name == "teachers.md");
    let mut problems = Vec::new();
    for page in pages[..=chapter].iter().chain(after) {
        let code = code_lines(&page.text);
        let shown = answers
            .iter()
            .find(|answer| code.iter().any(|line| line.trim() == answer.as_str()));
        if let Some(answer) = shown {
            let name = &page.name;
            problems.push(format!(
                "docs/src/{name} gives away the exercise {exercise}: it shows `{answer}`"
            ));
        }
    }
    Ok(problems)
}

/// The exercises come in the order of their chapters (course.rs), and the Exercises page has a
/// section for each, in that order.
fn listed_in_order(pages: &[Page], chapters: &[(usize, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    if !chapters.windows(2).all(|pair| pair[0].0 <= pair[1].0) {
        problems
            .push("the exercises (course.rs) are not in the order of their chapters".to_string());
    }
    let Some(listing) = pages.iter().find(|page| page.name == "exercises.md") else {
        problems.push("docs/src/SUMMARY.md has no Exercises chapter (exercises.md)".to_string());
        return problems;
    };
    let positions: Vec<Option<usize>> = chapters
        .iter()
        .map(|(_, exercise)| listing.text.find(&format!("\n## {exercise}\n")))
        .collect();
    if positions.iter().any(Option::is_none) || !positions.windows(2).all(|p| p[0] < p[1]) {
        problems.push(
            "docs/src/exercises.md must have a `## NAME` section per exercise, in the order of \
             their chapters"
                .to_string(),
        );
    }
    problems
}

/// All the checks; a list of what is wrong.
pub fn run(root: &Path) -> Result<Vec<String>, String> {
    let pages = pages_in_order(root)?;
    let mut problems = rust_boxes(&pages);
    problems.extend(exercises(root, &pages)?);
    let setup = pages.iter().find(|page| page.name == "setup.md");
    let version = format!("nats-server {}", nats_servers::NATS_SERVER_PIN);
    if !setup.is_some_and(|page| page.text.contains(&version)) {
        problems.push(format!(
            "docs/src/setup.md must say which server the outputs come from (\"{version}\")"
        ));
    }
    problems.extend(claims_proofs(root)?);
    Ok(problems)
}

/// The tests that claims.md names in its Proof column (the last cell of a row), each of which
/// must be a test function in a `tests/` folder of the workspace (or of `step_checks!`).
fn claims_proofs(root: &Path) -> Result<Vec<String>, String> {
    let claims = read(&root.join("docs/src/claims.md"))?;
    let mut tests = read(&root.join("tools/testkit/src/macros.rs"))?;
    // The parts' folders (course.rs), and tools/ (the interop and classroom tests).
    for member in crate::course::PARTS.iter().chain(&["tools"]) {
        for package in std::fs::read_dir(root.join(member))
            .into_iter()
            .flatten()
            .flatten()
        {
            for file in std::fs::read_dir(package.path().join("tests"))
                .into_iter()
                .flatten()
            {
                let path = file.map_err(|err| err.to_string())?.path();
                if path.extension().is_some_and(|ext| ext == "rs") {
                    tests.push_str(&read(&path)?);
                }
            }
        }
    }
    let proofs = claims
        .lines()
        .filter(|line| line.starts_with("| ") && !line.starts_with("| Claim"));
    let named = proofs.filter_map(|row| row.trim_end_matches('|').rsplit('|').next());
    let names = named.flat_map(|cell| cell.split('`').skip(1).step_by(2).map(str::to_string));
    Ok(names
        .filter(|name| {
            name.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
        .filter(|name| !tests.contains(&format!("fn {name}(")))
        .map(|name| format!("docs/src/claims.md names the test {name}, which does not exist"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(name: &str, text: &str) -> Page {
        Page {
            name: name.to_string(),
            text: text.to_string(),
        }
    }

    #[test]
    fn a_construct_is_explained_where_it_first_shows() {
        let first = page("a.md", "```rust\nlet x = y.clone();\n```\n");
        let later = "```rust\nz.clone()\n```\n## Rust in this step\n- **`.clone()`**: copy\n";
        let problems = rust_boxes(&[first, page("b.md", later)]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("a.md is the first page"),
            "{problems:?}"
        );

        let good = "`x.clone()`\n\n## Rust in this step\n\n- **`.clone()`**: copy\n";
        assert!(rust_boxes(&[page("a.md", good)]).is_empty());
        let again = "## Rust in this step\n\n- **`.clone()`**: copy again\n";
        let problems = rust_boxes(&[page("a.md", good), page("b.md", again)]);
        assert!(problems[0].contains("more than one box"), "{problems:?}");
    }

    #[test]
    fn output_blocks_and_the_box_are_not_code() {
        let text = "```text\nString\n```\n## Rust in this step\n`String`\n## Next\n";
        assert!(code_lines(text).is_empty());
    }
}
