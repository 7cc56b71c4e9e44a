//! The guide's questions ("Check yourself" at the end of a chapter), and why their answers
//! cannot drift from what the lessons do.
//!
//! A question is plain HTML and markdown, so that it reads on a code host (the answer folded
//! in `<details>`) and in the book (where `docs/quiz.js` turns it into buttons):
//!
//! ```text
//! <details class="quiz">
//! <summary>What does terminal 2 print now?</summary>
//!
//! - [ ] nothing
//! - [x] `Received message 'Hello NATS'`
//!
//! The explanation, shown once answered.
//!
//! Held by: `async-sub/publish` (`Received message 'Hello NATS'`)
//! </details>
//! ```
//!
//! One choice is ticked, or a line `Answer: **3**` gives a short answer instead. `Held by:`
//! names what holds a behaviour's answer: a transcript that a scene test wrote and the words
//! it must contain, or `test \`name\``, a test of the lesson. Transcripts are rewritten each
//! time the scenes run, so a lesson that prints something else fails its question here (as
//! its output block fails `cargo xtask docs`), instead of leaving a wrong answer in the book.
//! The form is checked by `cargo test` (`tests/checks.rs`); the transcripts, once the scenes
//! have written them, by `cargo xtask docs`, which runs the ignored test that reads them.

use std::collections::BTreeMap;

/// One question, as the page writes it.
#[derive(Debug, PartialEq)]
pub struct Question {
    pub text: String,
    /// Each choice, and whether it is the answer.
    pub choices: Vec<(String, bool)>,
    /// The short answer, when there are no choices.
    pub answer: Option<String>,
    pub held_by: Option<HeldBy>,
    /// The line of `<details class="quiz">` in the page, from 1.
    pub line: usize,
}

#[derive(Debug, PartialEq)]
pub enum HeldBy {
    /// A transcript (`async-sub/publish`) and words that must appear in it.
    Transcript(String, String),
    /// A test function of the workspace.
    Test(String),
}

/// The questions of a page, in order.
pub fn questions(page: &str) -> Vec<Question> {
    let mut found = Vec::new();
    let mut current: Option<Question> = None;
    for (index, line) in page.lines().enumerate() {
        let line = line.trim();
        if line == r#"<details class="quiz">"# {
            current = Some(Question {
                text: String::new(),
                choices: Vec::new(),
                answer: None,
                held_by: None,
                line: index + 1,
            });
            continue;
        }
        let Some(question) = current.as_mut() else {
            continue;
        };
        if line == "</details>" {
            found.extend(current.take());
        } else if let Some(text) = line.strip_prefix("<summary>") {
            question.text = text.trim_end_matches("</summary>").trim().to_string();
        } else if let Some(choice) = line.strip_prefix("- [ ] ") {
            question.choices.push((choice.to_string(), false));
        } else if let Some(choice) = line.strip_prefix("- [x] ") {
            question.choices.push((choice.to_string(), true));
        } else if let Some(answer) = line.strip_prefix("Answer: ") {
            question.answer = Some(answer.trim_matches('*').to_string());
        } else if let Some(held) = line.strip_prefix("Held by: ") {
            question.held_by = held_by(held);
        }
    }
    found
}

/// `\`block\` (\`words\`)` or `test \`name\``.
fn held_by(text: &str) -> Option<HeldBy> {
    let quoted = |text: &str| -> Option<(String, String)> {
        let (_, rest) = text.split_once('`')?;
        let (first, rest) = rest.split_once('`')?;
        Some((first.to_string(), rest.to_string()))
    };
    if let Some(rest) = text.strip_prefix("test ") {
        return quoted(rest).map(|(name, _)| HeldBy::Test(name));
    }
    let (block, rest) = quoted(text)?;
    let rest = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
    let (words, _) = quoted(rest)?;
    Some(HeldBy::Transcript(block, words))
}

/// What is wrong with the form of `page`'s questions, and answers that no test of the
/// workspace (`tests`, their function names) holds.
pub fn form_problems(page: &str, text: &str, tests: &[String]) -> Vec<String> {
    let all = questions(text);
    let mut problems = Vec::new();
    if !all.is_empty() && !(2..=4).contains(&all.len()) {
        problems.push(format!(
            "{page}: {} questions; a chapter has 2 to 4",
            all.len()
        ));
    }
    for question in &all {
        let at = format!("{page}:{}", question.line);
        let ticked = question.choices.iter().filter(|(_, right)| *right).count();
        match (question.choices.len(), &question.answer) {
            (0, None) => problems.push(format!("{at}: neither choices nor `Answer:`")),
            (0, Some(_)) => {}
            (_, Some(_)) => problems.push(format!("{at}: both choices and `Answer:`")),
            (1, None) => problems.push(format!("{at}: one choice only")),
            (_, None) if ticked != 1 => {
                problems.push(format!("{at}: {ticked} choices ticked, not one"))
            }
            _ => {}
        }
        if question.text.is_empty() {
            problems.push(format!("{at}: no <summary> with the question"));
        }
        match &question.held_by {
            None => problems.push(format!("{at}: no `Held by:` line")),
            Some(HeldBy::Test(name)) if !tests.contains(name) => {
                problems.push(format!("{at}: no test `{name}` holds this answer"))
            }
            Some(_) => {}
        }
    }
    problems
}

