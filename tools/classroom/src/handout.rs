//! The teacher's other tasks: `handout` (a student copy without the answers), `bundle` (what a
//! room needs to set up without internet) and `reset` (a new class, and what the last one left).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What a student copy leaves out: the answers, the history, the build, the teacher's CI.
const NOT_HANDED_OUT: [&str; 4] = ["solutions", "target", ".git", ".ci"];

/// `classroom handout DIR`: a fresh tree (no git history) without `solutions/`, whose
/// workspace has no solution members. The guide shows no solution line (`cargo xtask docs`
/// checks it), so it goes as it is.
pub fn handout(args: &[String]) -> Result<(), String> {
    let [dir] = args else {
        return Err("handout takes the folder to write: classroom handout ../nats-class".into());
    };
    let (root, to) = (nats_servers::workspace_root(), PathBuf::from(dir));
    if to.exists() {
        return Err(format!("{dir} exists already: name a new folder"));
    }
    copy_tree(&root, &to, &NOT_HANDED_OUT)?;
    let manifest = to.join("Cargo.toml");
    let text = fs::read_to_string(&manifest)
        .map_err(|err| format!("cannot read {}: {err}", manifest.display()))?;
    let members: Vec<&str> = text
        .lines()
        .filter(|line| line.trim() != "\"solutions/*\",")
        .collect();
    fs::write(&manifest, members.join("\n") + "\n")
        .map_err(|err| format!("cannot write {}: {err}", manifest.display()))?;
    println!("classroom: a student copy is in {dir}: no solutions/, no git history, no target/");
    println!(
        "classroom: students open it and run `cargo xtask tour`, then `cargo xtask check NAME`"
    );
    Ok(())
}

/// Copies `from` into `to`, leaving out the top-level folders `skip`.
fn copy_tree(from: &Path, to: &Path, skip: &[&str]) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|err| format!("cannot create {}: {err}", to.display()))?;
    let entries =
        fs::read_dir(from).map_err(|err| format!("cannot read {}: {err}", from.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if skip.iter().any(|skipped| name == *skipped) {
            continue;
        }
        let (path, target) = (entry.path(), to.join(&name));
        if path.is_dir() {
            copy_tree(&path, &target, &[])?;
        } else {
            fs::copy(&path, &target)
                .map_err(|err| format!("cannot copy {}: {err}", path.display()))?;
        }
    }
    Ok(())
}

