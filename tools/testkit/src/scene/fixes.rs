//! What changes from run to run, written as the guide shows it: the line fixers that more than
//! one lesson's scene uses, and the one-run scene of a JetStream lesson.

use std::sync::Mutex;

use nats_servers::{NatsServer, PATIENCE, ServerOptions};

use super::{Script, terminal};

/// A line with each time the step measured (`2.0 s`, `4.1 s`: a number with a decimal point,
/// then `s`) rounded to the second: the server keeps a delay to within a few milliseconds,
/// which shows as a tenth now and then. Whole numbers (`ack_wait 2 s`) are the step's own.
pub fn whole_seconds(line: &str) -> String {
    let words = line.split(' ').collect::<Vec<_>>();
    let rounded = words.iter().enumerate().map(|(i, word)| {
        let measured = word.contains('.') && words.get(i + 1) == Some(&"s");
        let time = word.parse::<f64>().ok().filter(|_| measured);
        time.map_or(word.to_string(), |time| format!("{:.1}", time.round()))
    });
    rounded.collect::<Vec<_>>().join(" ")
}

/// What the guide shows for service instance ids, in the order a run meets them.
const SHOWN_IDS: [&str; 2] = ["cOWhXqQbvGJbvZoaaSMzlx", "Bu7ZNRBYSXQk1BXOkuDmjT"];
static IDS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// A line with each service instance id (22 letters and digits, random) replaced by a fixed
/// one, the same for the same id.
pub fn steady_ids(line: &str) -> String {
    let mut ids = IDS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let words = line.split(' ').map(|word| {
        let (core, rest) = word.split_at(word.find([':', ';', ',']).unwrap_or(word.len()));
        let is_id = core.len() == 22 && core.chars().all(|c| c.is_ascii_alphanumeric());
        if is_id && !core.chars().all(|c| c.is_ascii_lowercase()) {
            let index = ids.iter().position(|id| id == core).unwrap_or_else(|| {
                ids.push(core.to_string());
                ids.len() - 1
            });
            return format!(
                "{}{rest}",
                SHOWN_IDS.get(index).unwrap_or(&"another-instance")
            );
        }
        word.to_string()
    });
    words.collect::<Vec<_>>().join(" ")
}

/// What a one-run scene leaves for its claims: the step's whole output, and its server, still
/// running (a claim may ask the stream what it holds).
pub struct Played {
    pub out: crate::Output,
    pub server: NatsServer,
}

impl Script {
    /// A lesson shown by one run against a JetStream server, until its last line; `fix`
    /// writes what changes from run to run as the guide shows it. The run's output and its
    /// server come back, for the scene to assert the lesson's claims on that same run.
    pub fn one_run(
        &mut self,
        heading: &str,
        block: &str,
        step: &'static str,
        fix: fn(&str) -> String,
    ) -> Result<Played, String> {
        self.heading(heading);
        let server = self.server(ServerOptions::new().jetstream(None))?;
        self.say("terminal 1 $ cargo xtask server --jetstream");
        let mut running = self.start(terminal(2, step));
        self.wait(&mut running, "the next run starts afresh");
        let Some(run) = running.as_mut() else {
            return Err(format!("{step} did not start"));
        };
        let out = run.step.wait_exit(PATIENCE).map_err(|err| err.0)?;
        if out.code != Some(0) {
            self.check(step, Err(format!("exit code {:?}, expected 0", out.code)));
        }
        self.summary(&running, block, |_| true, fix);
        Ok(Played { out, server })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measured_times_are_rounded_and_the_steps_own_numbers_kept() {
        let line = "job 1 takes 5 s; delivery 2, 2.1 s after its nak; 3.96 s";
        let steady = "job 1 takes 5 s; delivery 2, 2.0 s after its nak; 4.0 s";
        assert_eq!(whole_seconds(line), steady);
    }

    #[test]
    fn an_instance_id_keeps_its_place_and_a_word_of_letters_is_not_an_id() {
        let line = steady_ids("instance AAAAAAAAAAAAAAAAAAAAA1: abcdefghijklmnopqrstuv");
        assert_eq!(
            line,
            "instance cOWhXqQbvGJbvZoaaSMzlx: abcdefghijklmnopqrstuv"
        );
    }
}
