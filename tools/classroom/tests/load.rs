//! Twenty students at once, simulated by this test's own connections with the students' logins
//! (not twenty builds): each connects, listens to and speaks on `class.chat`, runs the real
//! pub-simple step, and reports three results to the report service, over TLS. Nothing may be lost or doubled: every student
//! hears every message once, and the progress bucket holds all sixty results. The figures are
//! printed, never asserted (`cargo test -p classroom --test load -- --nocapture` shows them).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use async_nats::{Client, Subscriber};
use common::{Class, WAIT};
use futures_util::StreamExt;
use futures_util::future::join_all;
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
    let (clients, listeners) = runtime.block_on(connect_all(&class, &names));
    let connected = started.elapsed();
    class.wait_state("twenty students connected", |state| {
        state["students"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| !s["connections"].as_array().unwrap().is_empty())
    });

    // Everyone speaks at once: a message from each connection and from each one's pub-simple,
    // and reports three results, each acknowledged by JetStream.
    let speaking = Instant::now();
    let (acks, reported, stepped) = speak_and_report(&runtime, &class, &clients, &names);

    // Every student hears all 40 messages, once each.
    let heard = runtime.block_on(join_all(listeners.into_iter().map(hear_all)));
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
         processes ran in {stepped:.2?}; {} class messages heard by all in {delivered:.2?}; {} \
         results acknowledged in {reported:.2?} (slowest {slowest:.2?}); the page showed them \
         all {:.2?} later",
        2 * STUDENTS,
        acks.len(),
        page.elapsed()
    );
}

/// Each student's pub-simple and own message on `class.chat`, then each one's three reports.
/// How long each acknowledgement took, all of them, and the steps.
fn speak_and_report(
    runtime: &tokio::runtime::Runtime,
    class: &Class,
    clients: &[Client],
    names: &[String],
) -> (Vec<Duration>, Duration, Duration) {
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
    for (client, name) in clients.iter().zip(names) {
        runtime
            .block_on(client.publish("class.chat", format!("hello from {name}").into()))
            .unwrap();
    }
    let reporting = Instant::now();
    let acks = runtime.block_on(report_all(clients, names));
    let reported = reporting.elapsed();
    for mut step in steps {
        assert_eq!(step.wait_exit(WAIT).unwrap().code, Some(0));
    }
    (acks, reported, speaking.elapsed())
}

/// Every student connected at once, each listening to `class.chat`.
async fn connect_all(class: &Class, names: &[String]) -> (Vec<Client>, Vec<Subscriber>) {
    let clients = join_all(names.iter().map(|name| {
        let options = class.options(name);
        let url = class.setting(name, "NATS_URL");
        async move {
            options
                .name(format!("load ({name})"))
                .connect(url)
                .await
                .unwrap()
        }
    }))
    .await;
    let mut listeners = Vec::new();
    for client in &clients {
        listeners.push(client.subscribe("class.chat").await.unwrap());
        client.flush().await.unwrap();
    }
    (clients, listeners)
}

/// Each student's three results, all at once; how long each acknowledgement took.
async fn report_all(clients: &[Client], names: &[String]) -> Vec<Duration> {
    join_all(clients.iter().zip(names).flat_map(|(client, name)| {
        EXERCISES.iter().map(move |exercise| async move {
            let sent = Instant::now();
            let report = common::report_text(exercise, "passed");
            let (answer, error) = common::send_report(client, report).await;
            assert!(
                answer.starts_with(&format!("kept {name}.{exercise}")),
                "{answer} {error:?}"
            );
            sent.elapsed()
        })
    }))
    .await
}

/// The class messages one student hears: all of them, or what came before a silence.
async fn hear_all(mut listener: Subscriber) -> Vec<String> {
    let mut heard = Vec::new();
    while heard.len() < 2 * STUDENTS {
        match tokio::time::timeout(WAIT, listener.next()).await {
            Ok(Some(message)) => heard.push(String::from_utf8_lossy(&message.payload).to_string()),
            _ => break,
        }
    }
    heard
}
