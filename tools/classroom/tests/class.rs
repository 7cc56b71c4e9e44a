//! The class server, as a class uses it: two students with their settings files, the steps as
//! the guide runs them, the relay of `class.>`, the page's JSON, and the progress bucket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use async_nats::{ConnectOptions, Event};
use common::{Class, WAIT};
use testkit::Step;

#[test]
fn each_student_has_an_account_and_the_class_subjects_reach_everyone() {
    let mut class = Class::start("bob,alice");

    // Two settings files, owner-only, with what a shell's `set -a; . FILE` loads.
    for name in ["alice", "bob"] {
        let keys: Vec<String> = class
            .settings(name)
            .into_iter()
            .map(|(key, _)| key)
            .collect();
        assert_eq!(
            keys,
            [
                "NATS_URL",
                "NATS_USER",
                "NATS_PASSWORD",
                "NATS_CLASS",
                "NATS_NAME"
            ]
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(class.dir.join(format!("{name}.env"))).unwrap();
            assert_eq!(
                mode.permissions().mode() & 0o777,
                0o600,
                "{name}.env is not owner-only"
            );
        }
    }

    // alice listens to everything her account carries; bob to the class subject.
    let alice = Step::start(&mut class.step("alice", "async-sub", &[">"])).unwrap();
    let bob = Step::start(&mut class.step("bob", "async-sub", &["class.chat"])).unwrap();
    let state = class.wait_state("both subscribers", |state| {
        let subscribed = |name, subject| {
            Class::student(state, name)["subscriptions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s == subject)
        };
        subscribed("alice", ">") && subscribed("bob", "class.chat")
    });
    assert_eq!(
        Class::student(&state, "alice")["connections"][0],
        "async-sub (alice)"
    );
    assert_eq!(
        Class::student(&state, "bob")["connections"][0],
        "async-sub (bob)"
    );

    // bob's `foo` stays in his account; his `class.chat` and the teacher's reach both.
    for (who, args) in [
        ("bob", vec![]),
        ("bob", vec!["class.chat", "hi from bob"]),
        ("teacher", vec!["class.chat", "hello class"]),
    ] {
        let out = Step::run(&mut class.step(who, "pub-simple", &args), WAIT).unwrap();
        assert_eq!(out.code, Some(0), "{who}'s pub-simple:\n{}", out.all);
    }
    for step in [&alice, &bob] {
        step.wait_for_line("Received message 'hi from bob'", WAIT)
            .unwrap();
        step.wait_for_line("Received message 'hello class'", WAIT)
            .unwrap();
    }
    assert!(
        !alice.output_so_far().contains("Hello NATS"),
        "bob's foo reached alice:\n{}",
        alice.output_so_far()
    );

    // The page's JSON: students by name, no teacher, the class traffic with who sent it.
    let state = class.state();
    let names: Vec<&str> = state["students"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "bob"]);
    let traffic = state["traffic"].to_string();
    assert!(
        traffic.contains(r#""from":"bob","subject":"class.chat","text":"hi from bob""#),
        "{traffic}"
    );

    // No password anywhere but the settings files and the sheet: not in what classroom
    // printed, the page, its JSON, the server's configuration or its log.
    let passwords: Vec<String> = ["alice", "bob", "teacher"]
        .map(|name| class.setting(name, "NATS_PASSWORD"))
        .into();
    let page = nats_servers::monitor(class.http, "/").unwrap();
    let dir = class.dir.clone();
    let said = class.stop();
    let files = ["nats-server.conf", "nats-server.log"]
        .map(|file| std::fs::read_to_string(dir.join(file)).unwrap());
    let sheet = std::fs::read_to_string(dir.join("sheet.md")).unwrap();
    for password in &passwords {
        for (place, text) in [
            ("output", &said),
            ("page", &page),
            ("JSON", &traffic),
            ("conf", &files[0]),
            ("log", &files[1]),
        ] {
            assert!(
                !text.contains(password.as_str()),
                "a password is in the {place}"
            );
        }
    }
    assert!(
        sheet.contains(&passwords[0])
            && sheet.contains(&passwords[1])
            && !sheet.contains(&passwords[2])
    );
}

#[test]
fn progress_is_kept_per_student_and_a_forged_report_is_refused() {
    let mut class = Class::start("alice,bob");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (url, password) = (
        class.setting("alice", "NATS_URL"),
        class.setting("alice", "NATS_PASSWORD"),
    );
    let (errors, mut refused) = tokio::sync::mpsc::unbounded_channel();
    runtime.block_on(async {
        let options = ConnectOptions::with_user_and_password("alice".into(), password)
            .event_callback(move |event| {
                let errors = errors.clone();
                async move {
                    if let Event::ServerError(err) = event {
                        let _ = errors.send(err.to_string());
                    }
                }
            });
        let alice = options.connect(&url).await.unwrap();
        // Her own report: JetStream acknowledges it.
        let ack = alice
            .request("$KV.progress.alice.timeouts", "passed".into())
            .await
            .unwrap();
        assert!(String::from_utf8_lossy(&ack.payload).contains(r#""stream":"KV_progress""#));
        // One under bob's name: the server refuses it.
        alice
            .publish("$KV.progress.bob.timeouts", "passed".into())
            .await
            .unwrap();
        alice.flush().await.unwrap();
        let error = tokio::time::timeout(WAIT, refused.recv())
            .await
            .unwrap()
            .unwrap();
        assert!(
            error.contains("Permissions Violation for Publish to \"$KV.progress.bob.timeouts\""),
            "{error}"
        );
    });
    let state = class.wait_state("alice's report", |state| {
        Class::student(state, "alice")["progress"]["timeouts"] == "passed"
    });
    assert_eq!(
        Class::student(&state, "bob")["progress"],
        serde_json::json!({})
    );

    // A wrong password gets the steps' sentence, and no password is shown.
    let mut wrong = class.step("alice", "pub-simple", &[]);
    let out = Step::run(wrong.env("NATS_PASSWORD", "not-her-password"), WAIT).unwrap();
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr
            .contains("refused class user 'alice': authorization violation."),
        "{}",
        out.stderr
    );
    assert!(!out.all.contains("not-her-password"));

    // A restart keeps the logins and the progress.
    let before = class.settings("alice");
    class.stop();
    let again = Class::start_in(&class.dir.clone(), "");
    // Same login (the URL has the new test ports).
    assert_eq!(again.settings("alice")[1..], before[1..]);
    again.wait_state("alice's report after a restart", |state| {
        Class::student(state, "alice")["progress"]["timeouts"] == "passed"
    });
}

#[test]
fn two_students_run_the_jetstream_steps_at_once_without_meeting() {
    let class = Class::start("alice,bob");
    // Both create ORDERS, publish and process at the same moment: each account has its own.
    let publishers: Vec<Step> = ["alice", "bob"]
        .iter()
        .map(|name| {
            Step::start(&mut class.step(
                name,
                "js-pub",
                &["orders.new", &format!("{name}'s pizza"), "1", "3"],
            ))
            .unwrap()
        })
        .collect();
    for mut publisher in publishers {
        let out = publisher.wait_exit(WAIT).unwrap();
        assert_eq!(out.code, Some(0), "{}", out.all);
    }
    let pullers: Vec<(&str, Step)> = ["alice", "bob"]
        .iter()
        .map(|name| {
            (
                *name,
                Step::start(&mut class.step(name, "js-pull", &[])).unwrap(),
            )
        })
        .collect();
    for (name, mut puller) in pullers {
        let out = puller.wait_exit(WAIT).unwrap();
        assert_eq!(out.code, Some(0), "{}", out.all);
        assert!(
            out.all.contains("Caught up: processed 3 message(s)"),
            "{name}:\n{}",
            out.all
        );
        let other = if name == "alice" { "bob" } else { "alice" };
        assert!(
            out.all.contains(&format!("'{name}'s pizza 3'"))
                && !out.all.contains(&format!("{other}'s pizza")),
            "{name}:\n{}",
            out.all
        );
    }
}
