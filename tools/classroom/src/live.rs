//! The running class: the relay of `class.>`, the progress bucket, what the server's monitoring
//! says about the connections, and the page, until Ctrl-C. The classroom program is a NATS
//! client of the class account like any other (user `classroom`).

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::jetstream::kv::{Config, Operation, Store};
use async_nats::{Client, ConnectOptions, HeaderMap};
use futures_util::StreamExt;
use log::{info, warn};
use serde_json::{Value, json};

use crate::StartOptions;
use crate::roster::{PROGRESS_BUCKET, Roster};

/// The header the relay adds: who sent a class message (the teacher's have `teacher`).
const FROM: &str = "Class-From";
/// How many class messages the page shows.
const TRAFFIC: usize = 30;

/// What the page shows, kept up to date by the tasks below.
#[derive(Default)]
pub struct State {
    pub students: Vec<String>,
    pub exercises: Vec<String>,
    /// The monitoring's connections of the students' accounts, as it gives them.
    pub connections: Vec<Value>,
    /// (student, exercise) to "passed" or "N of M", from the progress bucket.
    pub progress: BTreeMap<(String, String), String>,
    pub traffic: VecDeque<Value>,
}

pub type Shared = Arc<Mutex<State>>;

pub async fn run(
    roster: &Roster,
    url: &str,
    options: &StartOptions,
    page: &str,
    server: &mut Child,
) -> Result<(), String> {
    // One Ctrl-C listener for the whole class, polled once now so that it is in place before
    // the class says how to end it (a listener made later would miss a Ctrl-C before it).
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    let _ = futures_util::FutureExt::now_or_never(ctrl_c.as_mut());
    let login = &roster.program;
    let connect =
        ConnectOptions::with_user_and_password(login.name.clone(), login.password.clone())
            .name("classroom");
    let client = connect
        .connect(url)
        .await
        .map_err(|err| format!("cannot connect to the class server: {err}"))?;
    let bucket = progress_bucket(&client).await?;
    let students: Vec<String> = roster.students.iter().map(|s| s.name.clone()).collect();
    let exercises = crate::course::EXERCISES
        .iter()
        .map(|e| e.to_string())
        .collect();
    let state = Arc::new(Mutex::new(State {
        students: students.clone(),
        exercises,
        ..Default::default()
    }));

    let listener = tokio::net::TcpListener::bind((options.listen.as_str(), options.http)).await;
    let listener = listener.map_err(|err| {
        format!(
            "cannot serve the page on port {} ({err})\nhint: choose another with --http",
            options.http
        )
    })?;
    tokio::spawn(crate::web::serve(listener, state.clone()));
    tokio::spawn(relay(client.clone(), students.clone(), state.clone()));
    tokio::spawn(watch_progress(bucket, state.clone()));
    let (monitor, polled) = (options.monitor, state.clone());
    std::thread::spawn(move || poll_connections(monitor, &polled));

    println!("classroom: the live page: {page} (JSON: {page}api/state)");
    println!(
        "classroom: Ctrl-C ends the class; accounts, passwords and progress stay for the next start"
    );
    until_ctrl_c(server, ctrl_c.as_mut()).await?;
    info!("Ctrl-C: the class ends");
    let _ = client.drain().await;
    Ok(())
}

/// The class account's bucket of results: one key per student and exercise.
async fn progress_bucket(client: &Client) -> Result<Store, String> {
    let js = async_nats::jetstream::new(client.clone());
    let config = Config {
        bucket: PROGRESS_BUCKET.into(),
        history: 5,
        ..Default::default()
    };
    let created = js.create_or_update_key_value(config).await;
    created.map_err(|err| format!("cannot create the progress bucket: {err}"))
}

/// Keeps the page's progress as the bucket has it: every key at start, then each change.
async fn watch_progress(bucket: Store, state: Shared) {
    let mut entries = match bucket.watch_with_history(">").await {
        Ok(entries) => entries,
        Err(err) => return warn!("cannot watch the progress bucket: {err}"),
    };
    while let Some(Ok(entry)) = entries.next().await {
        let Some((student, exercise)) = entry.key.split_once('.') else {
            continue;
        };
        let key = (student.to_string(), exercise.to_string());
        let mut state = lock(&state);
        match entry.operation {
            Operation::Put => drop(
                state
                    .progress
                    .insert(key, String::from_utf8_lossy(&entry.value).into()),
            ),
            _ => drop(state.progress.remove(&key)),
        }
    }
}

