//! `cargo xtask build-bench`: how long a learner waits for the first build, measured.
//!
//! In one run, from clean and with separate target folders, it builds
//! (a) the workspace's `async-sub` step (what the first `cargo run -p async-sub` compiles), and
//! (b) the same `main.rs` in a throw-away crate with the naive choices: async-nats, tokio
//!     (`full`) and env_logger with their default features, and the default `[profile.dev]`,
//! then prints both wall times and their ratio; then the whole workspace's default members;
//! then (e) the `service` step alone (the service API and serde's derive), (f) `js-pull` alone
//! (JetStream) and `objects` alone (JetStream and the object store); then the time to
//! rebuild and start the step after an edit of its `main.rs`. It works on a
//! copy of the sources in `target/build-bench`, so the tree is never touched.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::workspace::{self, cargo};

/// The steps built alone, cold, for (e) and (f).
const ALONE: [&str; 3] = ["service", "js-pull", "objects"];

pub fn run() -> Result<(), String> {
    let root = workspace::root();
    let bench = root.join("target").join("build-bench");
    let copy = bench.join("workspace");
    let baseline = bench.join("baseline");
    for dir in [&copy, &baseline] {
        if dir.exists() {
            fs::remove_dir_all(dir)
                .map_err(|err| format!("cannot clean {}: {err}", dir.display()))?;
        }
    }
    copy_workspace(&root, &copy)?;
    write_baseline(&root, &baseline)?;
    // Fetch everything first, so that download time is not counted as build time.
    for dir in [&copy, &baseline] {
        run_cargo(dir, &["fetch"], None)?;
    }

    println!("xtask: (a) the workspace, cold: cargo build -p async-sub");
    let workspace = time_cargo(&copy, &["build", "-p", "async-sub"], &copy.join("target"))?;
    println!("xtask: (b) the naive baseline, cold: cargo build (same main.rs)");
    let naive = time_cargo(&baseline, &["build"], &baseline.join("target"))?;
    println!("xtask: (c) the whole workspace's steps, cold: cargo build");
    let all_target = bench.join("all-target");
    let all = time_cargo(&copy, &["build"], &all_target)?;

    // (e) and (f): steps whose async-nats features cost a build of their own (a step alone
    // builds async-nats with its own features): the service API; JetStream, then JetStream
    // and the object store, whose difference is the object store's cost.
    let mut alone = Vec::new();
    for step in ALONE {
        println!("xtask: {step} alone, cold: cargo build -p {step}");
        let target = bench.join(format!("{step}-target"));
        alone.push(time_cargo(&copy, &["build", "-p", step], &target)?);
    }

    let (rebuild, edit_to_run) = edit_rebuild_start(&copy)?;

    report([workspace, naive, all, rebuild, edit_to_run], &alone)
}

/// (d): edits async-sub's lesson in the copy, then times its rebuild, and its rebuild and start
/// (against a port where nothing listens, so that it prints its error and exits).
fn edit_rebuild_start(copy: &Path) -> Result<(Duration, Duration), String> {
    println!("xtask: (d) edit tutorial/async-sub/src/main.rs, then rebuild and start it");
    let main_rs = copy.join("tutorial/async-sub/src/main.rs");
    let source = fs::read_to_string(&main_rs).map_err(|err| err.to_string())?;
    fs::write(&main_rs, format!("{source}// edited by build-bench\n"))
        .map_err(|err| err.to_string())?;
    let started = Instant::now();
    run_cargo(
        copy,
        &["build", "-p", "async-sub"],
        Some(&copy.join("target")),
    )?;
    let rebuild = started.elapsed();
    let exe = copy
        .join("target/debug")
        .join(format!("async-sub{}", std::env::consts::EXE_SUFFIX));
    let port = nats_servers::free_port().map_err(|err| err.0)?;
    let status = Command::new(&exe)
        .env("NATS_URL", format!("nats://127.0.0.1:{port}"))
        .output()
        .map_err(|err| format!("cannot start {}: {err}", exe.display()))?;
    if status.status.code() != Some(1) {
        return Err(format!(
            "the rebuilt step did not run as expected: {status:?}"
        ));
    }
    Ok((rebuild, started.elapsed()))
}

