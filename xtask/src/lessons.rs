//! `cargo xtask lessons`: each step's `main.rs` is a short lesson, and no two of them repeat
//! the same block. It prints each step's size against its target and fails when a lesson is
//! too long or two lessons share a run of identical lines (`cargo xtask test` runs it).
//!
//! Size: non-blank lines outside the `//!` header; at most 60 for the Go tutorial's six steps,
//! 90 for the others. Repetition: runs of 6 or more identical lines, with blank lines,
//! comments, `use` lines and lone brackets left out and white space folded; the same idiom in
//! two lessons is teaching, the same block is plumbing that belongs in `stepkit`.

use crate::workspace;

/// The Go tutorial's steps, held to the shorter target.
const TUTORIAL: [&str; 6] = [
    "async-sub",
    "pub-simple",
    "pub-msg",
    "sync-sub",
    "auth-sub",
    "auth-pub",
];

/// The longest run of identical lines two lessons may share.
const MAX_SHARED: usize = 5;

pub fn run() -> Result<(), String> {
    let root = workspace::root();
    let mut lessons = Vec::new();
    for step in workspace::steps()? {
        let path = root.join(&step).join("src").join("main.rs");
        let text = std::fs::read_to_string(&path)
            .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        lessons.push((step, text));
    }
    let mut problems = Vec::new();
    println!("xtask: lesson sizes (non-blank lines outside the //! header)");
    for (step, text) in &lessons {
        let size = lesson_size(text);
        let target = if TUTORIAL.contains(&step.as_str()) {
            60
        } else {
            90
        };
        let verdict = if size <= target { "ok" } else { "TOO LONG" };
        println!("  {step:<14} {size:>3} of {target}  {verdict}");
        if size > target {
            problems.push(format!(
                "{step}/src/main.rs has {size} lesson lines, more than {target}"
            ));
        }
    }
    for (index, (a, text_a)) in lessons.iter().enumerate() {
        for (b, text_b) in &lessons[index + 1..] {
            let (lines_a, lines_b) = (significant(text_a), significant(text_b));
            let shared = longest_shared_run(&lines_a, &lines_b);
            if shared.len() > MAX_SHARED {
                problems.push(format!(
                    "{a} and {b} share {} identical lines, starting with `{}`: move the block \
                     into stepkit",
                    shared.len(),
                    shared[0]
                ));
            }
        }
    }
    let readme = std::fs::read_to_string(root.join("README.md"))
        .map_err(|err| format!("cannot read README.md: {err}"))?;
    let steps: Vec<String> = lessons.iter().map(|(step, _)| step.clone()).collect();
    problems.extend(readme_table_problems(&readme, &steps));
    if problems.is_empty() {
        println!(
            "xtask: every lesson within its target; no two share more than {MAX_SHARED} lines; \
             the README's tables list every step"
        );
        Ok(())
    } else {
        Err(problems.join("\n"))
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

/// Non-blank lines outside the `//!` header.
fn lesson_size(text: &str) -> usize {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//!"))
        .count()
}

/// The lines that count for repetition, white space folded.
fn significant(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| {
            !line.is_empty()
                && !line.starts_with("//")
                && !line.starts_with("use ")
                && !line.chars().all(|c| "{}()[];,".contains(c))
        })
        .collect()
}

/// The longest run of lines that `a` and `b` both have, one after another.
fn longest_shared_run<'a>(a: &'a [String], b: &[String]) -> &'a [String] {
    let mut best: &[String] = &[];
    for i in 0..a.len() {
        for j in 0..b.len() {
            let length = a[i..]
                .iter()
                .zip(&b[j..])
                .take_while(|(x, y)| x == y)
                .count();
            if length > best.len() {
                best = &a[i..i + length];
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_block_is_found_but_comments_imports_and_brackets_do_not_count() {
        let a = "use x;\n// one\nlet a = 1;\nlet b = 2;\n}\nlet c = 3;\nlet d = 4;\n";
        let b = "use y;\nlet a = 1;\n  let b  =  2;\n// other\nlet c = 3;\nlet d = 4;\nlet e;\n";
        let (a, b) = (significant(a), significant(b));
        let shared = longest_shared_run(&a, &b);
        assert_eq!(shared.len(), 4, "{shared:?}");
        assert_eq!(lesson_size("//! header\n\nfn main() {\n}\n"), 2);
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
