//! What the page shows, kept up to date by the class's tasks, and its JSON (`/api/state`).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use log::warn;
use serde_json::{Value, json};

/// How long a program that ended stays on the page: a `pub-simple` run lasts less than the
/// page's poll, and the teacher should still see it.
const RECENT: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct State {
    pub students: Vec<String>,
    pub exercises: Vec<String>,
    /// The monitoring's open connections of the students' accounts, as it gives them.
    pub connections: Vec<Value>,
    /// Connections that closed within the last minute, by id, with when they were seen closed.
    pub ended: HashMap<u64, (Instant, Value)>,
    /// (student, exercise) to "passed", "N of M" or "does not compile", from the bucket.
    pub progress: BTreeMap<(String, String), String>,
    /// Each student's latest report, in seconds since 1970 (the bucket's time of the value).
    pub last_report: BTreeMap<String, i64>,
    pub traffic: VecDeque<Value>,
}

pub type Shared = Arc<Mutex<State>>;

impl State {
    pub fn shared(students: Vec<String>, exercises: Vec<String>) -> Shared {
        Arc::new(Mutex::new(State {
            students,
            exercises,
            ..Default::default()
        }))
    }
}

pub fn lock(state: &Shared) -> std::sync::MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Every second, the connections from the server's monitoring (`/connz`): the open ones, and
/// the most recently closed, kept for a minute from when they were first seen closed.
pub fn poll_connections(port: u16, state: &Shared) {
    let read = |query: &str| -> Result<Vec<Value>, String> {
        let body = nats_servers::monitor(port, query).map_err(|err| err.0)?;
        let connz: Value = serde_json::from_str(&body).map_err(|err| err.to_string())?;
        Ok(connz["connections"].as_array().cloned().unwrap_or_default())
    };
    loop {
        let open = read("/connz?auth=1&subs=1&limit=4096");
        let closed = read("/connz?state=closed&auth=1&subs=1&sort=stop&limit=256");
        match (open, closed) {
            (Ok(open), Ok(closed)) => {
                let mut state = lock(state);
                state.connections = open;
                let now = Instant::now();
                for connection in closed {
                    let cid = connection["cid"].as_u64().unwrap_or_default();
                    state.ended.entry(cid).or_insert((now, connection));
                }
                state
                    .ended
                    .retain(|_, (seen, _)| now.duration_since(*seen) < RECENT);
            }
            (Err(err), _) | (_, Err(err)) => warn!("cannot read the server's monitoring: {err}"),
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Subscriptions a program makes for the library's own use: its reply inbox, and the service
/// API's nine `$SRV` subjects. The page folds them into one count.
fn plumbing(subject: &str) -> bool {
    subject.starts_with("_INBOX.") || subject.starts_with("$SRV.")
}

/// `/api/state`: per student, sorted by name, their open programs (connection names) and those
/// that ended in the last minute, their subscriptions (plumbing folded into a count), what
/// they sent and received, their progress (an exercise never reported is absent) and the time
/// of their last report; then the totals per exercise and the class traffic.
pub fn snapshot(state: &State) -> Value {
    let students: Vec<Value> = state
        .students
        .iter()
        .map(|name| student(state, name))
        .collect();
    let totals: serde_json::Map<String, Value> = state
        .exercises
        .iter()
        .map(|exercise| {
            let passed = state
                .progress
                .iter()
                .filter(|((_, e), result)| e == exercise && result.as_str() == "passed")
                .count();
            (exercise.clone(), json!(passed))
        })
        .collect();
    json!({
        "students": students, "exercises": state.exercises, "totals": totals,
        "traffic": state.traffic,
    })
}

fn student(state: &State, name: &str) -> Value {
    let mine = |c: &&Value| c["account"] == name;
    let open: Vec<&Value> = state.connections.iter().filter(mine).collect();
    let is_open = |c: &&Value| open.iter().any(|o| o["cid"] == c["cid"]);
    let ended: Vec<&Value> = state
        .ended
        .values()
        .map(|(_, c)| c)
        .filter(mine)
        .filter(|c| !is_open(c))
        .collect();
    let names = |list: &[&Value]| -> Vec<String> {
        let mut names: Vec<String> = list
            .iter()
            .map(|c| c["name"].as_str().unwrap_or("(no name)").to_string())
            .collect();
        names.sort();
        names
    };
    let mut subjects: Vec<&str> = open
        .iter()
        .flat_map(|c| c["subscriptions_list"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect();
    let folded = subjects.iter().filter(|s| plumbing(s)).count();
    subjects.retain(|subject| !plumbing(subject));
    subjects.sort_unstable();
    subjects.dedup();
    // The server counts from its side: what a client sent is its `in_msgs`.
    let count = |field: &str| -> u64 {
        let all = open.iter().chain(ended.iter());
        all.map(|c| c[field].as_u64().unwrap_or(0)).sum()
    };
    let progress: serde_json::Map<String, Value> = state
        .progress
        .iter()
        .filter(|((student, _), _)| student == name)
        .map(|((_, exercise), result)| (exercise.clone(), json!(result)))
        .collect();
    let passed = progress.values().filter(|r| *r == "passed").count();
    json!({
        "name": name, "connections": names(&open), "ended": names(&ended),
        "subscriptions": subjects, "folded_subscriptions": folded,
        "sent": count("in_msgs"), "received": count("out_msgs"),
        "progress": progress, "passed": passed, "last_report": state.last_report.get(name),
    })
}
