//! The guide's links, checked as a renderer would follow them: the file exists, the anchor
//! names a heading of it, and a guide page stays inside `docs/src` (all mdBook serves).

use std::path::{Path, PathBuf};

use crate::{self as workspace, read};

/// Checks every relative link of a markdown page: the file exists, and the `#anchor`, if any,
/// names a heading of that page. Guide pages may only link inside `docs/src` (mdBook serves
/// nothing else).
pub fn check_links(root: &Path, page: &Path) -> Result<Vec<String>, String> {
    let text = read(page)?;
    let dir = page.parent().unwrap_or(root);
    let in_guide = page.starts_with(root.join("docs").join("src"));
    let mut problems = Vec::new();
    for (line_number, target) in links(&text) {
        let at = format!("{}:{line_number}", workspace::relative(page));
        if target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        let (path, anchor) = match target.split_once('#') {
            Some((path, anchor)) => (path, Some(anchor)),
            None => (target.as_str(), None),
        };
        let file = if path.is_empty() {
            page.to_path_buf()
        } else {
            dir.join(path)
        };
        if !file.exists() {
            problems.push(format!("{at}: the link {target} leads nowhere"));
            continue;
        }
        if in_guide && !normalize(&file).starts_with(root.join("docs").join("src")) {
            problems.push(format!(
                "{at}: the link {target} leaves docs/src, which the rendered book cannot follow"
            ));
        }
        if let Some(anchor) = anchor {
            let headings = read(&file).map(|text| heading_ids(&text))?;
            if !headings.iter().any(|id| id == anchor) {
                problems.push(format!(
                    "{at}: {} has no heading #{anchor}",
                    path_or(path, page)
                ));
            }
        }
    }
    Ok(problems)
}

fn path_or(path: &str, page: &Path) -> String {
    if path.is_empty() {
        page.display().to_string()
    } else {
        path.to_string()
    }
}

/// Resolves `..` without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The `(line number, target)` of every `[text](target)` outside code blocks and code spans.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut in_fence = false;
    for (index, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        // Drop code spans, whose brackets are not links.
        let prose: String = line
            .split('`')
            .enumerate()
            .filter(|(part, _)| part % 2 == 0)
            .map(|(_, piece)| piece)
            .collect::<Vec<_>>()
            .join(" ");
        let mut rest = prose.as_str();
        while let Some(start) = rest.find("](") {
            let after = &rest[start + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].split_whitespace().next().unwrap_or_default();
            found.push((index + 1, target.to_string()));
            rest = &after[end..];
        }
    }
    found
}

/// The anchors of a page's headings, as mdBook and code hosts make them: lower case, spaces
/// to `-`, punctuation other than `-` and `_` dropped.
fn heading_ids(text: &str) -> Vec<String> {
    let mut in_fence = false;
    let mut ids = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        if in_fence || !line.starts_with('#') {
            continue;
        }
        let title = line.trim_start_matches('#').trim();
        let id: String = title
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                '-' | '_' => Some(c),
                c if c.is_alphanumeric() => Some(c.to_ascii_lowercase()),
                _ => None,
            })
            .collect();
        ids.push(id);
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_anchors_are_read_like_a_renderer() {
        let text = "see [a](a.md#the-thing) and `[not](x)`\n```\n[no](y)\n```\n![pic](p.svg)";
        assert_eq!(
            links(text),
            vec![(1, "a.md#the-thing".to_string()), (5, "p.svg".to_string())]
        );
        assert_eq!(
            heading_ids("# The thing\n## Go -> Rust: `connect`, quickly!\n"),
            vec!["the-thing", "go---rust-connect-quickly"]
        );
    }
}
