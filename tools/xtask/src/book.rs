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
    Ok(())
}
