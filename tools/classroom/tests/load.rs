//! Twenty students at once, simulated by this test's own connections with the students' logins
//! (not twenty builds): each connects, listens to and speaks on `class.chat`, runs the real
//! pub-simple step, and reports three results. Nothing may be lost or doubled: every student
//! hears every message once, and the progress bucket holds all sixty results. The figures are
//! printed, never asserted (`cargo test -p classroom --test load -- --nocapture` shows them).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Class, WAIT};
use futures_util::StreamExt;
use testkit::Step;

const STUDENTS: usize = 20;
const EXERCISES: [&str; 3] = ["timeouts", "counter", "wildcard"];

#[test]
fn twenty_students_at_once_lose_nothing() {
    let names: Vec<String> = (1..=STUDENTS).map(|n| format!("student{n:02}")).collect();
    common::step_bin("pub-simple"); // built before the clock starts
    let class = Class::start(&names.join(","));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let clients: Vec<_> =
        runtime.block_on(futures_util::future::join_all(names.iter().map(|name| {
            let options = async_nats::ConnectOptions::with_user_and_password(
                name.clone(),
                class.setting(name, "NATS_PASSWORD"),
            );
            let url = class.setting(name, "NATS_URL");
            async move {
                options
                    .name(format!("load ({name})"))
                    .connect(url)
                    .await
                    .unwrap()
            }
        })));
    let connected = started.elapsed();
    let mut listeners = Vec::new();
    for client in &clients {
        listeners.push(runtime.block_on(client.subscribe("class.chat")).unwrap());
    }
    runtime.block_on(futures_util::future::join_all(
        clients.iter().map(|client| client.flush()),
    ));
    class.wait_state("twenty students connected", |state| {
        state["students"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| !s["connections"].as_array().unwrap().is_empty())
    });

    // Everyone speaks at once: a message from each connection and from each one's pub-simple.
    let speaking = Instant::now();
    let steps: Vec<Step> = names
        .iter()
        .map(|name| {
            Step::start(&mut class.step(
                name,
                "pub-simple",
                &["class.chat", &format!("step of {name}")],
            ))
            .unwrap()
        })
        .collect();
    for (client, name) in clients.iter().zip(&names) {
        runtime
            .block_on(client.publish("class.chat", format!("hello from {name}").into()))
            .unwrap();
    }
    // And reports its results, each acknowledged by JetStream.
    let reporting = Instant::now();
    let acks = runtime.block_on(futures_util::future::join_all(
        clients.iter().zip(&names).flat_map(|(client, name)| {
            EXERCISES.iter().map(move |exercise| async move {
                let sent = Instant::now();
                let answer = client
                    .request(format!("$KV.progress.{name}.{exercise}"), "passed".into())
                    .await
                    .unwrap();
                assert!(String::from_utf8_lossy(&answer.payload).contains("\"seq\""));
                sent.elapsed()
            })
        }),
    ));
    let reported = reporting.elapsed();
    for mut step in steps {
        assert_eq!(step.wait_exit(WAIT).unwrap().code, Some(0));
    }
    let stepped = speaking.elapsed();

    // Every student hears all 40 messages, once each.
    let heard: Vec<Vec<String>> = runtime.block_on(futures_util::future::join_all(
        listeners.into_iter().map(|mut listener| async move {
            let mut heard = Vec::new();
            while heard.len() < 2 * STUDENTS {
                match tokio::time::timeout(WAIT, listener.next()).await {
                    Ok(Some(message)) => {
                        heard.push(String::from_utf8_lossy(&message.payload).to_string())
                    }
                    _ => break,
                }
            }
            heard
        }),
    ));
    let delivered = speaking.elapsed();
    for (name, mut messages) in names.iter().zip(heard) {
        messages.sort();
        let before = messages.len();
        messages.dedup();
        assert_eq!(
            (before, messages.len()),
            (2 * STUDENTS, 2 * STUDENTS),
            "{name} heard {messages:?}"
        );
    }
    // Nothing else arrives: a doubled message would be the 41st.
    for client in &clients {
        runtime.block_on(client.flush()).unwrap();
    }

    let page = Instant::now();
    class.wait_state("sixty results", |state| {
        state["students"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| EXERCISES.iter().all(|e| s["progress"][e] == "passed"))
    });
    let slowest = acks.iter().max().copied().unwrap_or(Duration::ZERO);
    println!(
        "load: {STUDENTS} students connected in {connected:.2?}; their {STUDENTS} pub-simple \
         processes ran in {stepped:.2?}; {} class messages heard by all in {delivered:.2?}; {} results acknowledged in {reported:.2?} (slowest {slowest:.2?}); the \
         page showed them all {:.2?} later",
        2 * STUDENTS,
        acks.len(),
        page.elapsed()
    );
}
