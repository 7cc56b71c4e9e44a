//! `classroom`: a class's own NATS server, run from the teacher's machine.
//!
//! ```text
//! cargo run -p classroom -- start --students alice,bob     # or --students-file FILE
//! cargo run -p classroom -- reset [--yes]                  # new passwords, no progress
//! cargo run -p classroom -- handout DIR                    # a student copy, no solutions
//! cargo run -p classroom -- bundle DIR                     # crates and server, for offline set-up
//! ```
//!
//! `start` runs the pinned nats-server on the network with an account per student (see
//! `config.rs`), writes each student's settings file and a printable sheet into the class
//! folder (`target/class`), relays the class subjects `class.>` between the students, and
//! serves the live page. A student loads their file (`set -a; . ./alice.env; set +a`) and runs
//! the steps as the guide says; `cargo xtask check NAME` then reports to the class.
#![warn(clippy::too_many_lines)]

mod config;
#[path = "../../xtask/src/course.rs"]
#[allow(dead_code)] // the steps and exercises are what the class needs of it
mod course;
mod handout;
mod live;
mod report;
mod roster;
mod server;
mod state;
mod web;

use std::path::PathBuf;

/// What `start` was asked for.
pub struct StartOptions {
    pub students: Vec<String>,
    pub dir: PathBuf,
    pub listen: String,
    pub port: u16,
    pub http: u16,
    /// Where the page listens: the teacher's machine only, unless told otherwise.
    pub page_listen: String,
    pub monitor: u16,
    /// The address students use in NATS_URL, when `listen` is not one they can reach.
    pub advertise: Option<String>,
}

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("start") => start_options(&args[1..]).and_then(|options| server::start(&options)),
        Some("reset") => handout::reset(&args[1..]),
        Some("handout") => handout::handout(&args[1..]),
        Some("bundle") => handout::bundle(&args[1..]),
        _ => Err(String::from(
            "classroom knows start, reset, handout and bundle\nhint: cargo run -p classroom -- \
             start --students alice,bob (see docs/src/teachers.md)",
        )),
    };
    if let Err(problem) = result {
        eprintln!("classroom: {problem}");
        std::process::exit(1);
    }
}

/// The class folder: `target/class` of the workspace, unless `--dir` says otherwise.
pub fn class_dir(dir: Option<&String>) -> PathBuf {
    dir.map_or_else(
        || nats_servers::workspace_root().join("target").join("class"),
        PathBuf::from,
    )
}

fn start_options(args: &[String]) -> Result<StartOptions, String> {
    let mut options = StartOptions {
        students: Vec::new(),
        dir: class_dir(None),
        listen: "0.0.0.0".into(),
        port: 4222,
        http: 8000,
        page_listen: "127.0.0.1".into(),
        monitor: 8222,
        advertise: None,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let mut value = || args.next().cloned().ok_or(format!("{flag} needs a value"));
        let port = |text: String| {
            text.parse::<u16>()
                .map_err(|_| format!("{flag} takes a port number, not '{text}'"))
        };
        match flag.as_str() {
            "--students" => options
                .students
                .extend(value()?.split(',').map(|s| s.trim().to_string())),
            "--students-file" => {
                let path = value()?;
                let text = std::fs::read_to_string(&path)
                    .map_err(|err| format!("cannot read {path}: {err}"))?;
                // One name per line (commas work too); `#` starts a comment.
                let names = text
                    .lines()
                    .map(|line| line.split('#').next().unwrap_or_default());
                options.students.extend(
                    names
                        .flat_map(|l| l.split(','))
                        .map(|s| s.trim().to_string()),
                );
            }
            "--dir" => options.dir = class_dir(Some(&value()?)),
            "--listen" => options.listen = value()?,
            "--port" => options.port = port(value()?)?,
            "--http" => options.http = port(value()?)?,
            "--page-listen" => options.page_listen = value()?,
            "--monitor" => options.monitor = port(value()?)?,
            "--advertise" => options.advertise = Some(value()?),
            other => return Err(format!("start does not know '{other}'")),
        }
    }
    options.students.retain(|name| !name.is_empty());
    if options.students.is_empty() {
        let saved = roster::Roster::saved_names(&options.dir)?;
        if saved.is_empty() {
            return Err(
                "start needs the students: --students alice,bob or --students-file FILE".into(),
            );
        }
        options.students = saved; // a restart without the list: the same class again
    }
    Ok(options)
}
