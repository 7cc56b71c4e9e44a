//! The teacher's other tasks: `handout` (a student copy without the answers), `bundle` (what a
//! room needs to set up without internet) and `reset` (a new class, and what the last one left).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What a student copy leaves out, besides the files found by [`answers_in`]: the answers and
/// the teacher's CI. (No history, build or untracked file is in a `git archive` anyway.)
const NOT_HANDED_OUT: [&str; 2] = ["solutions", ".ci"];

/// `classroom handout DIR`: the workspace's last commit (`git archive HEAD`), never its working
/// tree: a solved exercise, a saved settings file or an untracked file of the teacher's stays
/// out. It leaves out `solutions/`, every test file that shows a solution's line, and the
/// solution packages of `Cargo.toml` and `Cargo.lock`.
pub fn handout(args: &[String]) -> Result<(), String> {
    let [dir] = args else {
        return Err("handout takes the folder to write: classroom handout ../nats-class".into());
    };
    let (root, to) = (nats_servers::workspace_root(), PathBuf::from(dir));
    if to.exists() {
        return Err(format!("{dir} exists already: name a new folder"));
    }
    let changed = git(&root, &["status", "--porcelain"]).map_err(|_| {
        format!(
            "{} is not a git checkout: a handout is made from the last commit (git archive), so \
             that nothing of the working tree goes into it\nhint: run it in a clone of the \
             workspace",
            root.display()
        )
    })?;
    fs::create_dir_all(&to).map_err(|err| format!("cannot create {dir}: {err}"))?;
    extract_head(&root, &to)?;
    for folder in NOT_HANDED_OUT {
        let _ = fs::remove_dir_all(to.join(folder));
    }
    for (file, exercise) in answers_in(&to)? {
        fs::remove_file(to.join(&file)).map_err(|err| format!("cannot remove {file}: {err}"))?;
        println!("classroom: left out {file}: it shows a line of the {exercise} solution");
    }
    without_solutions(&to.join("Cargo.toml"), |text| {
        let lines = text
            .lines()
            .filter(|line| line.trim() != "\"solutions/*\",");
        lines.collect::<Vec<_>>().join("\n") + "\n"
    })?;
    without_solutions(&to.join("Cargo.lock"), |text| {
        let blocks = text.split("\n[[package]]\n");
        let kept = blocks.filter(|block| !block.starts_with("name = \"solution-"));
        kept.collect::<Vec<_>>().join("\n[[package]]\n")
    })?;
    let changes = changed.lines().count();
    if changes > 0 {
        println!(
            "classroom: {changes} uncommitted change(s) of the workspace are not in the handout \
             (see git status): it holds the last commit"
        );
    }
    println!("classroom: a student copy is in {dir}: the last commit, without solutions/");
    println!(
        "classroom: students open it and run `cargo xtask tour`, then `cargo xtask check NAME`"
    );
    Ok(())
}

/// git in `root`; its output, or its error.
fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git").current_dir(root).args(args).output();
    match out {
        Ok(out) if out.status.success() => Ok(String::from_utf8_lossy(&out.stdout).into()),
        Ok(out) => Err(String::from_utf8_lossy(&out.stderr).trim().to_string()),
        Err(err) => Err(format!("cannot run git: {err}")),
    }
}

/// The files of the last commit into `to`: git writes a tar archive, tar unpacks it (tar comes
/// with Linux, macOS and Windows 10 and later).
fn extract_head(root: &Path, to: &Path) -> Result<(), String> {
    let archive = to.join(".handout.tar");
    let path = archive.display().to_string();
    git(
        root,
        &["archive", "--format=tar", "--output", &path, "HEAD"],
    )
    .map_err(|err| format!("git archive failed: {err}"))?;
    let unpacked = Command::new("tar")
        .arg("-xf")
        .arg(&archive)
        .arg("-C")
        .arg(to)
        .status();
    let _ = fs::remove_file(&archive);
    match unpacked {
        Ok(status) if status.success() => Ok(()),
        _ => Err("tar could not unpack the workspace's archive".into()),
    }
}