/// `classroom bundle DIR`: the workspace's crates (`cargo vendor`) and the pinned nats-server
/// for this platform, with a README that says how a student sets up from them offline.
pub fn bundle(args: &[String]) -> Result<(), String> {
    let [dir] = args else {
        return Err(
            "bundle takes the folder to write: classroom bundle /media/usb/nats-class".into(),
        );
    };
    let (root, to) = (nats_servers::workspace_root(), PathBuf::from(dir));
    fs::create_dir_all(&to).map_err(|err| format!("cannot create {dir}: {err}"))?;
    let to = to
        .canonicalize()
        .map_err(|err| format!("cannot use {dir}: {err}"))?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    println!("classroom: copying every crate the workspace uses (cargo vendor)...");
    let vendored = Command::new(cargo)
        .current_dir(&root)
        .args(["vendor", "--quiet", "--versioned-dirs"])
        .arg(to.join("crates"))
        .output();
    match vendored {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            return Err(format!(
                "cargo vendor failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Err(err) => return Err(format!("cannot run cargo vendor: {err}")),
    }
    let server = nats_servers::installed_nats_server()
        .ok_or("the pinned nats-server is not installed: run `cargo xtask setup` first")?;
    let name = server.file_name().unwrap_or_default();
    fs::create_dir_all(to.join("nats-server"))
        .map_err(|err| format!("cannot create {dir}/nats-server: {err}"))?;
    fs::copy(&server, to.join("nats-server").join(name))
        .map_err(|err| format!("cannot copy {}: {err}", server.display()))?;
    // Paths relative to the student copy, into which the bundle folder is copied as `bundle/`.
    let config = "# Appended to the student copy's .cargo/config.toml: every crate comes from the bundle.\n\
                  [source.crates-io]\nreplace-with = \"class-bundle\"\n\n\
                  [source.class-bundle]\ndirectory = \"bundle/crates\"\n";
    fs::write(to.join("cargo-config.toml"), config)
        .map_err(|err| format!("cannot write the bundle: {err}"))?;
    let readme = format!(
        "# A NATS class, offline\n\nWritten by `classroom bundle` for {os}/{arch}: every crate of the \
         workspace, and nats-server {pin}.\n\nCopy this folder into the student copy (`classroom \
         handout`) as `bundle/`, then, in the student copy:\n\n\
         ```text\ncat bundle/cargo-config.toml >> .cargo/config.toml\n\
         export NATS_SERVER_BIN=\"$PWD/bundle/nats-server/{server}\"\ncargo build --offline\n```\n\n\
         From then on `cargo xtask tour`, `cargo run -p ...` and `cargo xtask check NAME` need no \
         internet (keep NATS_SERVER_BIN set in each terminal, or in the class settings file).\n",
        os = std::env::consts::OS,
        arch = std::env::consts::ARCH,
        pin = nats_servers::NATS_SERVER_PIN,
        server = name.to_string_lossy(),
    );
    fs::write(to.join("README.md"), readme)
        .map_err(|err| format!("cannot write the bundle: {err}"))?;
    println!("classroom: the bundle is in {dir}; its README.md says how students use it");
    Ok(())
}

/// `classroom reset [--dir DIR] [--yes]`: forgets the class (logins, progress, the students'
/// streams) and clears what a class leaves on this machine.
pub fn reset(args: &[String]) -> Result<(), String> {
    let yes = args.iter().any(|arg| arg == "--yes");
    let dir = args
        .iter()
        .position(|arg| arg == "--dir")
        .and_then(|at| args.get(at + 1));
    let class = crate::class_dir(dir);
    if class.join("running").exists() {
        return Err(format!(
            "the class is running ({} exists): end it with Ctrl-C first (if it is not running, \
             delete that file)",
            class.join("running").display()
        ));
    }
    let root = nats_servers::workspace_root();
    let gone = left_behind(&class, &root);
    println!("classroom reset removes:");
    for (path, what) in &gone {
        println!("  {} ({what})", path.display());
    }
    println!("  and the edits to exercises/ (git checkout and git clean of that folder)");
    if !yes && !confirmed()? {
        return Err("nothing was removed".into());
    }
    for (path, _) in &gone {
        if path.exists() {
            fs::remove_dir_all(path)
                .map_err(|err| format!("cannot remove {}: {err}", path.display()))?;
        }
    }
    for git in [
        &["checkout", "--", "exercises"][..],
        &["clean", "-fdq", "--", "exercises"],
    ] {
        let status = Command::new("git").current_dir(&root).args(git).status();
        if !status.is_ok_and(|status| status.success()) {
            println!(
                "classroom: git {} did not run: exercises/ is left as it is",
                git[0]
            );
        }
    }
    println!("classroom: reset done; the next `classroom start` makes new logins");
    Ok(())
}

/// What a class leaves on the teacher's machine: the class folder, and the folders the
/// xtask servers write (as `cargo xtask reset` lists them).
fn left_behind(class: &Path, root: &Path) -> Vec<(PathBuf, &'static str)> {
    let what = "the class: logins, settings files, sheet, progress, the students' streams";
    let mut gone = vec![(class.to_path_buf(), what)];
    for (folder, what) in nats_servers::LEFT_BEHIND {
        gone.push((root.join("target").join(folder), what));
    }
    gone
}

fn confirmed() -> Result<bool, String> {
    print!("Type yes to remove them: ");
    std::io::Write::flush(&mut std::io::stdout()).map_err(|err| err.to_string())?;
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|err| format!("cannot read the answer: {err}"))?;
    Ok(answer.trim() == "yes")
}
