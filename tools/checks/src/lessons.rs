//! `cargo xtask lessons`: each step's `main.rs` is a short lesson, stepkit's copies of lessons'
//! code stay the code the lessons teach, and the README lists every step. It prints each step's
//! size against its target and fails when one of these does not hold (`cargo xtask test` runs
//! it).
//!
//! Size: non-blank lines outside the `//!` header; at most 75 for the Go tutorial's six steps,
//! 110 for the others. Lessons may repeat a few lines of each other: that is teaching (the Rust
//! Book's listings repeat too); repetition in the tools is for `duplicates` to find.

use crate as workspace;

/// The Go tutorial's steps, held to the shorter target.
const TUTORIAL: [&str; 6] = [
    "async-sub",
    "pub-simple",
    "pub-msg",
    "sync-sub",
    "auth-sub",
    "auth-pub",
];

/// The lessons that show one case a run (`js-poison term`), or several in turn (`js-mirror`),
/// and how many cases: each case is a function of its own in `main.rs`, the whole of its run, so the file reads top to bottom
/// without a jump to another; each case beyond the first may add about 50 lines to the target.
const CASES: [(&str, usize); 4] = [
    ("js-retention", 3),
    ("js-poison", 6),
    ("js-priority", 3),
    ("js-mirror", 3),
];

/// The functions stepkit holds for later lessons, and the lesson that writes each out first:
/// stepkit's copy must stay that code (comments, `pub` and `stepkit::` aside).
const TAUGHT: [(&str, &str); 4] = [
    ("subscribe_error", "async-sub"),
    ("log_event", "async-sub"),
    ("wait_drained", "async-sub"),
    ("publish_error", "pub-simple"),
];

