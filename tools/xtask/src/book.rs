//! `cargo xtask book`: the guide rendered by the pinned mdBook.

use std::env;
use std::process::Command;

use crate::workspace::{self, cargo};

/// The mdBook version the guide is built with (CI installs exactly this one).
const MDBOOK_PIN: &str = "0.5.4";

/// `cargo xtask book`: renders the guide, installing the pinned mdbook when needed.
pub fn run() -> Result<(), String> {
    let root = workspace::root();
    let dir = root
        .join("target")
        .join("tools")
        .join(format!("mdbook-{MDBOOK_PIN}"));
    let mdbook = dir
        .join("bin")
        .join(format!("mdbook{}", env::consts::EXE_SUFFIX));
    if !mdbook.is_file() {
        println!(
            "xtask: installing mdbook {MDBOOK_PIN} into {} (cargo install, once; a few minutes)",
            dir.display()
        );
        let mut install = cargo();
        install
            .args(["install", "mdbook", "--locked", "--version", MDBOOK_PIN])
            .args(["--no-default-features", "--features", "search", "--root"])
            .arg(&dir);
        let status = workspace::status(&mut install)?;
        if !status.success() {
            return Err(format!(
                "cargo install mdbook {MDBOOK_PIN} failed: {status}"
            ));
        }
    }
    let mut build = Command::new(&mdbook);
    build.args(["build", "docs"]).current_dir(&root);
    let status = workspace::status(&mut build)?;
    if !status.success() {
        return Err(format!("mdbook build docs failed: {status}"));
    }
    println!(
        "xtask: the guide is in {}",
        root.join("target")
            .join("book")
            .join("index.html")
            .display()
    );
    answer_a_question(&root)
}

/// The rendered book in a real browser: a chapter's first question, answered with its right
/// choice, must say so and show its explanation, and only its own (Debian's chromium, headless,
/// driven by `tools/testkit/browser.mjs`). Without Node.js or chromium this is skipped, except
/// in CI (`CI` set), which installs them.
fn answer_a_question(root: &std::path::Path) -> Result<(), String> {
    let found = |program: &str| Command::new(program).arg("--version").output().is_ok();
    if !found("node") || !found("chromium") {
        let why = "the questions' browser check needs node and chromium (.ci/run installs them)";
        if env::var_os("CI").is_some() {
            return Err(why.to_string());
        }
        println!("xtask: skipped: {why}");
        return Ok(());
    }
    let page = root.join("target").join("book").join("async-sub.html");
    let mut check = Command::new("node");
    check
        .arg(root.join("tools").join("testkit").join("browser.mjs"))
        .arg(format!("file://{}", page.display()))
        .arg("Right.")
        .arg(root.join("target").join("book-question.png"))
        .arg(r#"details.quiz li[data-right="true"] button"#);
    let output = workspace::output(&mut check)?;
    let text = String::from_utf8_lossy(&output.stdout);
    // The first question's explanation shows; the second's waits for its answer.
    let first = "The server hands each message at once";
    let second = "The lesson catches Ctrl-C";
    if output.status.success() && text.contains(first) && !text.contains(second) {
        println!("xtask: a question of the book answered in chromium: right, and explained");
        Ok(())
    } else {
        Err(format!(
            "the book's question did not answer in chromium:\n{text}"
        ))
    }
}