/// Prints the figures: (a) to (f), as the README's table shows them.
fn report(
    [workspace, naive, all, rebuild, edit_to_run]: [Duration; 5],
    alone: &[Duration],
) -> Result<(), String> {
    let ratio = workspace.as_secs_f64() / naive.as_secs_f64();
    let secs = |duration: &Duration| duration.as_secs_f64();
    println!();
    println!("build-bench on {} cores:", num_cpus());
    println!(
        "  (a) workspace, cold build of async-sub    {:>7.1} s",
        secs(&workspace)
    );
    println!(
        "  (b) naive baseline, cold build            {:>7.1} s",
        secs(&naive)
    );
    println!("      ratio (a) / (b)                       {ratio:>7.2}   (target <= 0.50)");
    println!(
        "  (c) workspace, cold build of every step   {:>7.1} s",
        secs(&all)
    );
    println!(
        "  (d) edit, rebuild async-sub               {:>7.2} s",
        secs(&rebuild)
    );
    println!(
        "      edit, rebuild and start async-sub     {:>7.2} s   (target <= 2 s)",
        secs(&edit_to_run)
    );
    if let [service, js_pull, objects] = alone {
        let over = |step: &Duration| secs(step) - secs(&workspace);
        println!(
            "  (e) a service step, cold build of service {:>7.1} s   ({:+.1} s over (a))",
            secs(service),
            over(service)
        );
        println!(
            "  (f) JetStream, cold build of js-pull      {:>7.1} s   ({:+.1} s over (a))",
            secs(js_pull),
            over(js_pull)
        );
        println!(
            "      and the object store: objects         {:>7.1} s   ({:+.1} s over js-pull)",
            secs(objects),
            secs(objects) - secs(js_pull)
        );
    }
    let duplicates = duplicate_crates()?;
    if duplicates.is_empty() {
        println!("  crates built in two versions for the steps: none");
    } else {
        println!(
            "  crates built in two versions for the steps: {}",
            duplicates.join(", ")
        );
    }
    Ok(())
}

