//! The tutorial as a script. It runs the real step binaries against real nats-servers in the
//! tutorial's order, checks what each one does, and hands every piece of output to one of two
//! places: the terminal (`cargo xtask tour`) or the guide's recorded outputs
//! (`cargo xtask docs`), which also records the error cases.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use nats_servers::{Cluster, NatsServer, PATIENCE, ServerOptions, free_port};
use testkit::Step;

use crate::workspace::binary;

/// How long sync-sub waits for each message here (its default, 10 s, is long to watch).
pub const SYNC_SUB_SECONDS: &str = "3";

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Print everything for a person, as the tutorial unfolds.
    Tour,
    /// Record named outputs for the guide, error cases included; print nothing.
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

/// How a program that runs to its end should end.
pub struct Expect<'a> {
    code: i32,
    says: &'a str,
}

pub fn ok(says: &str) -> Expect<'_> {
    Expect { code: 0, says }
}

pub fn fails(says: &str) -> Expect<'_> {
    Expect { code: 1, says }
}

/// A step as a learner runs it in one of their terminals: `cargo run -p NAME -- ARGS`, with
/// extra variables and, when given, another server's URL (which then shows in the command
/// line). `terminal(3, "pub-msg").args(&["foo"])` reads as what the learner does.
pub struct Program<'a> {
    terminal: u8,
    name: &'static str,
    args: &'a [&'a str],
    env: &'a [(&'a str, &'a str)],
    url: Option<&'a str>,
    /// A secret variable: its value, and what the command line shows instead.
    secret: Option<(&'a str, &'a str, &'a str)>,
    /// Whose verdict the run counts towards (default: the step's own).
    verdict: Option<&'a str>,
}

/// Step `name`, run in terminal number `terminal`.
pub fn terminal<'a>(terminal: u8, name: &'static str) -> Program<'a> {
    Program {
        terminal,
        name,
        args: &[],
        env: &[],
        url: None,
        secret: None,
        verdict: None,
    }
}

impl<'a> Program<'a> {
    /// Command-line arguments.
    pub fn args(mut self, args: &'a [&'a str]) -> Self {
        self.args = args;
        self
    }

    /// Extra environment variables (shown in the command line).
    pub fn env(mut self, env: &'a [(&'a str, &'a str)]) -> Self {
        self.env = env;
        self
    }

    /// Connect to `url` instead of the current server (shown as `NATS_URL=...`).
    pub fn url(mut self, url: &'a str) -> Self {
        self.url = Some(url);
        self
    }

    /// A secret variable `name` with `value`; the command line shows `shown` (such as
    /// `$(cat target/secrets/token)`) instead of the value, which must never be printed.
    pub fn secret(mut self, name: &'a str, value: &'a str, shown: &'a str) -> Self {
        self.secret = Some((name, value, shown));
        self
    }

    /// Count the outcome towards `verdict` rather than the step's own name.
    pub fn verdict(mut self, verdict: &'a str) -> Self {
        self.verdict = Some(verdict);
        self
    }
}

pub struct Script {
    mode: Mode,
    server_bin: Option<PathBuf>,
    /// The current server's URL: steps get it as NATS_URL without showing it.
    url: String,
    /// Every loopback port used, with the port recorded outputs show instead (the tutorial's
    /// 4222, or 4222-4224 for the nodes of a cluster, as `cargo xtask cluster` uses).
    ports: Vec<(u16, u16)>,
    verdicts: Vec<(String, Result<(), String>)>,
    outputs: BTreeMap<String, String>,
    /// Texts that recorded outputs show differently: a file the tour made in a folder of its
    /// own appears where `cargo xtask server` writes it (`target/tls/ca.pem`, say).
    aliases: Vec<(String, String)>,
}

