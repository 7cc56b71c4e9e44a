//! A lesson's scene: the guide's commands, run as a learner runs them in their terminals, by
//! the lesson's own test. It checks what each step does and writes every piece of output that
//! the guide shows as a transcript, normalised (ports, times, ids), under its block's name:
//! `target/transcripts/<block>.txt`. `cargo xtask docs` holds the guide's output blocks to those
//! transcripts, and `cargo xtask tour` runs the same tests with `NATS_TOUR` set, which prints
//! each command and its output as the scene unfolds. A scene is written once, here.
//!
//! Wording is the transcripts' to hold: a scene waits on the data a line carries (`'foo'`, a
//! payload) or on the server (`wait_subscribed`), and claim tests do the same, so that a
//! reworded log line fails its scene and `cargo xtask docs`, and no claim test.

use std::io::Write;
use std::path::PathBuf;

use nats_servers::{Cluster, NatsServer, PATIENCE, ServerOptions, free_port};

use crate::Step;
use crate::workspace_step as binary;
pub use fixes::{Played, steady_ids, whole_seconds};
pub use program::{Expect, Program, fails, ok, terminal};
pub use transcript::{client_log, command_line, refused_connection_log};

mod edge;
mod fixes;
mod program;
mod show;
mod transcript;

/// How long sync-sub waits for each message here (its default, 10 s, is long to watch).
pub const SYNC_SUB_SECONDS: &str = "3";

/// The first character of every line a scene prints for the tour: `cargo xtask tour` shows
/// those lines and leaves out libtest's own.
pub const TOUR_MARK: char = '\u{1e}';

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Print everything for a person, as the tutorial unfolds (`NATS_TOUR` is set), and record.
    Tour,
    /// Record the transcripts only.
    Docs,
}

/// A step started in one of the learner's terminals.
pub struct Running {
    terminal: u8,
    name: &'static str,
    command_line: String,
    step: Step,
    /// Lines of output already shown.
    shown: usize,
    command_shown: bool,
}

impl Running {
    /// Every line the step printed so far: for a scene's own assertions on what it did.
    pub fn lines(&self) -> Vec<String> {
        self.step.lines()
    }
}

pub struct Script {
    mode: Mode,
    /// Where transcripts go: `NATS_TRANSCRIPTS`, else the workspace's `target/transcripts`.
    transcripts: PathBuf,
    /// The current server's URL: steps get it as NATS_URL without showing it.
    url: String,
    /// Every loopback port used, with the port recorded outputs show instead (the tutorial's
    /// 4222, or 4222-4224 for the nodes of a cluster, as `cargo xtask cluster` uses).
    ports: Vec<(u16, u16)>,
    verdicts: Vec<(String, Result<(), String>)>,
    /// Texts that recorded outputs show differently: a file the tour made in a folder of its
    /// own appears where `cargo xtask server` writes it (`target/tls/ca.pem`, say).
    aliases: Vec<(String, String)>,
    /// Settings every step gets without showing them (the hub's URL of [`Script::edge`]).
    hidden_env: Vec<(&'static str, String)>,
}

impl Script {
    /// A scene's script: it prints for the tour when `NATS_TOUR` is set.
    pub fn new() -> Self {
        let tour = std::env::var_os("NATS_TOUR").is_some_and(|value| !value.is_empty());
        let transcripts = std::env::var_os("NATS_TRANSCRIPTS")
            .map(PathBuf::from)
            .unwrap_or_else(|| crate::workspace_root().join("target").join("transcripts"));
        Script {
            mode: if tour { Mode::Tour } else { Mode::Docs },
            transcripts,
            aliases: Vec::new(),
            hidden_env: Vec::new(),
            url: String::new(),
            ports: Vec::new(),
            verdicts: Vec::new(),
        }
    }

    /// Prints `text` for the tour, each line marked as the scene's (see [`TOUR_MARK`]).
    fn print(&self, text: &str) {
        if self.mode == Mode::Tour {
            let mut out = std::io::stdout().lock();
            for line in text.split('\n') {
                let _ = writeln!(out, "{TOUR_MARK}{line}");
            }
        }
    }

    /// A section title (tour only).
    pub fn heading(&self, title: &str) {
        self.print(&format!("\n== {title} =="));
    }

    /// A line for the person watching the tour.
    pub fn say(&self, text: &str) {
        self.print(text);
    }

    /// Starts a nats-server; the steps that follow connect to it.
    pub fn server(&mut self, options: ServerOptions) -> Result<NatsServer, String> {
        let server = NatsServer::start(options).map_err(|err| err.0)?;
        self.url = server.url();
        self.ports.push((server.port(), 4222));
        Ok(server)
    }

