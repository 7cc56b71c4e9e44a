//! `cargo xtask take-out STEP DIR`: a step as a crate of its own, outside the workspace, the way
//! the set-up chapter describes it: the lesson's `main.rs`, stepkit's one file beside it as a
//! module, and the dependencies the step's `Cargo.toml` declares, written out with their
//! versions and features (read from `cargo metadata`, not from the TOML by hand). The
//! workspace's `Cargo.lock` comes along, so the copy builds the versions the step was tested
//! with, offline if need be.

use std::fs;
use std::path::Path;

use crate::workspace::{self, cargo};

/// `cargo xtask take-out STEP DIR`.
pub fn run(args: &[String]) -> Result<(), String> {
    let [step, dir] = args else {
        return Err(
            "take-out takes a step and a folder: cargo xtask take-out async-sub ../my-sub".into(),
        );
    };
    let dir = Path::new(dir);
    take_out(step, dir)?;
    println!(
        "xtask: {step} is now a crate of its own in {}: cd there and `cargo run` (with a server \
         running, as the step's header says)",
        dir.display()
    );
    Ok(())
}

/// Writes `step` as a crate of its own into `dir`, which must not exist yet.
fn take_out(step: &str, dir: &Path) -> Result<(), String> {
    if dir.exists() {
        return Err(format!(
            "{} exists already: name a new folder",
            dir.display()
        ));
    }
    let root = workspace::root();
    let manifest = manifest(step, &dependencies(step)?);
    let lesson = fs::read_to_string(workspace::lesson_path(step)?)
        .map_err(|err| format!("{step} has no src/main.rs ({err}): is it a step?"))?;
    // `mod stepkit;` before the first `use`, after the lesson's `//!` header.
    let module = "\n// The workspace's support crate, as a module: the plumbing around the lesson.\n\
                  #[allow(dead_code)] // this step calls only some of it\nmod stepkit;\n\nuse ";
    let lesson = lesson.replacen("\nuse ", module, 1);
    let src = dir.join("src");
    fs::create_dir_all(&src).map_err(|err| format!("cannot create {}: {err}", src.display()))?;
    let write = |path: &Path, text: &str| {
        fs::write(path, text).map_err(|err| format!("cannot write {}: {err}", path.display()))
    };
    write(&dir.join("Cargo.toml"), &manifest)?;
    write(&src.join("main.rs"), &lesson)?;
    // stepkit's files: lib.rs as the module, and the two it includes beside it.
    let files = [
        ("lib.rs", "stepkit.rs"),
        ("shown.rs", "shown.rs"),
        ("version.rs", "version.rs"),
    ];
    for (from, to) in files {
        let to = src.join(to);
        fs::copy(root.join("tools/stepkit/src").join(from), to)
            .map_err(|err| format!("cannot copy stepkit's {from}: {err}"))?;
    }
    fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
        .map_err(|err| format!("cannot copy Cargo.lock: {err}"))?;
    Ok(())
}

/// stepkit as a step outside the workspace takes it (take-out, build-bench's baseline): lib.rs
/// as the module `stepkit`, and the files it includes beside it.
pub const STEPKIT_FILES: [(&str, &str); 3] = [
    ("lib.rs", "stepkit.rs"),
    ("shown.rs", "shown.rs"),
    ("version.rs", "version.rs"),
];

/// The dependencies `step` declares (not its dev-dependencies, not stepkit, which becomes a
/// module), as `Cargo.toml` lines with versions and features.
fn dependencies(step: &str) -> Result<Vec<String>, String> {
    let output =
        workspace::output(cargo().args(["metadata", "--no-deps", "--format-version", "1"]))?;
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|err| format!("cargo metadata did not give JSON: {err}"))?;
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let package = packages
        .iter()
        .find(|package| package["name"] == step)
        .ok_or_else(|| format!("the workspace has no package {step}"))?;
    let dependencies = package["dependencies"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    Ok(dependencies
        .iter()
        .filter(|dependency| dependency["kind"].is_null() && dependency["name"] != "stepkit")
        .map(dependency_line)
        .collect())
}

/// One dependency as `cargo metadata` describes it, as a line of `[dependencies]`.
fn dependency_line(dependency: &serde_json::Value) -> String {
    let name = dependency["name"].as_str().unwrap_or_default();
    let version = dependency["req"].as_str().unwrap_or("*");
    let mut line = format!("{name} = {{ version = \"{version}\"");
    if dependency["uses_default_features"] == false {
        line.push_str(", default-features = false");
    }
    let features: Vec<String> = dependency["features"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|feature| feature.as_str().map(|feature| format!("\"{feature}\"")))
        .collect();
    if !features.is_empty() {
        line.push_str(&format!(", features = [{}]", features.join(", ")));
    }
    line + " }"
}

/// The taken-out crate's manifest: its own package, named after the step, and its dependencies.
fn manifest(step: &str, dependencies: &[String]) -> String {
    format!(
        "[package]\nname = \"my-{step}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
         [dependencies]\n{}\n",
        dependencies.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dependency_keeps_its_version_features_and_default_features() {
        let nats = serde_json::json!({
            "name": "async-nats", "req": "^0.51", "features": ["ring", "kv"],
            "uses_default_features": false, "kind": null
        });
        assert_eq!(
            dependency_line(&nats),
            r#"async-nats = { version = "^0.51", default-features = false, features = ["ring", "kv"] }"#
        );
        let log = serde_json::json!({"name": "log", "req": "^0.4", "features": [], "uses_default_features": true});
        assert_eq!(dependency_line(&log), r#"log = { version = "^0.4" }"#);
    }
}