impl Script {
    pub fn new(mode: Mode, server_bin: Option<PathBuf>) -> Self {
        Script {
            mode,
            server_bin,
            aliases: Vec::new(),
            url: String::new(),
            ports: Vec::new(),
            verdicts: Vec::new(),
            outputs: BTreeMap::new(),
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// A section title (tour only).
    pub fn heading(&self, title: &str) {
        if self.mode == Mode::Tour {
            println!("\n== {title} ==");
        }
    }

    /// A line for the person watching the tour.
    pub fn say(&self, text: &str) {
        if self.mode == Mode::Tour {
            println!("{text}");
        }
    }

    /// Starts a nats-server; the steps that follow connect to it.
    pub fn server(&mut self, options: ServerOptions) -> Result<NatsServer, String> {
        let options = match &self.server_bin {
            Some(bin) => options.bin(bin.clone()),
            None => options,
        };
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
        let options = match &self.server_bin {
            Some(bin) => options.bin(bin.clone()),
            None => options,
        };
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

    /// Shows (tour) or records (docs) a piece of output under `block`.
    pub fn emit(&mut self, block: &str, text: &str) {
        match self.mode {
            Mode::Tour => println!("{text}"),
            Mode::Docs => {
                let text = self.normalize(text);
                self.outputs.insert(block.to_string(), text);
            }
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

    /// Shows the running step's new output as `block`: the command line first if it has not
    /// been shown yet, else a `terminal N (name):` label (tour).
    pub fn show(&mut self, running: &mut Option<Running>, block: &str) {
        self.show_without(running, block, None);
    }

    /// Records (docs only) the running step's whole output as `block`, keeping only the lines
    /// that `keep` accepts, each passed through `fix`: for output whose numbers change from
    /// run to run, shown with those numbers replaced.
    pub fn record_summary(
        &mut self,
        running: &Option<Running>,
        block: &str,
        keep: fn(&str) -> bool,
        fix: fn(&str) -> String,
    ) {
        if self.mode == Mode::Docs {
            self.summary(running, block, keep, fix);
        }
    }

    /// Shows (tour) or records (docs) the ended step's output as `block`, keeping only the
    /// lines that `keep` accepts, each passed through `fix`, and a repeated line once: for
    /// long output whose details change from run to run.
    pub fn summary(
        &mut self,
        running: &Option<Running>,
        block: &str,
        keep: fn(&str) -> bool,
        fix: fn(&str) -> String,
    ) {
        let Some(run) = running else { return };
        let mut text = vec![format!("$ {}", run.command_line)];
        for line in run.step.lines().iter().filter(|l| keep(l)).map(|l| fix(l)) {
            if text.last() != Some(&line) {
                text.push(line);
            }
        }
        self.emit(block, &text.join("\n"));
    }

    /// [`Script::show`], leaving out the lines that contain `skip` (lines whose number
    /// changes from run to run, such as connection attempts).
    pub fn show_without(&mut self, running: &mut Option<Running>, block: &str, skip: Option<&str>) {
        let Some(run) = running else { return };
        let lines = run.step.lines();
        let new = lines[run.shown.min(lines.len())..]
            .iter()
            .filter(|line| skip.is_none_or(|skip| !line.contains(skip)));
        let mut text = Vec::new();
        if !run.command_shown {
            text.push(format!("$ {}", run.command_line));
            if self.mode == Mode::Tour {
                print!("terminal {} ", run.terminal);
            }
        } else if self.mode == Mode::Tour {
            println!("\nterminal {} ({}):", run.terminal, run.name);
        }
        text.extend(new.cloned());
        run.shown = lines.len();
        run.command_shown = true;
        self.emit(block, &text.join("\n"));
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
        let says = format!("Published message on subject {subject}");
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

    /// Ctrl-C: the subscriber must drain and exit 0 within 2 seconds, its output ending with a
    /// line that contains `last_words` (for most steps, their statistics).
    pub fn interrupt(&mut self, running: &mut Option<Running>, block: &str, last_words: &str) {
        let Some(run) = running.as_mut() else { return };
        self.say(&format!("\nterminal {}: Ctrl-C", run.terminal));
        let name = run.name;
        let out = run
            .step
            .interrupt()
            .and_then(|()| run.step.wait_exit(Duration::from_secs(2)))
            .map_err(|err| err.0);
        self.show(running, block);
        let verdict = match out {
            Ok(out)
                if out.code == Some(0)
                    && out
                        .all
                        .lines()
                        .last()
                        .is_some_and(|l| l.contains(last_words)) =>
            {
                Ok(())
            }
            Ok(out) => Err(format!("Ctrl-C ended it with exit code {:?}", out.code)),
            Err(err) => Err(err),
        };
        self.check(name, verdict);
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
        if self.mode == Mode::Tour {
            for (step, verdict) in &self.verdicts {
                match verdict {
                    Ok(()) => println!("PASS  {step}"),
                    Err(why) => println!("FAIL  {step}: {why}"),
                }
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

    /// The recorded outputs (docs mode), by block name.
    pub fn into_outputs(self) -> BTreeMap<String, String> {
        self.outputs
    }

    /// Makes recorded output the same on every run and machine: loopback ports become the
    /// tutorial's `localhost:4222`, and in nats-server log lines the process id, the time and
    /// the clients' ephemeral ports become fixed values.
    /// Recorded outputs show `shown` wherever the text `real` appears.
    pub fn alias(&mut self, real: &str, shown: &str) {
        self.aliases.push((real.to_string(), shown.to_string()));
    }

    fn normalize(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (real, shown) in &self.aliases {
            text = text.replace(real, shown);
        }
        for (port, shown) in &self.ports {
            text = text.replace(&format!("127.0.0.1:{port}"), &format!("localhost:{shown}"));
        }
        let mut clients: Vec<String> = Vec::new();
        text.lines()
            .map(|line| normalize_server_line(line, &mut clients))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// `[12345] 2026/11/27 17:52:00.814199 [TRC] 127.0.0.1:40184 - cid:7 - ...` becomes
/// `[4711] 2026/01/01 12:00:00.000000 [TRC] 127.0.0.1:50001 - cid:7 - ...`, numbering the
/// client ports in the order they first appear.
fn normalize_server_line(line: &str, clients: &mut Vec<String>) -> String {
    let Some(rest) = line.strip_prefix('[') else {
        return line.to_string();
    };
    let Some((pid, rest)) = rest.split_once("] ") else {
        return line.to_string();
    };
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) || rest.len() < 26 {
        return line.to_string();
    }
    let (_time, rest) = rest.split_at(26);
    let mut rest = rest.to_string();
    if let Some(start) = rest.find("127.0.0.1:") {
        let port_start = start + "127.0.0.1:".len();
        let port_len = rest[port_start..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        let port = rest[port_start..port_start + port_len].to_string();
        let number = match clients.iter().position(|seen| *seen == port) {
            Some(index) => index + 1,
            None => {
                clients.push(port);
                clients.len()
            }
        };
        rest.replace_range(
            port_start..port_start + port_len,
            &format!("{}", 50000 + number),
        );
    }
    format!("[4711] 2026/01/01 12:00:00.000000 {}", rest.trim_start())
}

/// What a learner types for this run: `NAME=value cargo run -p step -- args`.
fn command_line(name: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut words: Vec<String> = env
        .iter()
        .map(|(key, value)| format!("{key}={}", quote(value)))
        .collect();
    words.push(format!("cargo run -p {name}"));
    if !args.is_empty() {
        words.push("--".to_string());
        words.extend(args.iter().map(|arg| quote(arg)));
    }
    words.join(" ")
}

fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/@,=+".contains(&b));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The server's log lines about the connection it refused: the `cid:N` of the line with the
/// `-ERR 'Authorization Violation'` it sent, then every line of that connection.
pub fn refused_connection_log(server: &NatsServer) -> Vec<String> {
    let log = server.log().snapshot();
    let Some(refusal) = log
        .iter()
        .find(|line| line.contains("Authorization Violation"))
    else {
        return Vec::new();
    };
    let Some(cid) = refusal.split(" - ").find(|part| part.starts_with("cid:")) else {
        return vec![refusal.clone()];
    };
    let marker = format!(" - {cid} - ");
    log.into_iter()
        .filter(|line| line.contains(&marker))
        .collect()
}

/// The server's log lines about client connections from the first one created up to the
/// `closed`-th one closed, without the server's own system-account traffic.
pub fn client_log(server: &NatsServer, closed: usize) -> Result<Vec<String>, String> {
    server
        .log()
        .wait_for_count("Client connection closed", closed, PATIENCE)
        .map_err(|err| err.0)?;
    let log = server.log().snapshot();
    let mut seen_closed = 0;
    let mut lines = Vec::new();
    let mut started = false;
    for line in log {
        started |= line.contains("Client connection created");
        if !started || line.contains("ACCOUNT") || line.contains("SYSTEM") {
            continue;
        }
        let last = line.contains("Client connection closed");
        lines.push(line);
        if last {
            seen_closed += 1;
            if seen_closed == closed {
                break;
            }
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_lines_lose_what_changes_between_runs() {
        let mut clients = Vec::new();
        let a = "[16067] 2026/11/27 17:48:58.112530 [TRC] 127.0.0.1:53030 - cid:5 - <<- [PING]";
        let b = "[16067] 2026/11/27 17:48:58.112706 [ERR] 127.0.0.1:53999 - cid:6 - x";
        let c = "[16067] 2026/11/27 17:48:59.000001 [DBG] 127.0.0.1:53030 - cid:5 - y";
        assert_eq!(
            normalize_server_line(a, &mut clients),
            "[4711] 2026/01/01 12:00:00.000000 [TRC] 127.0.0.1:50001 - cid:5 - <<- [PING]"
        );
        assert!(normalize_server_line(b, &mut clients).contains("127.0.0.1:50002 - cid:6"));
        assert!(normalize_server_line(c, &mut clients).contains("127.0.0.1:50001 - cid:5"));
        let step = "[INFO  async_sub] Connected to nats://localhost:4222";
        assert_eq!(normalize_server_line(step, &mut clients), step);
    }

    #[test]
    fn command_lines_quote_what_a_shell_would_split() {
        assert_eq!(
            command_line("pub-simple", &[], &[]),
            "cargo run -p pub-simple"
        );
        assert_eq!(
            command_line("pub-simple", &["foo bar", ""], &[("NATS_PASSWORD", "x y")]),
            "NATS_PASSWORD='x y' cargo run -p pub-simple -- 'foo bar' ''"
        );
    }
}