pub fn run() -> Result<(), String> {
    let root = workspace::root();
    let mut lessons = Vec::new();
    let mut problems = Vec::new();
    println!("checks: lesson sizes (non-blank lines outside the //! header)");
    for step in workspace::steps() {
        let cases = CASES
            .iter()
            .find(|(name, _)| *name == step)
            .map_or(1, |c| c.1);
        let target = if TUTORIAL.contains(&step.as_str()) {
            75
        } else {
            110 + 50 * (cases - 1)
        };
        let text = check_sizes(&step, target, &mut problems)?;
        lessons.push((step, text));
    }
    let stepkit = std::fs::read_to_string(root.join("tools/stepkit/src/shown.rs"))
        .map_err(|err| format!("cannot read stepkit's shown.rs: {err}"))?;
    for (function, step) in TAUGHT {
        let lesson = lessons
            .iter()
            .find(|(name, _)| name == step)
            .map(|(_, text)| text);
        problems.extend(same_code(
            function,
            step,
            lesson.map(String::as_str),
            &stepkit,
        ));
    }
    let readme = std::fs::read_to_string(root.join("README.md"))
        .map_err(|err| format!("cannot read README.md: {err}"))?;
    let steps: Vec<String> = lessons.iter().map(|(step, _)| step.clone()).collect();
    problems.extend(readme_table_problems(&readme, &steps));
    problems.extend(readme_counts(&readme));
    problems.extend(course_problems(&root)?);
    if problems.is_empty() {
        println!(
            "xtask: every lesson within a quarter of its target; stepkit's copies of {} lesson functions \
             are the lessons' code; the README's tables list every step; no file of the tools over \
             400 lines, no function over 60",
            TAUGHT.len()
        );
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Prints the size of each file of `step`'s lesson against `target`, adds a problem for each
/// file over it, and returns the text of its `main.rs`. A lesson is one file; a second file
/// beside `main.rs` is a problem (a reader would jump between them).
fn check_sizes(step: &str, target: usize, problems: &mut Vec<String>) -> Result<String, String> {
    let mut main = String::new();
    for path in workspace::lesson_files(step)? {
        let text = std::fs::read_to_string(&path)
            .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        let file = path.file_name().unwrap_or_default().to_string_lossy();
        let size = lesson_size(&text);
        // The target is a guide (DESIGN.md): a lesson over it is shown, and fails only past a
        // quarter more, where it is no longer "about" the target.
        let ceiling = target + target / 4;
        let verdict = match size {
            _ if size <= target => "ok",
            _ if size <= ceiling => "over the guide",
            _ => "TOO LONG",
        };
        let name = if file == "main.rs" {
            step.to_string()
        } else {
            format!("  {file}")
        };
        println!("  {name:<20} {size:>3} of {target}  {verdict}");
        if size > ceiling {
            problems.push(format!(
                "{step}/src/{file} has {size} lesson lines, more than {ceiling} (a target of \
                 {target}, and a quarter more)"
            ));
        }
        if file == "main.rs" {
            main = text;
        } else {
            problems.push(format!(
                "{step}/src/{file}: a lesson is its main.rs alone, read top to bottom (a case \
                 of its own is a function in main.rs)"
            ));
        }
    }
    Ok(main)
}

/// The README's opening says how many steps follow the tutorial's six, in how many parts, and
/// how many exercises there are, in words: each count is taken from [`crate::course`].
fn readme_counts(readme: &str) -> Vec<String> {
    use crate::course::{EXERCISES, PARTS, STEPS};
    let opening = readme
        .split("\n## ")
        .next()
        .unwrap_or_default()
        .replace('\n', " ");
    let steps = format!(
        "{} more steps in {} parts",
        words(STEPS.len() - 6),
        words(PARTS.len() - 1)
    );
    let exercises = format!("{} exercises", words(EXERCISES.len()));
    [steps, exercises]
        .into_iter()
        .filter(|count| !opening.contains(count.as_str()))
        .map(|count| format!("README.md: the opening must say \"{count}\" (from course.rs)"))
        .collect()
}

/// A count in words, as prose writes it (up to 99).
fn words(n: usize) -> String {
    const ONES: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    match n {
        0..=19 => ONES[n].to_string(),
        _ if n.is_multiple_of(10) => TENS[n / 10 - 2].to_string(),
        _ => format!("{}-{}", TENS[n / 10 - 2], ONES[n % 10]),
    }
}

/// What the README's tables get wrong about the steps: a step they do not list, or a row for
/// a package that is no step (nats-bench, the benchmark, has a row too). A row names its
/// package as a link, "[`NAME`](...)".
fn readme_table_problems(readme: &str, steps: &[String]) -> Vec<String> {
    let listed: Vec<&str> = readme
        .lines()
        .filter(|line| line.starts_with('|'))
        .flat_map(|line| line.split("[`").skip(1))
        .filter_map(|link| link.split_once("`](").map(|(name, _)| name))
        .collect();
    let missing = steps.iter().filter(|step| !listed.contains(&step.as_str()));
    let unknown = listed
        .iter()
        .filter(|name| **name != "nats-bench" && !steps.iter().any(|step| step == *name));
    missing
        .map(|step| format!("the README's step tables do not list {step}"))
        .chain(
            unknown.map(|name| format!("the README's step tables list {name}, which is no step")),
        )
        .collect()
}

/// What the course's list (course.rs) and the workspace disagree on: a package in a part's
/// folder or in exercises/ that the list lacks, or one the list names in the wrong place.
fn course_problems(root: &std::path::Path) -> Result<Vec<String>, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .current_dir(root)
        .output()
        .map_err(|err| format!("cannot run cargo metadata: {err}"))?;
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|err| format!("cargo metadata did not give JSON: {err}"))?;
    let mut found = Vec::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let manifest =
            std::path::PathBuf::from(package["manifest_path"].as_str().unwrap_or_default());
        let relative = manifest
            .parent()
            .and_then(|dir| dir.strip_prefix(root).ok());
        let folder = relative
            .map(|dir| dir.display().to_string())
            .unwrap_or_default();
        let name = package["name"].as_str().unwrap_or_default().to_string();
        found.push((folder, name));
    }
    Ok(course_against(&found))
}

/// [`course_problems`] for the packages `found` as (folder, name) pairs.
fn course_against(found: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (folder, name) in found {
        let part = folder.split('/').next().unwrap_or_default();
        let listed = crate::course::step_dir(name);
        if crate::course::PARTS.contains(&part) && listed.as_deref() != Some(folder.as_str()) {
            problems.push(format!(
                "{folder} ({name}) is a step's folder, but course.rs lists {}",
                listed.unwrap_or_else(|| "no such step".into())
            ));
        }
        let exercise = name.strip_prefix("exercise-").unwrap_or_default();
        if part == "exercises" && !crate::course::EXERCISES.contains(&exercise) {
            problems.push(format!(
                "{folder} is an exercise that course.rs does not list"
            ));
        }
    }
    for (part, step) in crate::course::STEPS {
        if !found
            .iter()
            .any(|(folder, _)| *folder == format!("{part}/{step}"))
        {
            problems.push(format!(
                "course.rs lists {part}/{step}, which has no package"
            ));
        }
    }
    problems
}

