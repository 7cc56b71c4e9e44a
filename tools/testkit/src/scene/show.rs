//! What the script shows of a running step, to a person (the tour) or to the guide (a named
//! block): new lines, summaries of long runs, and the same text whatever changes from run to
//! run (ports, paths, the server's process id and times).

use std::time::Duration;

use nats_servers::PATIENCE;

use super::program::Program;
use super::{Running, Script};

/// Which lines of a step's output a summary keeps, and how each is made steady.
type Shown = (fn(&str) -> bool, fn(&str) -> String);
use super::transcript::normalize_server_line;

impl Script {
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
        let Some(run) = running else { return };
        let text = self.summary_text(run, keep, fix);
        self.record(block, &text);
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
        let text = self.summary_text(run, keep, fix);
        self.emit(block, &text);
    }

    fn summary_text(
        &self,
        run: &Running,
        keep: fn(&str) -> bool,
        fix: fn(&str) -> String,
    ) -> String {
        let mut text = vec![format!("$ {}", run.command_line)];
        for line in run.step.lines().iter().filter(|l| keep(l)).map(|l| fix(l)) {
            if text.last() != Some(&line) {
                text.push(line);
            }
        }
        text.join("\n")
    }

    /// Runs `program` to its end (exit 0, after a line with `last`), and records its output
    /// with each line through `fix` (for what varies from run to run: ids, times).
    pub fn run_fixed(
        &mut self,
        block: &str,
        program: Program,
        last: &str,
        fix: fn(&str) -> String,
    ) {
        let mut running = self.start(program);
        self.wait(&mut running, last);
        self.end(&mut running, 0);
        self.summary(&running, block, |_| true, fix);
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
        let label = if !run.command_shown {
            text.push(format!("$ {}", run.command_line));
            format!("terminal {} ", run.terminal)
        } else {
            format!("\nterminal {} ({}):\n", run.terminal, run.name)
        };
        text.extend(new.cloned());
        run.shown = lines.len();
        run.command_shown = true;
        let text = text.join("\n");
        self.print(&format!("{label}{text}"));
        self.record(block, &text);
    }

    /// Makes recorded output the same on every run and machine: loopback ports become the
    /// tutorial's `localhost:4222`, and in nats-server log lines the process id, the time and
    /// the clients' ephemeral ports become fixed values.
    /// Recorded outputs show `shown` wherever the text `real` appears.
    pub fn alias(&mut self, real: &str, shown: &str) {
        self.aliases.push((real.to_string(), shown.to_string()));
    }

    pub(super) fn normalize(&self, text: &str) -> String {
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

    /// Waits for a running step to end by itself, with exit code `code`; shows nothing.
    pub fn end(&mut self, running: &mut Option<Running>, code: i32) {
        let Some(run) = running.as_mut() else { return };
        let out = run.step.wait_exit(PATIENCE).map_err(|err| err.0);
        let ended = out.and_then(|out| match out.code {
            Some(found) if found == code => Ok(()),
            found => Err(format!("exit code {found:?}, expected {code}")),
        });
        self.check(run.name, ended);
    }

    /// Ctrl-C, then the step's output as `block`, the lines `keep` accepts through `fix` (see
    /// [`Script::summary`]); it must exit 0 within 2 seconds.
    pub fn interrupt_summary(
        &mut self,
        running: &mut Option<Running>,
        block: &str,
        (keep, fix): Shown,
    ) {
        let Some(run) = running.as_mut() else { return };
        let (name, out) = (run.name, self.ctrl_c(run));
        let verdict = out.map(|_| ());
        self.summary(running, block, keep, fix);
        self.check(name, verdict);
    }

    /// Ctrl-C: the subscriber must drain and exit 0 within 2 seconds, its output ending with a
    /// line that contains `last_words` (for most steps, their statistics).
    pub fn interrupt(&mut self, running: &mut Option<Running>, block: &str, last_words: &str) {
        let Some(run) = running.as_mut() else { return };
        let (name, out) = (run.name, self.ctrl_c(run));
        self.show(running, block);
        let verdict = out.and_then(|out| {
            let last = out.all.lines().last().unwrap_or_default();
            match last.contains(last_words) {
                true => Ok(()),
                false => Err(format!("its last line was {last:?}, not {last_words:?}")),
            }
        });
        self.check(name, verdict);
    }

    /// Ctrl-C in the step's terminal: its output once it exited 0 within 2 seconds.
    fn ctrl_c(&mut self, run: &mut Running) -> Result<crate::Output, String> {
        self.say(&format!("\nterminal {}: Ctrl-C", run.terminal));
        let ended = run
            .step
            .interrupt()
            .and_then(|()| run.step.wait_exit(Duration::from_secs(2)));
        match ended.map_err(|err| err.0)? {
            out if out.code == Some(0) => Ok(out),
            out => Err(format!("Ctrl-C ended it with exit code {:?}", out.code)),
        }
    }
}
