//! `cargo xtask tour`: the whole tutorial, run for real and shown the way a learner would
//! see it in their terminals.

use std::env;
use std::path::PathBuf;
use std::time::Duration;

use testkit::{NatsServer, PATIENCE, ServerOptions, Step, workspace_root};

use crate::{cargo, ensure_nats_server};

/// The tutorial's steps, in order.
const STEPS: [&str; 6] = [
    "async-sub",
    "pub-simple",
    "pub-msg",
    "sync-sub",
    "auth-sub",
    "auth-pub",
];

/// How long sync-sub waits for each message in the tour (its default, 10 s, is long to watch).
const SYNC_SUB_SECONDS: &str = "2";

pub fn run() -> Result<(), String> {
    ensure_nats_server()?;
    build_steps()?;
    let mut tour = Tour::default();

    heading("Start a NATS server");
    let server = NatsServer::start(ServerOptions::new()).map_err(|err| err.0)?;
    println!("terminal 1 $ cargo xtask server");
    println!(
        "(The tour starts a private nats-server on {url} instead, so a server of yours on \
         port 4222 is left alone, and runs every step below with NATS_URL={url}.)",
        url = server.url()
    );

    heading("Step 1: asynchronous subscriber (async-sub)");
    let mut subscriber = tour.start(2, "async-sub", &[], &server);
    if let Some(sub) = subscriber.as_mut() {
        let ready = sub.wait_for("Subscribing to subject 'foo'").and_then(|()| {
            server
                .wait_for_subscription("foo", PATIENCE)
                .map_err(|e| e.0)
        });
        tour.check("async-sub", ready);
    }

    heading("Step 2: simple publisher (pub-simple)");
    tour.publish(3, "pub-simple", &server, "Published message on subject foo");
    tour.receive(subscriber.as_mut(), "async-sub", "Hello NATS");

    heading("Step 3: a message with a reply subject (pub-msg)");
    let published = "Published msg.Subject = foo | msg.Reply = bar | msg.Data = Hello World";
    tour.publish(3, "pub-msg", &server, published);
    tour.receive(subscriber.as_mut(), "async-sub", "Hello World");

    println!("\nterminal 2: Ctrl-C");
    tour.interrupt(subscriber, "async-sub");

    heading("Step 4: synchronous subscriber (sync-sub)");
    let mut sync_sub = tour.start(2, "sync-sub", &["foo", SYNC_SUB_SECONDS], &server);
    if let Some(sub) = sync_sub.as_mut() {
        let ready = sub.wait_for("Subscribing to subject 'foo'").and_then(|()| {
            server
                .wait_for_subscription("foo", PATIENCE)
                .map_err(|e| e.0)
        });
        tour.check("sync-sub", ready);
    }
    tour.publish(3, "pub-simple", &server, "Published message on subject foo");
    if let Some(mut sub) = sync_sub {
        println!();
        let outcome = sub.wait_exit("No further message within", Some(0), true);
        tour.check("sync-sub", outcome);
    }
    drop(server);

    heading("Client authentication: a server that requires user foo, password bar");
    let server =
        NatsServer::start(ServerOptions::new().auth("foo", "bar").trace()).map_err(|err| err.0)?;
    println!("terminal 1 $ cargo xtask server --auth --trace");
    println!(
        "(nats-server --user foo --pass bar -DV; the tour's own runs on {})",
        server.url()
    );

    heading("Step 5: asynchronous subscriber with credentials (auth-sub)");
    let mut subscriber = tour.start(2, "auth-sub", &[], &server);
    if let Some(sub) = subscriber.as_mut() {
        let ready = sub.wait_for("Subscribing to subject 'foo'").and_then(|()| {
            server
                .wait_for_subscription("foo", PATIENCE)
                .map_err(|e| e.0)
        });
        tour.check("auth-sub", ready);
    }

    heading("Step 6: simple publisher with credentials (auth-pub)");
    tour.publish(3, "auth-pub", &server, "Published message on subject foo");
    tour.receive(subscriber.as_mut(), "auth-sub", "Hello NATS");

    heading("Without credentials, the server refuses the connection");
    let refused = "refused without credentials";
    if let Some(mut publisher) = tour.start(3, "pub-simple", &[], &server) {
        let outcome = publisher.wait_exit("authorization violation", Some(1), false);
        tour.check(refused, outcome);
    }
    println!("\nterminal 1 (nats-server -DV), the lines about that connection:");
    let excerpt = refused_connection_log(&server);
    for line in &excerpt {
        println!("{line}");
    }
    if excerpt.is_empty() {
        tour.check(
            refused,
            Err("the server logged no authorization error".to_string()),
        );
    }

    println!("\nterminal 2: Ctrl-C");
    tour.interrupt(subscriber, "auth-sub");
    drop(server);

    tour.summary()
}

