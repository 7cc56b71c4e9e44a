//! A sentence split over source lines needs a `\` at each line's end: without it, the line
//! break and the next line's indentation become part of the text, and a learner reads a hint
//! with a run of ten spaces in it. [`broken_strings`] finds such literals; a test runs it over
//! every Rust file of the workspace.

/// The lines (1-based) where a plain string literal goes on to the next line without a `\`
/// and that line is indented: the break and the indentation would be part of the text. Raw
/// strings (`r"..."`, configuration files, say) may hold line breaks on purpose.
pub fn broken_strings(source: &str) -> Vec<usize> {
    let chars: Vec<char> = source.chars().collect();
    let (mut found, mut line, mut i) = (Vec::new(), 1, 0);
    let at = |index: usize| chars.get(index).copied().unwrap_or('\0');
    while i < chars.len() {
        match chars[i] {
            '\n' => line += 1,
            '/' if at(i + 1) == '/' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '\'' if at(i + 1) == '\\' => i += 3, // '\n', '\'', '\\': skip past the escape
            '\'' if at(i + 2) == '\'' => i += 2, // 'a', '"'
            'r' if (at(i + 1) == '"' || at(i + 1) == '#') && !is_ident(at(i.wrapping_sub(1))) => {
                let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
                if at(i + 1 + hashes) == '"' {
                    let close: String = std::iter::once('"')
                        .chain("#".repeat(hashes).chars())
                        .collect();
                    let rest: String = chars[i + 2 + hashes..].iter().collect();
                    let length = rest
                        .find(&close)
                        .map_or(rest.len(), |end| end + close.len());
                    line += rest[..length].matches('\n').count();
                    i += 2 + hashes + rest[..length].chars().count();
                    continue;
                }
            }
            '"' => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        line += usize::from(at(i + 1) == '\n');
                        i += 2;
                        continue;
                    }
                    if chars[i] == '\n' {
                        line += 1;
                        if at(i + 1) == ' ' && at(i + 2) == ' ' {
                            found.push(line - 1);
                        }
                    }
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    found
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_broken_without_a_backslash_is_found_and_others_are_not() {
        let source = "let a = \"one \\\n          two\";\nlet b = \"three\n          four\";\n\
                      let c = r#\"raw\n   text\"#;\nlet d = '\"'; // \"not\n   a string\nlet e = \"x\";\n";
        assert_eq!(broken_strings(source), vec![3]);
    }

    #[test]
    fn no_sentence_in_the_workspace_has_a_lost_line_continuation() {
        let root = nats_servers::workspace_root();
        let mut broken = Vec::new();
        for path in crate::rust_files(&root) {
            let source = std::fs::read_to_string(&path).unwrap_or_default();
            for line in broken_strings(&source) {
                broken.push(format!("{}:{line}", path.display()));
            }
        }
        assert!(
            broken.is_empty(),
            "string literals that go on to an indented line without a `\\` at the end (the \
             break and the spaces become part of the text): {broken:?}"
        );
    }
}
