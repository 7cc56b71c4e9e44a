//! `cargo xtask watch [EXERCISE]`: an exercise's checks on every save, as rustlings does.
//!
//! It runs `cargo xtask check EXERCISE` (which in a class also reports the result, as ever)
//! each time a file under `exercises/EXERCISE/src` is saved, says what changed in the code since
//! the last run, and leaves the checks' own "next hint" on the screen. When every check passes,
//! it moves on to the next exercise in the guide's order. Ctrl-C ends it; it changes nothing in
//! the terminal's settings, so the terminal is as it was.
//!
//! Without a name it starts with the first exercise.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use notify::{Event, EventKind, RecursiveMode, Watcher};

/// The steps and exercises in teaching order: xtask's list.
#[path = "../../xtask/src/course.rs"]
#[allow(dead_code)]
mod course;

/// The code of an exercise: each file of its `src`, by path.
type Code = BTreeMap<PathBuf, String>;

fn main() -> ExitCode {
    match watch(std::env::args().nth(1)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("watch: {why}");
            ExitCode::FAILURE
        }
    }
}

fn watch(first: Option<String>) -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let exercises = course::EXERCISES;
    let mut index = match &first {
        None => 0,
        Some(name) => exercises.iter().position(|e| e == name).ok_or_else(|| {
            format!(
                "there is no exercise '{name}'; the exercises are: {}",
                exercises.join(", ")
            )
        })?,
    };
    let (events, changes) = std::sync::mpsc::channel();
    let mut watcher =
        notify::recommended_watcher(events).map_err(|err| format!("cannot watch files ({err})"))?;
    loop {
        let name = exercises[index];
        let src = root.join("exercises").join(name).join("src");
        watcher
            .watch(&src, RecursiveMode::Recursive)
            .map_err(|err| format!("cannot watch exercises/{name}/src ({err})"))?;
        println!(
            "watch: exercises/{name}: every save in exercises/{name}/src runs its checks (Ctrl-C stops)"
        );
        let mut code = read_code(&src);
        while !check(&root, name)? {
            println!("watch: waiting for a save in exercises/{name}/src");
            wait_for_a_save(&changes)?;
            let now = read_code(&src);
            print_changes(&code, &now);
            code = now;
        }
        let _ = watcher.unwatch(&src);
        index += 1;
        let Some(next) = exercises.get(index) else {
            println!("watch: {name} passes, and it was the last exercise. Well played!");
            return Ok(());
        };
        println!(
            "\nwatch: {name} passes; on to the next exercise, {next}: read exercises/{next}/README.md\n"
        );
    }
}

/// `cargo xtask check NAME`, its output shown as it comes: true when every check passes.
fn check(root: &Path, name: &str) -> Result<bool, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["xtask", "check", name])
        .status()
        .map_err(|err| format!("cannot run cargo xtask check ({err})"))?;
    Ok(status.success())
}

/// Waits for a file to change, then for the burst of events an editor's save makes to end.
fn wait_for_a_save(changes: &Receiver<notify::Result<Event>>) -> Result<(), String> {
    let changed = |event: &notify::Result<Event>| matches!(event, Ok(event) if matches!(event.kind, EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)));
    loop {
        let event = changes
            .recv()
            .map_err(|_| "the file watcher stopped".to_string())?;
        if changed(&event) {
            break;
        }
    }
    loop {
        match changes.recv_timeout(Duration::from_millis(300)) {
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) => return Ok(()),
            Err(RecvTimeoutError::Disconnected) => return Err("the file watcher stopped".into()),
        }
    }
}

/// Every file under `dir`, read.
fn read_code(dir: &Path) -> Code {
    let mut code = Code::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for path in entries.filter_map(|entry| entry.ok().map(|entry| entry.path())) {
            if path.is_dir() {
                folders.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                code.insert(path, text);
            }
        }
    }
    code
}

/// What changed between two readings of the code, line by line (`-` gone, `+` new).
fn print_changes(before: &Code, now: &Code) {
    let files: std::collections::BTreeSet<&PathBuf> = before.keys().chain(now.keys()).collect();
    let mut lines = Vec::new();
    for file in files {
        let (old, new) = (before.get(file), now.get(file));
        if old == new {
            continue;
        }
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        lines.push(format!("  {name}:"));
        lines.extend(diff(old.map_or("", |t| t), new.map_or("", |t| t)));
    }
    if lines.is_empty() {
        println!("watch: saved, the code unchanged since the last run");
        return;
    }
    println!("watch: changed since the last run:");
    let shown = lines.len().min(40);
    for line in &lines[..shown] {
        println!("{line}");
    }
    if lines.len() > shown {
        println!("  ... and {} more line(s)", lines.len() - shown);
    }
}

/// The lines of `old` that `new` lost (`-`) and the lines it gained (`+`), in order: the
/// longest common subsequence of the two, as `diff` finds it (files of exercises are small).
fn diff(old: &str, new: &str) -> Vec<String> {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let mut common = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            common[i][j] = if a[i] == b[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            (i, j) = (i + 1, j + 1);
        } else if j < b.len() && (i == a.len() || common[i][j + 1] >= common[i + 1][j]) {
            out.push(format!("  + {}", b[j]));
            j += 1;
        } else {
            out.push(format!("  - {}", a[i]));
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::diff;

    #[test]
    fn a_diff_names_the_lines_lost_and_gained_in_order() {
        let old = "fn main() {\n    todo!()\n}\n";
        let new = "fn main() {\n    let x = 1;\n    println!(\"{x}\");\n}\n";
        assert_eq!(
            diff(old, new),
            [
                "  +     let x = 1;",
                "  +     println!(\"{x}\");",
                "  -     todo!()"
            ]
        );
        assert!(diff(old, old).is_empty());
    }
}