/// The server's log lines for the connection it refused: `cid:N` of the line with the
/// `-ERR 'Authorization Violation'` it sent, then every line of that connection.
fn refused_connection_log(server: &NatsServer) -> Vec<String> {
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

/// Builds the six steps, so that the tour runs exactly this checkout's code.
fn build_steps() -> Result<(), String> {
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

fn binary(step: &str) -> PathBuf {
    let target = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target
        .join("debug")
        .join(format!("{step}{}", env::consts::EXE_SUFFIX))
}

fn heading(title: &str) {
    println!("\n== {title} ==");
}

/// A step running in one of the learner's terminals; prints its output as it is checked.
struct Terminal {
    number: u8,
    name: &'static str,
    step: Step,
    shown: usize,
}

impl Terminal {
    /// Prints what the step printed since the last call.
    fn show_new(&mut self, label: bool) {
        let lines = self.step.lines();
        if label && lines.len() > self.shown {
            println!("terminal {} ({}):", self.number, self.name);
        }
        for line in &lines[self.shown.min(lines.len())..] {
            println!("{line}");
        }
        self.shown = lines.len();
    }

    fn wait_for(&mut self, needle: &str) -> Result<(), String> {
        let found = self.step.wait_for_line(needle, PATIENCE);
        self.show_new(false);
        found
            .map(|_| ())
            .map_err(|_| format!("never printed \"{needle}\""))
    }

    /// Waits for the program to end by itself, then checks its last words and exit code.
    fn wait_exit(&mut self, needle: &str, code: Option<i32>, label: bool) -> Result<(), String> {
        let out = self.step.wait_exit(PATIENCE).map_err(|err| err.0);
        self.show_new(label);
        let out = out?;
        if out.code != code {
            return Err(format!("exit code {:?}, expected {code:?}", out.code));
        }
        if !out.contains(needle) {
            return Err(format!("never printed \"{needle}\""));
        }
        Ok(())
    }
}

/// The verdicts so far, one per step (the first failure of a step is kept).
#[derive(Default)]
struct Tour {
    verdicts: Vec<(String, Result<(), String>)>,
}

impl Tour {
    fn check(&mut self, step: &str, outcome: Result<(), String>) {
        match self.verdicts.iter_mut().find(|(name, _)| name == step) {
            Some((_, verdict)) => {
                if verdict.is_ok() {
                    *verdict = outcome;
                }
            }
            None => self.verdicts.push((step.to_string(), outcome)),
        }
    }

    /// Prints the command a learner types and starts the step against `server`.
    fn start(
        &mut self,
        number: u8,
        name: &'static str,
        args: &[&str],
        server: &NatsServer,
    ) -> Option<Terminal> {
        let extra = if args.is_empty() {
            String::new()
        } else {
            format!(" -- {}", args.join(" "))
        };
        println!("terminal {number} $ cargo run -p {name}{extra}");
        let mut command = Step::command(binary(name));
        command.env("NATS_URL", server.url()).args(args);
        match Step::start(&mut command) {
            Ok(step) => Some(Terminal {
                number,
                name,
                step,
                shown: 0,
            }),
            Err(err) => {
                self.check(name, Err(err.0));
                None
            }
        }
    }

    /// Runs a publisher to its end and checks that it exited 0 after printing `published`.
    fn publish(&mut self, number: u8, name: &'static str, server: &NatsServer, published: &str) {
        if let Some(mut publisher) = self.start(number, name, &[], server) {
            let outcome = publisher.wait_exit(published, Some(0), false);
            self.check(name, outcome);
        }
    }

    /// Checks that the subscriber in terminal 2 logs the message.
    fn receive(&mut self, subscriber: Option<&mut Terminal>, name: &str, payload: &str) {
        if let Some(sub) = subscriber {
            println!();
            let found = sub
                .step
                .wait_for_line(&format!("Received message '{payload}'"), PATIENCE);
            sub.show_new(true);
            self.check(
                name,
                found
                    .map(|_| ())
                    .map_err(|_| format!("did not receive '{payload}'")),
            );
        }
    }

    /// Ctrl-C: the subscriber must drain and exit 0 within 2 seconds.
    fn interrupt(&mut self, subscriber: Option<Terminal>, name: &str) {
        let Some(mut sub) = subscriber else { return };
        let outcome = sub.step.interrupt().map_err(|err| err.0).and_then(|()| {
            sub.step
                .wait_exit(Duration::from_secs(2))
                .map_err(|err| err.0)
        });
        sub.show_new(true);
        let verdict = match outcome {
            Ok(out) if out.code == Some(0) && out.contains("Subscription drained") => Ok(()),
            Ok(out) => Err(format!("Ctrl-C ended it with exit code {:?}", out.code)),
            Err(err) => Err(err),
        };
        self.check(name, verdict);
    }

    fn summary(&self) -> Result<(), String> {
        heading("Summary");
        let mut failures = 0;
        for (step, verdict) in &self.verdicts {
            match verdict {
                Ok(()) => println!("PASS  {step}"),
                Err(why) => {
                    failures += 1;
                    println!("FAIL  {step}: {why}");
                }
            }
        }
        if failures == 0 {
            println!("\nEvery step behaved as the tutorial describes.");
            Ok(())
        } else {
            Err(format!(
                "{failures} step(s) of the tour misbehaved (see above)"
            ))
        }
    }
}