    /// Starts a three-node cluster (n1, n2, n3); steps connect to all three nodes, in order.
    pub fn cluster(&mut self) -> Result<Cluster, String> {
        self.cluster_with(ServerOptions::new())
    }

    /// [`Script::cluster`] with `options` for every node (JetStream, for example).
    pub fn cluster_with(&mut self, options: ServerOptions) -> Result<Cluster, String> {
        let cluster = Cluster::start_with(3, options).map_err(|err| err.0)?;
        for index in 0..cluster.len() {
            self.ports
                .push((cluster.node(index).port(), 4222 + index as u16));
        }
        self.url = cluster.urls();
        Ok(cluster)
    }

    /// From now on, steps connect to `url` (not shown in command lines, like the default).
    pub fn use_url(&mut self, url: &str) {
        self.url = url.to_string();
    }

    /// From now on, steps connect to a port where no server listens.
    /// Returns that port, where a server can be started later.
    pub fn use_unused_url(&mut self) -> Result<u16, String> {
        let port = free_port().map_err(|err| err.0)?;
        self.ports.push((port, 4222));
        self.url = format!("nats://127.0.0.1:{port}");
        Ok(port)
    }

    /// Records the outcome of a check for `step` (the first failure of a step is kept).
    pub fn check(&mut self, step: &str, outcome: Result<(), String>) {
        match self.verdicts.iter_mut().find(|(name, _)| name == step) {
            Some((_, verdict)) => {
                if verdict.is_ok() {
                    *verdict = outcome;
                }
            }
            None => self.verdicts.push((step.to_string(), outcome)),
        }
    }

    /// Records a piece of output as the transcript `block` (and shows it, on the tour).
    pub fn emit(&mut self, block: &str, text: &str) {
        self.print(text);
        self.record(block, text);
    }

