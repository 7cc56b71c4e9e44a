//! The guide's excerpts: a code block after `<!-- excerpt: FILE -->` shows consecutive lines of
//! FILE, whole statements or items. Copied, not included, so that the guide reads on a code
//! host too, which renders markdown but includes nothing (mdBook's `{{#include}}` would show
//! there as itself); this check holds each copy to its file, and a person fixes a stale one.

use std::path::Path;

use crate::{read, relative};

/// Every excerpt of the guide's pages that is not in its file, or not whole, as a sentence.
pub fn problems(root: &Path) -> Result<Vec<String>, String> {
    let mut problems = Vec::new();
    for page in crate::guide_pages(root)? {
        let text = read(&page)?;
        let lines: Vec<&str> = text.lines().collect();
        for (index, line) in lines.iter().enumerate() {
            let Some(target) = excerpt_marker(line) else {
                continue;
            };
            let at = format!("{}:{}", relative(&page), index + 1);
            let body: Vec<&str> = lines[index + 1..]
                .iter()
                .skip(1)
                .take_while(|line| **line != "```")
                .copied()
                .collect();
            let file = read(&root.join(target))?;
            let body = body.join("\n");
            if !contains_lines(&file, &body) {
                problems.push(format!(
                    "{at}: this excerpt is no longer in {target}; copy the current lines"
                ));
            } else if let Err(why) = whole_excerpt(&file, &body) {
                problems.push(format!(
                    "{at}: an excerpt must be whole statements or items, but this one {why}"
                ));
            }
        }
    }
    Ok(problems)
}

/// The file of an `<!-- excerpt: FILE -->` line.
fn excerpt_marker(line: &str) -> Option<&str> {
    let inner = line.trim().strip_prefix("<!--")?.strip_suffix("-->")?;
    Some(inner.trim().strip_prefix("excerpt:")?.trim())
}

/// True when `part`'s lines appear one after another, whole, among `text`'s lines.
fn contains_lines(text: &str, part: &str) -> bool {
    let text: Vec<&str> = text.lines().collect();
    let part: Vec<&str> = part.lines().collect();
    !part.is_empty()
        && text
            .windows(part.len())
            .any(|window| window == part.as_slice())
}

/// Checks that `part` (found in `file`) is whole statements or items: its brackets balance
/// outside strings and comments, it does not start inside an expression, and the file does
/// not go on with the same expression right after it.
fn whole_excerpt(file: &str, part: &str) -> Result<(), String> {
    let continues = |line: &str| {
        let line = line.trim_start();
        [".", "?", ")", "]", "else", "=>"]
            .iter()
            .any(|start| line.starts_with(start))
    };
    let mut depth = 0i32;
    let mut in_string = false;
    for line in part.lines() {
        depth += bracket_balance(line, &mut in_string);
        if depth < 0 {
            return Err(format!("closes a bracket it did not open ({line:?})"));
        }
    }
    if depth != 0 {
        return Err("ends inside a block or an expression (its brackets do not balance)".into());
    }
    let first = part
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    if continues(first) {
        return Err(format!("starts in the middle of an expression ({first:?})"));
    }
    let file_lines: Vec<&str> = file.lines().collect();
    let part_lines: Vec<&str> = part.lines().collect();
    let start = file_lines
        .windows(part_lines.len())
        .position(|window| window == part_lines.as_slice())
        .unwrap_or(0);
    let after = file_lines[start + part_lines.len()..]
        .iter()
        .find(|line| !line.trim().is_empty());
    match after {
        Some(next) if continues(next) => Err(format!(
            "stops before the end of its expression (the file goes on with {next:?})"
        )),
        _ => Ok(()),
    }
}

/// Opening minus closing brackets on a line of Rust, outside strings, characters and `//`
/// comments. `in_string` carries a string that goes on to the next line.
fn bracket_balance(line: &str, in_string: &mut bool) -> i32 {
    let mut balance = 0;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if *in_string => {
                chars.next();
            }
            '"' => *in_string = !*in_string,
            _ if *in_string => {}
            '/' if chars.peek() == Some(&'/') => break,
            // A character literal such as '{' (not a lifetime such as 'a).
            '\'' => {
                let rest: String = chars.clone().take(3).collect();
                if rest.len() >= 2 && rest.chars().nth(1) == Some('\'') {
                    chars.nth(1);
                }
            }
            '(' | '[' | '{' => balance += 1,
            ')' | ']' | '}' => balance -= 1,
            _ => {}
        }
    }
    balance
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_must_be_whole_consecutive_lines() {
        assert!(contains_lines("a\nb\nc", "b\nc"));
        assert!(!contains_lines("a\nb\nc", "a\nc"));
        assert!(!contains_lines("a\nbb\nc", "b"));
    }

    #[test]
    fn excerpts_that_cut_an_expression_are_refused() {
        let file = "fn f() {\n    match x {\n        1 => a(),\n        _ => b(\"}\"),\n    }\n    client\n        .drain()\n        .await?;\n}";
        assert!(
            whole_excerpt(
                file,
                "    match x {\n        1 => a(),\n        _ => b(\"}\"),\n    }"
            )
            .is_ok()
        );
        // The issue's case: an excerpt that ends in the middle of a `match`.
        assert!(whole_excerpt(file, "    match x {\n        1 => a(),").is_err());
        // A chain cut before its `.await`.
        assert!(whole_excerpt(file, "    client\n        .drain()").is_err());
        assert!(whole_excerpt(file, "        .drain()\n        .await?;").is_err());
        assert!(whole_excerpt(file, "    client\n        .drain()\n        .await?;").is_ok());
    }
}