/// Crates that cargo builds in more than one version for the workspace (`cargo tree -d`, normal
/// and build edges, this platform), as `name vX.Y.Z` lines.
pub fn duplicate_crates() -> Result<Vec<String>, String> {
    let output = cargo()
        .args([
            "tree",
            "--workspace",
            "--duplicates",
            "--edges",
            "normal,build",
            "--prefix",
            "none",
            "--depth",
            "0",
        ])
        .output()
        .map_err(|err| {
            format!(
                "cannot run cargo tree in {}: {err}",
                workspace::root().display()
            )
        })?;
    if !output.status.success() {
        return Err(format!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let mut names: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| line.trim_end_matches(" (*)").to_string())
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}

/// The duplicates the workspace accepts: getrandom 0.2 (ring's) and 0.4 (rand's, for
/// async-nats), two small crates that no pin can merge: ring 0.17 needs the one, rand 0.10 the
/// other. And what nkeys 0.4 brings (the newest nkeys, the one async-nats's own `nkeys`
/// feature uses): rand 0.8 with rand_core 0.6, and ed25519-dalek's cpufeatures 0.2, beside
/// async-nats's rand 0.10 (rand_core 0.10, cpufeatures 0.3). Only the nkey and credentials
/// steps and the test fixtures build nkeys; a learner's first step has none of them.
const ACCEPTED_DUPLICATES: &[&str] = &["getrandom", "rand", "rand_core", "cpufeatures"];

/// `cargo xtask test`'s check that no heavy crate is compiled twice: a second `syn`, for
/// example, adds about 3 s to every learner's first build. The pins in the root `Cargo.toml`
/// keep it so; this notices when they stop working.
pub fn check_duplicates() -> Result<(), String> {
    let unexpected: Vec<String> = duplicate_crates()?
        .into_iter()
        .filter(|line| {
            let name = line.split(' ').next().unwrap_or_default();
            !ACCEPTED_DUPLICATES.contains(&name)
        })
        .collect();
    if unexpected.is_empty() {
        println!("xtask: one version of every crate (besides {ACCEPTED_DUPLICATES:?})");
        Ok(())
    } else {
        Err(format!(
            "crates compiled in two versions: {}.\nhint: `cargo tree -i NAME@VERSION` shows \
             who brings each; pin the newer dependant back in the root Cargo.toml (see its \
             version pins) or remove a pin that no longer does its job",
            unexpected.join(", ")
        ))
    }
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Copies what cargo needs of the workspace (not `target/`, `.git/` or the guide).
fn copy_workspace(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|err| err.to_string())?;
    for entry in fs::read_dir(from).map_err(|err| err.to_string())? {
        let entry = entry.map_err(|err| err.to_string())?;
        let name = entry.file_name();
        if ["target", ".git", "docs"].iter().any(|skip| name == *skip) {
            continue;
        }
        copy_tree(&entry.path(), &to.join(&name))?;
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    if from.is_dir() {
        fs::create_dir_all(to).map_err(|err| err.to_string())?;
        for entry in fs::read_dir(from).map_err(|err| err.to_string())? {
            let entry = entry.map_err(|err| err.to_string())?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        fs::copy(from, to)
            .map(|_| ())
            .map_err(|err| format!("cannot copy {}: {err}", from.display()))
    }
}

/// The naive crate: the same program, default features everywhere, default profile.
fn write_baseline(root: &Path, dir: &Path) -> Result<(), String> {
    fs::create_dir_all(dir.join("src")).map_err(|err| err.to_string())?;
    let manifest = r#"[package]
name = "baseline"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
async-nats = "0.51"
env_logger = "0.11"
futures = "0.3"
log = "0.4"
tokio = { version = "1", features = ["full"] }

# Not part of the tutorial's workspace.
[workspace]
"#;
    fs::write(dir.join("Cargo.toml"), manifest).map_err(|err| err.to_string())?;
    // No Cargo.lock: like a learner's new crate, the baseline gets the newest versions. The
    // workspace's version pins (root Cargo.toml) are among the choices being measured.
    // The same program; its StreamExt comes from the `futures` facade, the usual first choice.
    // Its support crate comes along as a module, the way the guide's set-up chapter tells a
    // learner to take a step out of the workspace.
    let source = fs::read_to_string(root.join("tutorial/async-sub/src/main.rs"))
        .map_err(|err| err.to_string())?
        .replace("use futures_util::StreamExt;", "use futures::StreamExt;");
    let source = source.replacen(
        "\nuse ",
        "\n#[allow(dead_code)] // the step calls only some of it\nmod stepkit;\n\nuse ",
        1,
    );
    fs::write(dir.join("src").join("main.rs"), source).map_err(|err| err.to_string())?;
    // stepkit beside it, as the module `stepkit` (lib.rs), and the files it includes.
    for (from, to) in crate::take_out::STEPKIT_FILES {
        fs::copy(
            root.join("tools/stepkit/src").join(from),
            dir.join("src").join(to),
        )
        .map_err(|err| format!("cannot copy stepkit's {from}: {err}"))?;
    }
    Ok(())
}

fn time_cargo(dir: &Path, args: &[&str], target: &Path) -> Result<Duration, String> {
    if target.exists() {
        fs::remove_dir_all(target).map_err(|err| err.to_string())?;
    }
    let started = Instant::now();
    run_cargo(dir, args, Some(&target.to_path_buf()))?;
    Ok(started.elapsed())
}

fn run_cargo(dir: &Path, args: &[&str], target: Option<&PathBuf>) -> Result<(), String> {
    let mut command = cargo();
    command.current_dir(dir).args(args).arg("--quiet");
    if let Some(target) = target {
        command.env("CARGO_TARGET_DIR", target);
    }
    let status = workspace::status(&mut command)?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "cargo {} failed in {}: {status}",
            args.join(" "),
            dir.display()
        ))
    }
}