/// The answers of `page` that the transcripts the scenes wrote (`outputs`, by block name) no
/// longer hold.
pub fn transcript_problems(
    page: &str,
    text: &str,
    outputs: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for question in questions(text) {
        let at = format!("{page}:{}", question.line);
        let Some(HeldBy::Transcript(block, words)) = &question.held_by else {
            continue;
        };
        match outputs.get(block) {
            None => problems.push(format!("{at}: no transcript '{block}'")),
            Some(transcript) if !transcript.contains(words.as_str()) => problems.push(format!(
                "{at}: the transcript '{block}' no longer says `{words}`"
            )),
            Some(_) => {}
        }
    }
    problems
}

/// The transcripts under `dir` (`target/transcripts`), by block name.
pub fn transcripts(dir: &std::path::Path) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for path in entries.filter_map(|entry| entry.ok().map(|entry| entry.path())) {
            if path.is_dir() {
                folders.push(path);
            } else if let Some(name) = path.strip_prefix(dir).ok().and_then(|p| p.to_str()) {
                let block = name.trim_end_matches(".txt").replace('\\', "/");
                found.insert(block, std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    found
}

/// The names of the test functions in the lessons' and the tools' test files.
pub fn test_names(root: &std::path::Path) -> Vec<String> {
    let mut names = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for path in entries.filter_map(|entry| entry.ok().map(|entry| entry.path())) {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if path.is_dir() && !name.starts_with('.') && name != "target" && name != "docs" {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let source = std::fs::read_to_string(&path).unwrap_or_default();
                let functions = source.lines().filter_map(|line| {
                    let rest = line.trim_start().strip_prefix("fn ")?;
                    Some(rest.split(['(', '<']).next()?.to_string())
                });
                names.extend(functions);
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "# A chapter\n\n<details class=\"quiz\">\n<summary>What does it print?</summary>\n\n\
        - [ ] nothing\n- [x] `Received message 'Hello NATS'`\n\nBecause.\n\n\
        Held by: `async-sub/publish` (`Received message 'Hello NATS'`)\n</details>\n\n\
        <details class=\"quiz\">\n<summary>How many?</summary>\n\nAnswer: **3**\n\n\
        Held by: test `three_times`\n</details>\n";

    fn transcript(text: &str) -> BTreeMap<String, String> {
        BTreeMap::from([("async-sub/publish".to_string(), text.to_string())])
    }

    #[test]
    fn a_page_s_questions_are_read_with_their_answers_and_what_holds_them() {
        let found = questions(PAGE);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].text, "What does it print?");
        assert_eq!(
            found[0].choices[1],
            ("`Received message 'Hello NATS'`".into(), true)
        );
        assert_eq!(
            found[0].held_by,
            Some(HeldBy::Transcript(
                "async-sub/publish".into(),
                "Received message 'Hello NATS'".into()
            ))
        );
        assert_eq!(found[1].answer.as_deref(), Some("3"));
        assert_eq!(found[1].held_by, Some(HeldBy::Test("three_times".into())));
    }

    #[test]
    fn an_answer_holds_while_its_transcript_and_its_test_do() {
        let tests = vec!["three_times".to_string()];
        let held = transcript("[INFO  async_sub] Received message 'Hello NATS'");
        assert!(form_problems("p.md", PAGE, &tests).is_empty());
        assert!(transcript_problems("p.md", PAGE, &held).is_empty());
    }

    #[test]
    fn a_lesson_that_prints_something_else_breaks_its_question() {
        let changed = transcript("[INFO  async_sub] Got 'Hello NATS'");
        let found = transcript_problems("p.md", PAGE, &changed);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("no longer says"), "{found:?}");
        let found = form_problems("p.md", PAGE, &[]);
        assert!(found[0].contains("no test `three_times`"), "{found:?}");
    }

    #[test]
    fn a_question_must_have_one_answer() {
        let two = PAGE.replace("- [ ] nothing", "- [x] nothing");
        let found = form_problems("p.md", &two, &["three_times".to_string()]);
        assert!(
            found.iter().any(|p| p.contains("2 choices ticked")),
            "{found:?}"
        );
    }
}