fn without_solutions(path: &Path, edit: impl Fn(&str) -> String) -> Result<(), String> {
    let text =
        fs::read_to_string(path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    fs::write(path, edit(&text)).map_err(|err| format!("cannot write {}: {err}", path.display()))
}

/// The test files of the copy at `root` that show a line of a solution: a line of
/// `solutions/NAME/src/main.rs` of 12 characters or more that is neither in a starter nor in
/// any lesson (both are handed out). Any other file that shows one stops the handout: it
/// cannot be left out without breaking the build, and must be changed in the workspace.
pub fn answers_in(copy: &Path) -> Result<Vec<(String, String)>, String> {
    let answers = solution_lines(&nats_servers::workspace_root())?;
    let mut found = Vec::new();
    for file in files(copy, copy) {
        let Ok(text) = fs::read_to_string(copy.join(&file)) else {
            continue;
        };
        let shown = text
            .lines()
            .map(str::trim)
            .find_map(|line| answers.get(line));
        let Some(exercise) = shown else { continue };
        if !file.split('/').any(|part| part == "tests") {
            return Err(format!(
                "{file} shows a line of the {exercise} solution, and is not a test that can be \
                 left out\nhint: change that line in the workspace, commit, and hand out again"
            ));
        }
        found.push((file, exercise.clone()));
    }
    Ok(found)
}

/// Each solution's own lines, with the exercise they answer.
fn solution_lines(root: &Path) -> Result<std::collections::HashMap<String, String>, String> {
    let lines = |path: &Path| -> Vec<String> {
        let text = fs::read_to_string(path).unwrap_or_default();
        let significant = text
            .lines()
            .map(str::trim)
            .filter(|l| l.len() >= 12 && !l.starts_with("//"));
        significant.map(String::from).collect()
    };
    let mut taught = std::collections::HashSet::new();
    for (part, step) in crate::course::STEPS {
        let src = root.join(part).join(step).join("src");
        for file in files(&src, &src) {
            taught.extend(lines(&src.join(file)));
        }
    }
    // Every starter is handed out, so a line that one of them shows gives nothing away, even
    // when another exercise's solution has it too.
    let main =
        |folder: &str, exercise: &str| root.join(folder).join(exercise).join("src").join("main.rs");
    for exercise in crate::course::EXERCISES {
        taught.extend(lines(&main("exercises", exercise)));
    }
    let mut answers = std::collections::HashMap::new();
    for exercise in crate::course::EXERCISES {
        for line in lines(&main("solutions", exercise)) {
            if !taught.contains(&line) {
                answers.insert(line, exercise.to_string());
            }
        }
    }
    Ok(answers)
}

/// The files under `dir`, as paths relative to `base` with `/` between folders.
fn files(dir: &Path, base: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files(&path, base));
        } else if let Ok(relative) = path.strip_prefix(base) {
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into())
                .collect();
            found.push(parts.join("/"));
        }
    }
    found
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
    let readme = bundle_readme(&name.to_string_lossy());
    fs::write(to.join("README.md"), readme)
        .map_err(|err| format!("cannot write the bundle: {err}"))?;
    println!("classroom: the bundle is in {dir}; its README.md says how students use it");
    Ok(())
}

/// The bundle's README: what a student does with it, for the server binary `server`.
fn bundle_readme(server: &str) -> String {
    format!(
        "# A NATS class, offline\n\nWritten by `classroom bundle` for {os}/{arch}: every crate of the \
         workspace, and nats-server {pin}.\n\nCopy this folder into the student copy (`classroom \
         handout`) as `bundle/`, then, in the student copy:\n\n\
         ```text\ncat bundle/cargo-config.toml >> .cargo/config.toml\n\
         export NATS_SERVER_BIN=\"$PWD/bundle/nats-server/{server}\"\ncargo build --offline\n```\n\n\
         From then on `cargo xtask tour`, `cargo run -p ...` and `cargo xtask check NAME` need no \
         internet. Set NATS_SERVER_BIN in each terminal that starts a server of its own (the \
         tour, `cargo xtask server`, the checks), as above, or once in your shell's profile; \
         the class settings file is not the place: your teacher's `classroom start` writes it \
         anew.\n",
        os = std::env::consts::OS,
        arch = std::env::consts::ARCH,
        pin = nats_servers::NATS_SERVER_PIN,
    )
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