/// Until the teacher presses Ctrl-C; an error if the server stops first.
async fn until_ctrl_c(
    server: &mut Child,
    mut ctrl_c: Pin<&mut impl Future<Output = std::io::Result<()>>>,
) -> Result<(), String> {
    loop {
        tokio::select! {
            _ = &mut ctrl_c => return Ok(()),
            _ = tokio::time::sleep(Duration::from_millis(500)) => {
                if let Ok(Some(status)) = server.try_wait() {
                    return Err(format!("nats-server stopped ({status}); see nats-server.log in the class folder"));
                }
            }
        }
    }
}

/// The relay: what a student sends on `class.X` arrives as `from.NAME.class.X`; it goes on to
/// every other student (`to.OTHER.class.X`) and to the class account's own `class.X`, where the
/// teacher listens. The teacher's `class.X` goes to every student.
async fn relay(client: Client, students: Vec<String>, state: Shared) {
    let (Ok(mut from_students), Ok(mut from_teacher)) = (
        client.subscribe("from.*.class.>").await,
        client.subscribe("class.>").await,
    ) else {
        return warn!("cannot subscribe to the class subjects: the relay is off");
    };
    loop {
        let (message, sender, subject) = tokio::select! {
            Some(message) = from_students.next() => {
                let mut tokens = message.subject.splitn(3, '.').skip(1);
                let (Some(sender), Some(subject)) = (tokens.next(), tokens.next()) else { continue };
                let (sender, subject) = (sender.to_string(), subject.to_string());
                (message, sender, subject)
            }
            Some(message) = from_teacher.next() => {
                // What the relay itself republished for the teacher carries the header: skip it.
                if message.headers.as_ref().is_some_and(|headers| headers.get(FROM).is_some()) { continue }
                (message.clone(), "teacher".to_string(), message.subject.to_string())
            }
            else => return,
        };
        let mut headers = message.headers.clone().unwrap_or_else(HeaderMap::new);
        headers.insert(FROM, sender.as_str());
        for student in students.iter().filter(|student| **student != sender) {
            let to = format!("to.{student}.{subject}");
            let _ = client
                .publish_with_headers(to, headers.clone(), message.payload.clone())
                .await;
        }
        if sender != "teacher" {
            let _ = client
                .publish_with_headers(subject.clone(), headers, message.payload.clone())
                .await;
        }
        let text: String = String::from_utf8_lossy(&message.payload)
            .chars()
            .take(120)
            .collect();
        let mut state = lock(&state);
        state
            .traffic
            .push_front(json!({ "from": sender, "subject": subject, "text": text }));
        state.traffic.truncate(TRAFFIC);
    }
}

/// Every second, the students' connections from the server's monitoring (`/connz`).
fn poll_connections(port: u16, state: &Shared) {
    loop {
        match nats_servers::monitor(port, "/connz?auth=1&subs=1&limit=4096") {
            Ok(body) => {
                let connz: Value = serde_json::from_str(&body).unwrap_or_default();
                let connections = connz["connections"].as_array().cloned().unwrap_or_default();
                lock(state).connections = connections;
            }
            Err(err) => warn!("cannot read the server's monitoring: {err}"),
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

pub fn lock(state: &Shared) -> std::sync::MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `/api/state`: per student, sorted by name, the connections (full names), subscriptions,
/// message counts and progress (an exercise never reported is absent); then the class traffic.
pub fn snapshot(state: &State) -> Value {
    let students: Vec<Value> = state
        .students
        .iter()
        .map(|name| {
            let mine: Vec<&Value> = state
                .connections
                .iter()
                .filter(|c| c["account"] == name.as_str())
                .collect();
            let names: Vec<&str> = mine
                .iter()
                .map(|c| c["name"].as_str().unwrap_or("(no name)"))
                .collect();
            let mut subjects: Vec<&str> = mine
                .iter()
                .flat_map(|c| c["subscriptions_list"].as_array().into_iter().flatten())
                .filter_map(Value::as_str)
                .collect();
            subjects.sort_unstable();
            subjects.dedup();
            let count = |field: &str| {
                mine.iter()
                    .map(|c| c[field].as_u64().unwrap_or(0))
                    .sum::<u64>()
            };
            let progress: serde_json::Map<String, Value> = state
                .progress
                .iter()
                .filter(|((student, _), _)| student == name)
                .map(|((_, exercise), result)| (exercise.clone(), json!(result)))
                .collect();
            json!({
                "name": name, "connections": names, "subscriptions": subjects,
                "in_msgs": count("in_msgs"), "out_msgs": count("out_msgs"), "progress": progress,
            })
        })
        .collect();
    json!({ "students": students, "exercises": state.exercises, "traffic": state.traffic })
}