/// Non-blank lines outside the `//!` header.
fn lesson_size(text: &str) -> usize {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//!"))
        .count()
}

/// Whether stepkit's `function` is the one `step` writes out: a problem when it is not.
fn same_code(function: &str, step: &str, lesson: Option<&str>, stepkit: &str) -> Option<String> {
    let taught = lesson.and_then(|text| code_of(text, function));
    let copy = code_of(stepkit, function);
    match (taught, copy) {
        (Some(taught), Some(copy)) if taught == copy => None,
        (None, _) => Some(format!(
            "{step}/src/main.rs does not write out `fn {function}`"
        )),
        (_, None) => Some(format!(
            "stepkit has no `fn {function}` for the lessons after {step}"
        )),
        _ => Some(format!(
            "stepkit's `{function}` is no longer the code {step}/src/main.rs teaches: make them \
             the same again (the guide shows the lesson's)"
        )),
    }
}

/// The code of `fn name` in `text`, from its `fn` line to the `}` that closes it at the start
/// of a line, with comments left out, `pub ` and `stepkit::` removed, and no white space.
fn code_of(text: &str, name: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let header = format!("fn {name}");
    let start = lines.iter().position(|line| {
        let line = line.trim_start_matches("pub ").trim_start_matches("async ");
        line.starts_with(&header)
            && !line[header.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
    })?;
    let end = start + lines[start..].iter().position(|line| *line == "}")?;
    let code: Vec<String> = lines[start..=end]
        .iter()
        .map(|line| line.split(" //").next().unwrap_or_default().trim())
        .filter(|line| !line.starts_with("//"))
        .map(|line| line.replace("pub ", "").replace("stepkit::", ""))
        .collect();
    // Without white space or trailing commas: rustfmt lays the same code out differently in
    // each crate.
    let code: String = code.concat().split_whitespace().collect();
    Some(
        code.replace(",)", ")")
            .replace(",}", "}")
            .replace(",]", "]"),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_readme_counts_are_the_course_lists() {
        assert_eq!(words(24), "twenty-four");
        assert_eq!(words(13), "thirteen");
        let stale = readme_counts("# x\n\nsixteen more steps in three parts, nine exercises\n## y");
        assert_eq!(stale.len(), 2, "{stale:?}");
    }

    use super::*;

    #[test]
    fn a_copy_must_be_the_lessons_code_whatever_its_layout() {
        let lesson =
            "fn main() {}\n\n/// Taught.\nfn f(a: u8) -> u8 {\n    // why\n    stepkit::g(a)\n}\n";
        let same = "/// Copy.\npub fn f(\n    a: u8,\n) -> u8 {\n    g(a) // as taught\n}\n";
        let changed = "pub fn f(a: u8) -> u8 {\n    g(a + 1)\n}\n";
        assert_eq!(same_code("f", "lesson", Some(lesson), same), None);
        assert!(
            same_code("f", "lesson", Some(lesson), changed)
                .is_some_and(|p| p.contains("no longer"))
        );
        assert!(
            same_code("f", "lesson", Some("fn main() {}\n"), same)
                .is_some_and(|p| p.contains("does not write"))
        );
        assert!(same_code("fn_", "lesson", Some(lesson), same).is_some());
        assert_eq!(lesson_size("//! header\n\nfn main() {\n}\n"), 2);
    }

    #[test]
    fn the_course_list_must_match_the_packages_in_the_parts_folders() {
        let mut found: Vec<(String, String)> = crate::course::STEPS
            .iter()
            .map(|(part, step)| (format!("{part}/{step}"), step.to_string()))
            .collect();
        assert_eq!(course_against(&found), Vec::<String>::new());
        found.push(("beyond/new-step".into(), "new-step".into()));
        found.push(("exercises/extra".into(), "exercise-extra".into()));
        found.retain(|(_, name)| name != "kv");
        let problems = course_against(&found);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("beyond/new-step"), "{problems:?}");
        assert!(problems[2].contains("jetstream/kv"), "{problems:?}");
    }

    #[test]
    fn the_readme_tables_must_list_the_steps_and_only_them() {
        let readme = "| 1 | [`a`](a/) | x |\n| [`b`](b/), [`c`](c/) | y |\nnot a row [`d`](d/)\n";
        let steps = ["a", "b", "e"].map(String::from);
        let problems = readme_table_problems(readme, &steps);
        assert_eq!(
            problems,
            [
                "the README's step tables do not list e",
                "the README's step tables list c, which is no step"
            ]
        );
    }
}
