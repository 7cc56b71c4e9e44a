//! The live page in a real browser: Debian's chromium, headless (`.ci/run` installs it with apt
//! when missing). A student connects; the page, which asks `/api/state` every second, shows
//! them. A screenshot is kept as `target/classroom/page.png`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{Class, WAIT};
use testkit::Step;

/// The page as chromium renders it (the DOM after its script has run).
fn rendered(url: &str) -> String {
    let out = chromium().args(["--dump-dom", url]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn chromium() -> Command {
    let found = Command::new("chromium").arg("--version").output();
    assert!(
        found.is_ok_and(|out| out.status.success()),
        "this test needs Debian's chromium: `sudo apt-get install chromium` (.ci/run does it)"
    );
    let mut command = Command::new("chromium");
    // Headless as root in a container needs --no-sandbox; the budget lets the script's first
    // fetch and drawing finish before the DOM is taken.
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--virtual-time-budget=3000",
    ]);
    command
}

#[test]
fn the_page_shows_a_student_who_connects() {
    let class = Class::start("alice,bob");
    let url = format!("http://127.0.0.1:{}/", class.http);
    let before = rendered(&url);
    assert!(
        before.contains("NATS class"),
        "the page did not load:\n{before}"
    );
    assert!(!before.contains("async-sub (alice)"));

    let _alice = Step::start(&mut class.step("alice", "async-sub", &[])).unwrap();
    let page = nats_servers::wait_until(WAIT, || {
        Some(rendered(&url)).filter(|dom| dom.contains("async-sub (alice)"))
    });
    let page = page.unwrap_or_else(|| {
        panic!(
            "the page never showed alice's async-sub:\n{}",
            rendered(&url)
        )
    });
    assert!(page.contains("<td>bob</td>"), "{page}");
    for name in ["alice", "bob", "teacher"] {
        assert!(
            !page.contains(&class.setting(name, "NATS_PASSWORD")),
            "a password is on the page"
        );
    }

    let shot = nats_servers::workspace_root().join("target/classroom/page.png");
    std::fs::create_dir_all(shot.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(&shot);
    let status = chromium()
        .arg(format!("--screenshot={}", shot.display()))
        .args(["--window-size=1400,900", &url])
        .output()
        .unwrap();
    assert!(
        status.status.success() && is_png(&shot),
        "no screenshot at {}",
        shot.display()
    );
}

fn is_png(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|bytes| bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000)
}
