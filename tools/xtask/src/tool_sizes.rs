//! The tools are made of tasks: no file of the support, test, server and task crates over 400
//! lines, no function over 60. Counted plainly: a file's lines as `wc -l` counts them; a
//! function from its `fn` line to the `}` that closes it at the same indentation, both
//! included, blank lines and comments too.

use std::path::Path;

/// The crates held to the limits.
const TOOLS: [&str; 5] = [
    "tools/classroom",
    "tools/stepkit",
    "tools/testkit",
    "tools/nats-servers",
    "tools/xtask",
];
const MAX_FILE: usize = 400;
const MAX_FUNCTION: usize = 60;

/// Every file or function of the tools over its limit, as a sentence.
pub fn problems(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for tool in TOOLS {
        for path in crate::workspace::rust_files(&root.join(tool)) {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let name = crate::workspace::relative(&path);
            problems.extend(sizes(&name, &text));
        }
    }
    problems
}

/// The problems of one file, `name`, whose text is `text`.
fn sizes(name: &str, text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut problems = Vec::new();
    if lines.len() > MAX_FILE {
        problems.push(format!(
            "{name} has {} lines, more than {MAX_FILE}",
            lines.len()
        ));
    }
    for (start, line) in lines.iter().enumerate() {
        let Some(function) = function_name(line) else {
            continue;
        };
        let indent = &line[..line.len() - line.trim_start().len()];
        let closing = format!("{indent}}}");
        let Some(length) = lines[start..].iter().position(|line| *line == closing) else {
            continue;
        };
        if length + 1 > MAX_FUNCTION {
            let at = start + 1;
            problems.push(format!(
                "{name}:{at}: fn {function} has {} lines, more than {MAX_FUNCTION}",
                length + 1
            ));
        }
    }
    problems
}

/// The name of the function a line opens, if it does (`pub async fn name(...`).
fn function_name(line: &str) -> Option<&str> {
    let mut rest = line.trim_start();
    for prefix in [
        "pub(crate) ",
        "pub(super) ",
        "pub ",
        "const ",
        "async ",
        "unsafe ",
    ] {
        rest = rest.strip_prefix(prefix).unwrap_or(rest);
    }
    let rest = rest.strip_prefix("fn ")?;
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
    Some(&rest[..end]).filter(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_functions_and_files_are_found_and_short_ones_are_not() {
        let short = "fn a() {\n    1\n}\n";
        assert!(sizes("a.rs", short).is_empty());
        let body = "    x();\n".repeat(59);
        let long = format!("impl X {{\n    pub async fn long() {{\n{body}    }}\n}}\n");
        let problems = sizes("b.rs", &long);
        assert_eq!(problems, ["b.rs:2: fn long has 61 lines, more than 60"]);
        let file = "// x\n".repeat(401);
        assert_eq!(sizes("c.rs", &file), ["c.rs has 401 lines, more than 400"]);
        assert_eq!(
            function_name("    pub(crate) fn start_patiently("),
            Some("start_patiently")
        );
        assert_eq!(function_name("let f = fn_pointer;"), None);
    }

    #[test]
    fn the_tools_keep_to_the_limits() {
        let problems = problems(&testkit::workspace_root());
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
