//! The class's progress bucket holds against its own students: a student's account reaches no
//! `$KV` or JetStream subject of the class account, and the bucket's stream itself refuses
//! rollups, purges and deletes, and values over its limit, even to the class account's own
//! logins. Each attack is followed by reading the bucket (not the page): every other
//! student's record is still there.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream;
use common::{Class, WAIT, block_on, report_text, send_report};

/// The records in the bucket, read with the teacher's login: key = value.
async fn records(class: &Class) -> Vec<String> {
    let (teacher, _) = class.connect("teacher").await;
    let bucket = jetstream::new(teacher)
        .get_key_value("progress")
        .await
        .unwrap();
    let mut found = Vec::new();
    for key in ["alice.timeouts", "bob.timeouts", "carol.counter"] {
        if let Some(value) = bucket.get(key).await.unwrap() {
            found.push(format!("{key} = {}", String::from_utf8_lossy(&value)));
        }
    }
    found
}

#[test]
fn a_students_rollup_purge_delete_or_oversized_report_leaves_every_record() {
    let class = Class::start("alice,bob,carol");
    for (name, exercise) in [
        ("alice", "timeouts"),
        ("bob", "timeouts"),
        ("carol", "counter"),
    ] {
        block_on(async {
            let (client, _) = class.connect(name).await;
            let (body, error) = send_report(&client, report_text(exercise, "passed")).await;
            assert!(
                body.starts_with("kept") && error.is_none(),
                "{body} {error:?}"
            );
        });
    }
    let all = [
        "alice.timeouts = passed",
        "bob.timeouts = passed",
        "carol.counter = passed",
    ];
    assert_eq!(block_on(records(&class)), all);

    let answers = block_on(attack(&class));
    assert_eq!(answers[0], "Some(NoResponders)");
    for answer in &answers[1..3] {
        assert!(
            answer.contains("stream not found") && answer.contains("10059"),
            "{answer}"
        );
    }
    assert_eq!(answers[3], "a report is at most 256 bytes, not 200000");
    assert_eq!(answers[4], "", "the server reported an error to alice");
    assert_eq!(block_on(records(&class)), all);
}

#[test]
fn the_progress_stream_refuses_rollups_purges_deletes_and_large_values_to_the_class_too() {
    let class = Class::start("alice,bob");
    common::report(&class, "alice");
    common::report(&class, "bob");
    let refusals = block_on(async {
        let (teacher, _) = class.connect("teacher").await;
        let js = jetstream::new(teacher.clone());
        let mut refusals = Vec::new();
        let mut rollup = HeaderMap::new();
        rollup.insert("Nats-Rollup", "all");
        let sent = js
            .publish_with_headers("$KV.progress.alice.x", rollup, "x".into())
            .await
            .unwrap();
        refusals.push(sent.await.unwrap_err().to_string());
        let stream = js.get_stream("KV_progress").await.unwrap();
        refusals.push(stream.purge().await.unwrap_err().to_string());
        refusals.push(stream.delete_message(1).await.unwrap_err().to_string());
        let large = js
            .publish("$KV.progress.alice.x", "x".repeat(100).into())
            .await
            .unwrap();
        refusals.push(large.await.unwrap_err().to_string());
        // The class account's JetStream holds this one stream only.
        let other = js.create_stream(jetstream::stream::Config {
            name: "MORE".into(),
            subjects: vec!["more".into()],
            max_bytes: 1024,
            ..Default::default()
        });
        refusals.push(
            tokio::time::timeout(Duration::from_secs(5), other)
                .await
                .unwrap()
                .unwrap_err()
                .to_string(),
        );
        refusals
    });
    let expected = [
        ("a rollup", "rollup"),
        ("a purge", "purge"),
        ("a delete", "delete"),
        ("a 100-byte value", "message size exceeds maximum"),
        ("a second stream", "maximum number of streams reached"),
    ];
    for ((what, words), refusal) in expected.iter().zip(&refusals) {
        assert!(refusal.to_lowercase().contains(words), "{what}: {refusal}");
    }
    let kept = block_on(records(&class));
    assert_eq!(kept, ["alice.timeouts = passed", "bob.timeouts = passed"]);
}

/// What alice tries, with her own login, and what comes back of each try.
async fn attack(class: &Class) -> Vec<String> {
    let (alice, mut refused) = class.connect("alice").await;
    let mut answers = Vec::new();
    // A rollup on her own key, as the attack did: no such subject reaches the class now.
    let mut rollup = HeaderMap::new();
    rollup.insert("Nats-Rollup", "all");
    let sent = alice.request_with_headers("$KV.progress.alice.x", rollup, "x".into());
    answers.push(format!(
        "{:?}",
        tokio::time::timeout(WAIT, sent)
            .await
            .unwrap()
            .err()
            .map(|e| e.kind())
    ));
    // The purge and delete APIs of the bucket's stream: her own JetStream has no such stream.
    for api in [
        "$JS.API.STREAM.PURGE.KV_progress",
        "$JS.API.STREAM.MSG.DELETE.KV_progress",
    ] {
        let body = r#"{"seq":1}"#;
        let answer = alice.request(api, body.into()).await.unwrap();
        answers.push(String::from_utf8_lossy(&answer.payload).to_string());
    }
    // A report far over the limit: refused before it is read.
    let (_, error) = send_report(&alice, "x".repeat(200_000)).await;
    answers.push(error.unwrap_or_default());
    alice.flush().await.unwrap();
    answers.push(refused.try_recv().unwrap_or_default());
    answers
}
