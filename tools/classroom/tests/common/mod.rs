//! A class started for a test: the real `classroom start` on free loopback ports, in a scratch
//! folder, stopped with Ctrl-C (SIGINT) at the end so that it stops its nats-server too.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use async_nats::{Client, ConnectOptions, Event};
use nats_servers::pki::ScratchDir;
use serde_json::Value;
use testkit::Step;
use tokio::sync::mpsc::UnboundedReceiver;

pub const WAIT: Duration = Duration::from_secs(20);

pub struct Class {
    pub step: Step,
    pub dir: PathBuf,
    pub port: u16,
    pub http: u16,
    pub monitor: u16,
    stopped: bool,
    _scratch: Option<ScratchDir>,
}

impl Class {
    /// A new class of `students` (comma-separated) in a scratch folder.
    pub fn start(students: &str) -> Class {
        let scratch = ScratchDir::new("class");
        let dir = scratch.path().join("class");
        let mut class = Class::start_in(&dir, students);
        class._scratch = Some(scratch);
        class
    }

    /// A class in `dir` (again, when it was started there before).
    pub fn start_in(dir: &Path, students: &str) -> Class {
        Class::start_with(dir, students, |_| {})
    }

    /// A class in `dir`, its command completed by `configure` (another workspace, more options).
    pub fn start_with(dir: &Path, students: &str, configure: impl FnOnce(&mut Command)) -> Class {
        let [port, http, monitor] = [(); 3].map(|()| nats_servers::free_port().unwrap());
        let mut command = Step::command(env!("CARGO_BIN_EXE_classroom"));
        command
            .arg("start")
            .args(["--listen", "127.0.0.1", "--dir"])
            .arg(dir);
        for (flag, value) in [("--port", port), ("--http", http), ("--monitor", monitor)] {
            command.args([flag, &value.to_string()]);
        }
        if !students.is_empty() {
            command.args(["--students", students]);
        }
        configure(&mut command);
        let step = Step::start(&mut command).unwrap();
        step.wait_for_line("Ctrl-C ends the class", WAIT).unwrap();
        Class {
            step,
            dir: dir.to_path_buf(),
            port,
            http,
            monitor,
            stopped: false,
            _scratch: None,
        }
    }

    /// A student's (or the teacher's) settings, as `set -a; . NAME.env` loads them.
    pub fn settings(&self, name: &str) -> Vec<(String, String)> {
        let text = std::fs::read_to_string(self.dir.join(format!("{name}.env"))).unwrap();
        let pairs = text.lines().filter_map(|line| line.split_once('='));
        pairs
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect()
    }

    pub fn setting(&self, name: &str, key: &str) -> String {
        let settings = self.settings(name);
        settings
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .unwrap()
    }

    /// A step run as `name`, with their settings file loaded.
    pub fn step(&self, name: &str, step: &str, args: &[&str]) -> Command {
        let mut command = Step::command(step_bin(step));
        // In the class folder, where its CA is: the settings name it `class-ca.pem`, in the
        // folder a student works in.
        command
            .envs(self.settings(name))
            .args(args)
            .current_dir(&self.dir);
        command
    }

    /// `/api/state`, as the page reads it.
    pub fn state(&self) -> Value {
        let body = nats_servers::monitor(self.http, "/api/state").unwrap();
        serde_json::from_str(&body).unwrap()
    }

    /// Waits until `/api/state` satisfies `check` (described by `what`), and returns it.
    pub fn wait_state(&self, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        let state = nats_servers::wait_until(WAIT, || Some(self.state()).filter(|s| check(s)));
        state.unwrap_or_else(|| panic!("the class never showed {what}: {}", self.state()))
    }

    pub fn student<'a>(state: &'a Value, name: &str) -> &'a Value {
        let students = state["students"].as_array().unwrap();
        students.iter().find(|s| s["name"] == name).unwrap()
    }

    /// Ctrl-C, as the teacher ends a class (its folder stays); returns what it printed.
    pub fn stop(&mut self) -> String {
        if !self.stopped {
            self.stopped = true;
            let _ = self.step.interrupt();
        }
        let output = self.step.wait_exit(WAIT).unwrap();
        assert_eq!(
            output.code,
            Some(0),
            "classroom did not end cleanly:\n{}",
            output.all
        );
        output.all
    }
}

impl Drop for Class {
    fn drop(&mut self) {
        if !self.stopped {
            let _ = self.step.interrupt();
            let _ = self.step.wait_exit(WAIT);
        }
    }
}

/// A step's binary in the workspace's target folder. `cargo test --workspace` has built every
/// step already (with the features the whole workspace gives them); a step still missing, as
/// under `cargo test -p classroom` alone, is built here.
pub fn step_bin(step: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || nats_servers::workspace_root().join("target"),
        PathBuf::from,
    );
    let bin = target
        .join("debug")
        .join(format!("{step}{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "-p", step])
            .current_dir(nats_servers::workspace_root())
            .status()
            .unwrap();
        assert!(status.success(), "{step} does not build");
    }
    bin
}

/// A runtime for this test's own clients.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(future)
}

impl Class {
    /// `name`'s login as a client of this test: their user and password, over TLS with the
    /// class's CA (the class server takes nothing else).
    pub fn options(&self, name: &str) -> ConnectOptions {
        let password = self.setting(name, "NATS_PASSWORD");
        ConnectOptions::with_user_and_password(name.into(), password)
            .add_root_certificates(self.dir.join("class-ca.pem"))
            .require_tls(true)
    }

    /// `name`'s client, connected; the server's errors (a permission refused) go to `errors`.
    pub async fn connect(&self, name: &str) -> (Client, UnboundedReceiver<String>) {
        let (errors, refused) = tokio::sync::mpsc::unbounded_channel();
        let options = self.options(name).name(format!("test ({name})"));
        let options = options.event_callback(move |event| {
            let errors = errors.clone();
            async move {
                if let Event::ServerError(err) = event {
                    let _ = errors.send(err.to_string());
                }
            }
        });
        let url = self.setting(name, "NATS_URL");
        (options.connect(&url).await.unwrap(), refused)
    }
}

/// A report as `cargo xtask check` sends it to the class's report service: the answer's body
/// and, when refused, the sentence of its `Nats-Service-Error` header.
pub async fn send_report(client: &Client, payload: String) -> (String, Option<String>) {
    let answer = tokio::time::timeout(WAIT, client.request("class.report", payload.into())).await;
    let answer = answer.unwrap().unwrap();
    let error = answer
        .headers
        .as_ref()
        .and_then(|h| h.get("Nats-Service-Error"))
        .map(|v| v.to_string());
    (String::from_utf8_lossy(&answer.payload).to_string(), error)
}

/// The report `{"exercise": exercise, "result": result}`.
pub fn report_text(exercise: &str, result: &str) -> String {
    serde_json::json!({ "exercise": exercise, "result": result }).to_string()
}

/// `name`'s `timeouts` passed, kept by the report service.
pub fn report(class: &Class, name: &str) -> String {
    block_on(async {
        let (client, _) = class.connect(name).await;
        let (body, error) = send_report(&client, report_text("timeouts", "passed")).await;
        assert!(
            body.starts_with(&format!("kept {name}.timeouts = passed")) && error.is_none(),
            "{body} {error:?}"
        );
        body
    })
}
