//! The running class: the relay of `class.>`, the progress bucket, what the server's monitoring
//! says about the connections, and the page, until Ctrl-C. The classroom program is a NATS
//! client of the class account like any other (user `classroom`).

use std::future::Future;
use std::pin::Pin;
use std::process::Child;
use std::time::Duration;

use async_nats::jetstream::kv::{Entry, Operation, Store, WatcherError};
use async_nats::jetstream::stream::{Config as StreamConfig, DiscardPolicy, StorageType};
use async_nats::{Client, ConnectOptions, HeaderMap};
use futures_util::{Stream, StreamExt};
use log::{info, warn};
use serde_json::json;

use crate::StartOptions;
use crate::roster::{CA_FILE, PROGRESS_BUCKET, Roster};
use crate::state::{Shared, State, lock};

/// The header the relay adds: who sent a class message (the teacher's have `teacher`).
const FROM: &str = "Class-From";
/// How many class messages the page shows.
const TRAFFIC: usize = 30;
/// The subject of the report service (`report.rs`), which the relay leaves alone.
const REPORT: &str = "class.report";

pub async fn run(
    roster: &Roster,
    url: &str,
    options: &StartOptions,
    page_host: &str,
    server: &mut Child,
) -> Result<(), String> {
    // One Ctrl-C listener for the whole class, polled once now so that it is in place before
    // the class says how to end it (a listener made later would miss a Ctrl-C before it).
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    let _ = futures_util::FutureExt::now_or_never(ctrl_c.as_mut());
    let login = &roster.program;
    // The class server requires TLS from every client, this one included.
    let connect =
        ConnectOptions::with_user_and_password(login.name.clone(), login.password.clone())
            .name("classroom")
            .add_root_certificates(roster.dir.join(CA_FILE))
            .require_tls(true);
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
    let state = State::shared(students.clone(), exercises);
    let page = crate::web::Page::bind(&options.page_listen, options.http).await?;
    let address = page.address(page_host);
    tokio::spawn(page.serve(state.clone()));
    tokio::spawn(relay(client.clone(), students.clone(), state.clone()));
    tokio::spawn(crate::report::serve(
        client.clone(),
        bucket.clone(),
        students,
    ));
    tokio::spawn(watch_progress(bucket, state.clone()));
    let (monitor, polled) = (options.monitor, state.clone());
    std::thread::spawn(move || crate::state::poll_connections(monitor, &polled));

    println!("classroom: the live page: {address}");
    println!(
        "classroom: Ctrl-C ends the class; accounts, passwords and progress stay for the next start"
    );
    until_ctrl_c(server, ctrl_c.as_mut()).await?;
    info!("Ctrl-C: the class ends");
    let _ = client.drain().await;
    Ok(())
}

/// The class account's bucket of results: one key per student and exercise. A bucket is a
/// stream (`KV_progress`); it is made here with the settings a bucket that students report
/// into needs, which async-nats's bucket builder leaves open: no rollups, purges or deletes
/// (nothing but the report service writes, and it only puts), the latest value per key only,
/// and limits per value and in total.
async fn progress_bucket(client: &Client) -> Result<Store, String> {
    let js = async_nats::jetstream::new(client.clone());
    let stream = format!("KV_{PROGRESS_BUCKET}");
    let config = StreamConfig {
        name: stream.clone(),
        subjects: vec![format!("$KV.{PROGRESS_BUCKET}.>")],
        max_messages_per_subject: 1,
        max_message_size: 64,
        max_bytes: 1024 * 1024,
        discard: DiscardPolicy::New,
        storage: StorageType::File,
        allow_rollup: false,
        deny_delete: true,
        deny_purge: true,
        allow_direct: true,
        ..Default::default()
    };
    let made = js.create_or_update_stream(config).await;
    made.map_err(|err| {
        format!(
            "cannot set up the progress bucket ({err})\nhint: a class folder of an older \
             classroom has one with other settings: `classroom reset` starts a new class"
        )
    })?;
    let bucket = js.get_key_value(PROGRESS_BUCKET).await;
    bucket.map_err(|err| format!("cannot open the progress bucket: {err}"))
}

/// Keeps the page's progress as the bucket has it: every key at start, then each change. A
/// watcher's error gets a line and the feed goes on; if the watch ends, it starts again.
async fn watch_progress(bucket: Store, state: Shared) {
    loop {
        match bucket.watch_with_history(">").await {
            Ok(entries) => feed(entries, &state).await,
            Err(err) => warn!("cannot watch the progress bucket: {err}; trying again"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// One watch: each entry into the state, each error a line.
pub async fn feed(
    mut entries: impl Stream<Item = Result<Entry, WatcherError>> + Unpin,
    state: &Shared,
) {
    while let Some(entry) = entries.next().await {
        match entry {
            Ok(entry) => keep(entry, state),
            Err(err) => warn!("the progress feed reports: {err}; it goes on"),
        }
    }
    warn!("the progress feed ended; watching again");
}

fn keep(entry: Entry, state: &Shared) {
    let Some((student, exercise)) = entry.key.split_once('.') else {
        return;
    };
    let key = (student.to_string(), exercise.to_string());
    let mut state = lock(state);
    match entry.operation {
        Operation::Put => {
            let result = String::from_utf8_lossy(&entry.value).to_string();
            let at = entry.created.unix_timestamp();
            let last = state.last_report.entry(key.0.clone()).or_default();
            *last = (*last).max(at);
            state.progress.insert(key, result);
        }
        _ => drop(state.progress.remove(&key)),
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
                // A report is the report service's, not a message for the room.
                if subject == REPORT { continue }
                let (sender, subject) = (sender.to_string(), subject.to_string());
                (message, sender, subject)
            }
            Some(message) = from_teacher.next() => {
                // What the relay itself republished for the teacher carries the header: skip it.
                if message.headers.as_ref().is_some_and(|headers| headers.get(FROM).is_some()) { continue }
                if message.subject.as_str() == REPORT { continue }
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

#[cfg(test)]
mod tests {
    use async_nats::jetstream::kv::{Entry, Operation, WatcherError, WatcherErrorKind};

    use super::feed;
    use crate::state::{State, lock};

    fn put(key: &str, value: &'static str) -> Result<Entry, WatcherError> {
        Ok(Entry {
            bucket: "progress".into(),
            key: key.into(),
            value: value.into(),
            revision: 1,
            delta: 0,
            created: time::OffsetDateTime::UNIX_EPOCH,
            operation: Operation::Put,
            seen_current: true,
        })
    }

    /// The watcher's items as the feed gets them; an error between two entries stops nothing.
    #[tokio::test]
    async fn the_feed_goes_on_after_a_watcher_error() {
        let state = State::shared(vec!["alice".into()], vec![]);
        let items = vec![
            put("alice.timeouts", "1 of 2"),
            Err(WatcherError::new(WatcherErrorKind::Consumer)),
            put("alice.counter", "passed"),
        ];
        feed(futures_util::stream::iter(items), &state).await;
        let progress = &lock(&state).progress;
        let kept: Vec<String> = progress
            .iter()
            .map(|((s, e), r)| format!("{s}.{e} = {r}"))
            .collect();
        assert_eq!(kept, ["alice.counter = passed", "alice.timeouts = 1 of 2"]);
    }
}