    /// Records a piece of output as the transcript `block`, without showing it.
    pub fn record(&mut self, block: &str, text: &str) {
        let file = self.transcripts.join(format!("{block}.txt"));
        let written = file
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&file, self.normalize(text) + "\n"));
        if let Err(err) = written {
            self.check(
                block,
                Err(format!("cannot write {}: {err}", file.display())),
            );
        }
    }

    /// Starts `program` and returns it running (or records why it could not start).
    pub fn start(&mut self, program: Program) -> Option<Running> {
        let mut shown_env: Vec<(&str, &str)> = program.env.to_vec();
        if let Some(url) = program.url {
            shown_env.insert(0, ("NATS_URL", url));
        }
        let mut command_line = command_line(program.name, program.args, &shown_env);
        if let Some((name, _, shown)) = program.secret {
            command_line = format!("{name}={shown} {command_line}");
        }
        let mut command = Step::command(binary(program.name));
        command
            // Steps name their connection after the user: the same one on every machine, so
            // that what the guide records does not depend on who recorded it.
            .env("USER", "alice")
            .env("USERNAME", "alice")
            .env("NATS_URL", program.url.unwrap_or(&self.url))
            .envs(self.hidden_env.iter().map(|(name, value)| (name, value)))
            .envs(program.env.iter().copied())
            .envs(program.secret.map(|(name, value, _)| (name, value)))
            .args(program.args);
        match Step::start(&mut command) {
            Ok(step) => Some(Running {
                terminal: program.terminal,
                name: program.name,
                command_line,
                step,
                shown: 0,
                command_shown: false,
            }),
            Err(err) => {
                self.check(program.name, Err(err.0));
                None
            }
        }
    }

    /// Starts a subscribing `program`, waits until it has printed `ready` and `server` holds
    /// its subscription to `subject`, and shows its output so far as `block`.
    pub fn subscriber(
        &mut self,
        program: Program,
        server: &NatsServer,
        subject: &str,
        ready: &str,
        block: &str,
    ) -> Option<Running> {
        let mut running = self.start(program);
        // Both: the line can still be in the pipe when the server already has the SUB.
        self.wait(&mut running, ready);
        self.wait_subscribed(&mut running, server, subject);
        self.show(&mut running, block);
        running
    }

    /// Waits until the running step prints a line containing `needle`.
    pub fn wait(&mut self, running: &mut Option<Running>, needle: &str) {
        let Some(run) = running else { return };
        let found = run.step.wait_for_line(needle, PATIENCE);
        let name = run.name;
        self.check(
            name,
            found
                .map(|_| ())
                .map_err(|_| format!("never printed \"{needle}\"")),
        );
    }

    /// Waits until the running step's subscription to `subject` is registered on `server`.
    pub fn wait_subscribed(
        &mut self,
        running: &mut Option<Running>,
        server: &NatsServer,
        subject: &str,
    ) {
        let Some(run) = running else { return };
        let name = run.name;
        let ready = server
            .wait_for_subscription(subject, PATIENCE)
            .map_err(|err| err.0);
        self.check(name, ready);
    }

    /// Records a failure for the running step if it printed a line containing `needle`.
    pub fn refute(&mut self, running: &Option<Running>, needle: &str) {
        let Some(run) = running else { return };
        if run.step.lines().iter().any(|line| line.contains(needle)) {
            let name = run.name;
            self.check(
                name,
                Err(format!("printed \"{needle}\", which it should not")),
            );
        }
    }

    /// Waits until the running steps together printed `count` lines containing `needle`.
    pub fn wait_total(&mut self, running: &[&Option<Running>], needle: &str, count: usize) {
        let steps: Vec<&Running> = running.iter().filter_map(|run| run.as_ref()).collect();
        let Some(name) = steps.first().map(|run| run.name) else {
            return;
        };
        let total = || -> usize {
            let lines = steps.iter().flat_map(|run| run.step.lines());
            lines.filter(|line| line.contains(needle)).count()
        };
        if nats_servers::wait_until(PATIENCE, || (total() >= count).then_some(())).is_none() {
            let why = format!("printed \"{needle}\" {} times in all, not {count}", total());
            self.check(name, Err(why));
        }
    }

    /// Runs `program` to its end, shows its output as `block` and checks it against
    /// `expect`.
    pub fn run(&mut self, block: &str, program: Program, expect: Expect) {
        let verdict = program.verdict.unwrap_or(program.name).to_string();
        let mut running = self.start(program);
        self.finish(&mut running, block, &verdict, expect);
    }

    /// Runs pub-simple in `terminal` with `args` (subject, message), which must publish;
    /// through the server at `url` when given (shown in the command line).
    pub fn publish(&mut self, block: &str, terminal_number: u8, args: &[&str], url: Option<&str>) {
        let subject = args.first().copied().unwrap_or("foo");
        let says = format!("subject {subject}");
        let mut program = terminal(terminal_number, "pub-simple").args(args);
        if let Some(url) = url {
            program = program.url(url);
        }
        self.run(block, program, ok(&says));
    }

    /// Waits for a running step to end by itself, shows the rest of its output as `block`,
    /// and checks it against `expect`.
    pub fn finish(
        &mut self,
        running: &mut Option<Running>,
        block: &str,
        verdict: &str,
        expect: Expect,
    ) {
        let Some(run) = running.as_mut() else { return };
        let out = run.step.wait_exit(PATIENCE).map_err(|err| err.0);
        let command = format!("`{}`", run.command_line);
        self.show(running, block);
        let outcome = out.and_then(|out| {
            if out.code != Some(expect.code) {
                let code = out.code;
                Err(format!(
                    "{command}: exit code {code:?}, expected {}",
                    expect.code
                ))
            } else if !out.contains(expect.says) {
                Err(format!("{command} never printed \"{}\"", expect.says))
            } else {
                Ok(())
            }
        });
        self.check(verdict, outcome);
    }

    /// The verdicts, one line per step; an error when any step misbehaved.
    pub fn verdicts(&self) -> Result<(), String> {
        let failures: Vec<String> = self
            .verdicts
            .iter()
            .filter_map(|(step, verdict)| {
                verdict.as_ref().err().map(|why| format!("{step}: {why}"))
            })
            .collect();
        for (step, verdict) in &self.verdicts {
            match verdict {
                Ok(()) => self.print(&format!("PASS  {step}")),
                Err(why) => self.print(&format!("FAIL  {step}: {why}")),
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} step(s) misbehaved:\n{}",
                failures.len(),
                failures.join("\n")
            ))
        }
    }

    /// A scene's whole test: `scene` played on a new script, then [`Script::assert_scene`].
    pub fn play(scene: impl FnOnce(&mut Script) -> Result<(), String>) {
        let mut script = Script::new();
        let played = scene(&mut script);
        script.assert_scene(played);
    }

    /// Ends a scene's test: `scene`'s own error or any step that misbehaved fails it.
    pub fn assert_scene(mut self, scene: Result<(), String>) {
        if let Err(why) = scene {
            self.check("the scene", Err(why));
        }
        if let Err(why) = self.verdicts() {
            panic!("{why}");
        }
    }
}

impl Default for Script {
    fn default() -> Self {
        Script::new()
    }
}
