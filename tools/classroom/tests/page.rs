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
    assert!(page.contains("not connected"), "{page}");
    for name in ["alice", "bob", "teacher"] {
        assert!(
            !page.contains(&class.setting(name, "NATS_PASSWORD")),
            "a password is on the page"
        );
    }

    screenshot(&url, "page.png", "1400,900");
}

/// chromium's screenshot of `url` in a window of `size`, kept as `target/classroom/NAME`.
fn screenshot(url: &str, name: &str, size: &str) {
    let shot = nats_servers::workspace_root()
        .join("target/classroom")
        .join(name);
    std::fs::create_dir_all(shot.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(&shot);
    let status = chromium()
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("--window-size={size}"))
        .arg(url)
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

/// A room of 30 on one projected screen (1920×1080): every student and every exercise shown
/// without scrolling (the page says `data-fits="yes"` when its grid ends within the window),
/// the four states of a result told apart, a publisher that has ended still listed, and the
/// counts in words. The screenshot is kept as `target/classroom/room-30.png`.
#[test]
fn a_room_of_thirty_fits_one_projected_screen() {
    let names: Vec<String> = (1..=30).map(|n| format!("student{n:02}")).collect();
    let class = Class::start(&names.join(","));
    let _listener = fill_the_room(&class, &names);
    assert_the_room(&class, &names);
}

/// Each student reports one to thirteen results of the three kinds; student01 listens to the
/// class, student02's pub-simple has run and ended. Returns the listener, to keep it running.
fn fill_the_room(class: &Class, names: &[String]) -> Step {
    common::block_on(async {
        for (n, name) in names.iter().enumerate() {
            let (client, _) = class.connect(name).await;
            let exercises = &course_exercises(class)[..n % 13 + 1];
            for (i, exercise) in exercises.iter().enumerate() {
                let result = ["passed", "1 of 2", "does not compile"][(n + i) % 3];
                let (body, error) =
                    common::send_report(&client, common::report_text(exercise, result)).await;
                assert!(error.is_none(), "{body} {error:?}");
            }
        }
    });
    let listener = Step::start(&mut class.step("student01", "async-sub", &["class.>"])).unwrap();
    class.wait_state("student01's subscriber", |state| {
        Class::student(state, "student01")["subscriptions"]
            .to_string()
            .contains("class.>")
    });
    let out = Step::run(
        &mut class.step("student02", "pub-simple", &["class.chat", "hello room"]),
        WAIT,
    )
    .unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    class.wait_state("student02's ended publisher", |state| {
        Class::student(state, "student02")["ended"]
            .to_string()
            .contains("pub-simple (student02)")
    });
    listener
}

/// The page at 1920×1080, as chromium renders it, then its screenshot.
fn assert_the_room(class: &Class, names: &[String]) {
    let url = format!("http://127.0.0.1:{}/", class.http);
    let dom = String::from_utf8_lossy(
        &chromium()
            .args(["--window-size=1920,1080", "--dump-dom", &url])
            .output()
            .unwrap()
            .stdout,
    )
    .to_string();
    assert!(
        dom.contains(r#"data-fits="yes""#),
        "the room does not fit 1920×1080:\n{dom}"
    );
    for name in names {
        assert!(
            dom.contains(&format!("<td>{name}</td>")),
            "{name} is missing"
        );
    }
    for exercise in course_exercises(class) {
        assert!(
            dom.contains(&format!("<span>{exercise}</span>")),
            "{exercise} is missing"
        );
    }
    // Each state: its own colour (class) and its own sign, the exercise and result as a title.
    for (state, sign) in [
        ("passed", "✓"),
        ("partial", "1/2"),
        ("broken", "✗"),
        ("none", "–"),
    ] {
        let cell = format!(r#"<td class="ex {state}" title="#);
        let at = dom.find(&cell).unwrap_or_else(|| panic!("no {state} cell"));
        let text = dom[at..].split('>').nth(1).unwrap_or_default();
        assert_eq!(text, format!("{sign}</td"), "a {state} cell");
    }
    for shown in [
        "pub-simple (student02) (ended)",
        "hello room",
        // student02's two reports (a request and its answer each) and pub-simple's message.
        "sent 3 · received 2",
    ] {
        assert!(
            dom.contains(shown),
            "the page does not show {shown}: {}",
            class.state()
        );
    }
    screenshot(&url, "room-30.png", "1920,1080");
}

/// The class's exercises, in the guide's order, as the page's JSON lists them (the classroom
/// reads them from course.rs, the one list).
fn course_exercises(class: &Class) -> Vec<String> {
    let state = class.state();
    let exercises = state["exercises"].as_array().unwrap();
    exercises
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .collect()
}
