//! `cargo xtask tour`: the whole tutorial, run for real and shown the way a learner would see
//! it in their terminals, ending with a verdict per step.
//!
//! The tour has no scenes of its own: each scene is a test of its lesson (a `guide` module in
//! the lesson's test file, on testkit's `scene::Script`), the same test that writes the
//! transcripts the guide shows. The tour runs those tests in the guide's order with
//! `NATS_TOUR` set, which makes them print each command and its output as they go, and shows
//! the lines they mark as theirs (libtest's own lines are left out).

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;

use crate::setup::guide_nats_server;
use crate::workspace::{self, build_steps, cargo};

/// testkit's `scene::TOUR_MARK`: the first character of every line a scene prints for the tour.
const TOUR_MARK: char = '\u{1e}';

/// The scenes in the guide's order: a package, its test target and the scene's test name.
pub const SCENES: &[(&str, &str, &str)] = &[
    ("async-sub", "async_sub", "guide::scene_1_the_go_tutorial"),
    ("auth-sub", "auth_sub", "guide::scene_authentication"),
    ("async-sub", "async_sub", "guide::scene_2_without_a_server"),
    ("wildcard-sub", "wildcard_sub", "guide::scene_wildcard"),
    ("counter-sub", "counter_sub", "guide::scene_counter"),
    ("queue-sub", "queue_sub", "guide::scene_queue_group"),
    ("reply", "reply", "guide::scene_request_reply"),
    ("headers", "headers", "guide::scene_headers"),
    (
        "pub-ticker",
        "pub_ticker",
        "guide::scene_publisher_through_an_outage",
    ),
    ("token-pub", "token_pub", "guide::scene_token"),
    ("nkey-pub", "nkey_pub", "guide::scene_nkey"),
    ("creds-pub", "creds_pub", "guide::scene_credentials"),
    ("tls-pub", "tls_pub", "guide::scene_tls"),
    ("permissions", "permissions", "guide::scene_permissions"),
    ("js-pub", "js_pub", "guide::scene_persistence"),
    ("js-retention", "js_retention", "guide::scene_retention"),
    ("js-poison", "js_poison", "guide::scene_poison"),
    ("kv", "kv", "guide::scene_key_value"),
    ("objects", "objects", "guide::scene_objects"),
    ("js-ttl", "js_ttl", "guide::scene_ttl"),
    ("js-priority", "js_priority", "guide::scene_priority"),
    ("js-counter", "js_counter", "guide::scene_counter"),
    ("js-schedule", "js_schedule", "guide::scene_schedule"),
    ("js-pub", "replicated", "guide::scene_replication"),
    ("service", "service", "guide::scene_services"),
    ("gather", "gather", "guide::scene_gather"),
    ("mapping", "mapping", "guide::scene_mapping"),
    ("js-mirror", "js_mirror", "guide::scene_mirror"),
    ("leaf", "leaf", "guide::scene_leaf"),
    ("trace", "trace", "guide::scene_trace"),
    ("web", "web", "guide::scene_web"),
    ("cluster-sub", "cluster_sub", "guide::scene_1_failover"),
    ("cluster-sub", "cluster_sub", "guide::scene_2_frozen_node"),
];

/// The whole tour, or the scenes of one `lesson` (a package) only.
pub fn run(lesson: Option<&str>) -> Result<(), String> {
    let scenes: Vec<_> = SCENES
        .iter()
        .filter(|(package, _, _)| lesson.is_none_or(|lesson| lesson == *package))
        .collect();
    if scenes.is_empty() {
        let lessons: Vec<&str> = SCENES.iter().map(|(package, _, _)| *package).collect();
        return Err(format!(
            "no lesson named '{}' has scenes; these have: {}",
            lesson.unwrap_or_default(),
            lessons.join(", ")
        ));
    }
    // The server version the guide was recorded with, so that the tour shows the same.
    let server = guide_nats_server()?;
    build_steps()?;
    println!("xtask: building the lessons' tests, which play the tour's scenes");
    let mut build = cargo();
    build.args(["test", "--no-run", "--quiet"]);
    for (package, test, _) in &scenes {
        build.args(["--package", package, "--test", test]);
    }
    if !workspace::status(&mut build)?.success() {
        return Err("the lessons' tests do not build".into());
    }
    let transcripts = workspace::root().join("target").join("tour");
    let mut failed = Vec::new();
    for (package, test, scene) in &scenes {
        let mut command = cargo();
        command
            .args([
                "test",
                "--quiet",
                "--package",
                package,
                "--test",
                test,
                "--",
            ])
            .args([scene, "--exact", "--nocapture", "--test-threads=1"])
            .env("NATS_TOUR", "1")
            .env("NATS_SERVER_BIN", &server)
            .env("NATS_TRANSCRIPTS", &transcripts);
        if !play(&mut command)? {
            failed.push(format!("{package}: {scene}"));
        }
    }
    println!("\n== Summary ==");
    if failed.is_empty() {
        let played = scenes.len();
        println!("{played} scene(s) played: every step behaved as the tutorial describes.");
        Ok(())
    } else {
        Err(format!(
            "{} scene(s) failed:\n{}",
            failed.len(),
            failed.join("\n")
        ))
    }
}

/// Runs one scene's test, showing the lines the scene marks; on a failure, libtest's own
/// lines too (the panic and its reason) and cargo's. Whether it passed.
fn play(command: &mut std::process::Command) -> Result<bool, String> {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("cannot run cargo test: {err}"))?;
    let mut stderr = child.stderr.take();
    // Read stderr aside, so that a full pipe cannot stall the test.
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(stderr) = stderr.as_mut() {
            let _ = stderr.read_to_string(&mut text);
        }
        text
    });
    let mut other = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            match line.strip_prefix(TOUR_MARK) {
                Some(shown) => println!("{shown}"),
                None => other.push(line),
            }
        }
    }
    let status = child
        .wait()
        .map_err(|err| format!("cargo test did not end: {err}"))?;
    if !status.success() {
        println!(
            "{}\n{}",
            other.join("\n"),
            errors.join().unwrap_or_default()
        );
    }
    Ok(status.success())
}

#[cfg(test)]
mod tests {
    use super::SCENES;

    /// Every scene test of the lessons (a `fn scene_...` in a test file's `guide` module) is in
    /// the tour, under its package and test target; and every scene listed exists.
    #[test]
    fn the_tour_plays_every_scene_test_and_only_those() {
        let root = crate::workspace::root();
        let mut found = Vec::new();
        for (part, package) in crate::course::STEPS {
            let tests = root.join(part).join(package).join("tests");
            let mut files: Vec<_> = std::fs::read_dir(&tests)
                .map(|entries| entries.flatten().map(|entry| entry.path()).collect())
                .unwrap_or_default();
            files.sort();
            for file in files {
                let text = std::fs::read_to_string(&file).unwrap_or_default();
                let Some((_, guide)) = text.split_once("\nmod guide {") else {
                    continue;
                };
                let target = file
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default();
                for line in guide.lines() {
                    if let Some(name) = line.trim().strip_prefix("fn scene_") {
                        let name = name.split('(').next().unwrap_or_default();
                        let scene = format!("guide::scene_{name}");
                        found.push((package.to_string(), target.to_string(), scene));
                    }
                }
            }
        }
        let mut listed: Vec<(String, String, String)> = SCENES
            .iter()
            .map(|(p, t, s)| (p.to_string(), t.to_string(), s.to_string()))
            .collect();
        listed.sort();
        found.sort();
        assert_eq!(listed, found);
    }
}
