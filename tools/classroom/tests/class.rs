//! The class server, as a class uses it: two students with their settings files, the steps as
//! the guide runs them, the relay of `class.>`, the page's JSON, and the progress bucket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Class, WAIT};
use testkit::Step;

#[test]
fn settings_files_are_owner_only_and_passwords_stay_in_them() {
    let mut class = Class::start("bob,alice");
    for name in ["alice", "bob"] {
        assert_owner_only_settings(&class, name);
    }
    // A password is in its settings file and on the sheet; not in what classroom printed, the
    // page, its JSON, the server's configuration (bcrypt hashes) or its log.
    let _ = Step::run(
        &mut class.step("alice", "pub-simple", &["class.chat"]),
        WAIT,
    )
    .unwrap();
    let passwords = ["alice", "bob", "teacher"].map(|name| class.setting(name, "NATS_PASSWORD"));
    let (page, json) = (
        nats_servers::monitor(class.http, "/").unwrap(),
        class.state().to_string(),
    );
    let dir = class.dir.clone();
    let said = class.stop();
    let read = |file: &str| std::fs::read_to_string(dir.join(file)).unwrap();
    let places = [
        ("output", said),
        ("page", page),
        ("JSON", json),
        ("conf", read("nats-server.conf")),
        ("log", read("nats-server.log")),
    ];
    assert_nowhere(&passwords, &places);
    // The class file keeps who is in the class, not the students' passwords.
    let class_file = read("class.json");
    assert!(!class_file.contains(&passwords[0]) && !class_file.contains(&passwords[1]));
    let sheet = read("sheet.md");
    assert!(
        sheet.contains(&passwords[0])
            && sheet.contains(&passwords[1])
            && !sheet.contains(&passwords[2])
    );
}

/// `name`'s settings file: the six settings, readable by its owner only.
fn assert_owner_only_settings(class: &Class, name: &str) {
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
            "NATS_CA",
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

/// No password appears in any of the `places`.
fn assert_nowhere(passwords: &[String], places: &[(&str, String)]) {
    for password in passwords {
        for (place, text) in places {
            assert!(
                !text.contains(password.as_str()),
                "a password is in the {place}"
            );
        }
    }
}

#[test]
fn each_student_has_an_account_and_the_class_subjects_reach_everyone() {
    let class = Class::start("bob,alice");
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
        step.wait_for_line("'hi from bob'", WAIT).unwrap();
        step.wait_for_line("'hello class'", WAIT).unwrap();
    }
    let heard = alice.output_so_far();
    assert!(
        !heard.contains("Hello NATS"),
        "bob's foo reached alice:\n{heard}"
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
}

#[test]
fn the_teachers_login_sees_the_class() {
    let class = Class::start("alice,bob");
    let teacher = Step::start(&mut class.step("teacher", "async-sub", &["class.>"])).unwrap();
    // The server's own monitoring shows when the teacher's subscription is in place.
    let subscribed = || {
        let connz = nats_servers::monitor(class.monitor, "/connz?subs=1").ok()?;
        let connz: serde_json::Value = serde_json::from_str(&connz).ok()?;
        let connections = connz["connections"].as_array()?;
        let teacher = connections
            .iter()
            .find(|c| c["name"] == "async-sub (teacher)")?;
        teacher["subscriptions_list"]
            .as_array()?
            .iter()
            .any(|s| s == "class.>")
            .then_some(())
    };
    nats_servers::wait_until(WAIT, subscribed).expect("the teacher's subscription");
    // bob's message, relayed into the class account, where the teacher listens.
    let out = Step::run(
        &mut class.step("bob", "pub-simple", &["class.chat", "hi from bob"]),
        WAIT,
    )
    .unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    teacher.wait_for_line("'hi from bob'", WAIT).unwrap();
}

#[test]
fn the_report_service_keeps_a_report_under_its_senders_name_and_refuses_a_bad_one() {
    let class = Class::start("alice,bob");
    let (kept, refusals, spoofed) = common::block_on(async {
        let (alice, _) = class.connect("alice").await;
        let kept = common::send_report(&alice, common::report_text("timeouts", "1 of 2")).await;
        let mut refusals = Vec::new();
        for report in [
            common::report_text("no-such-exercise", "passed"),
            common::report_text("timeouts", "all of them"),
            "passed".to_string(),
            common::report_text("timeouts", &"1".repeat(300)),
        ] {
            refusals.push(common::send_report(&alice, report).await.1);
        }
        // A name in the report is not read: the server wrote in who sent it.
        let spoof =
            serde_json::json!({"student": "bob", "exercise": "counter", "result": "passed"});
        let spoofed = common::send_report(&alice, spoof.to_string()).await;
        (kept, refusals, spoofed)
    });
    assert_eq!(
        kept,
        (
            "kept alice.timeouts = 1 of 2 (revision 1)".to_string(),
            None
        )
    );
    let sentences: Vec<String> = refusals
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();
    assert_eq!(
        sentences,
        [
            "the class has no exercise 'no-such-exercise'",
            "a result is passed, N of M, or does not compile",
            "a report is {\"exercise\": ..., \"result\": ...}",
            "a report is at most 256 bytes, not 335",
        ]
    );
    assert!(
        spoofed.0.starts_with("kept alice.counter = passed"),
        "{spoofed:?}"
    );
    let state = class.wait_state("alice's two reports", |state| {
        let alice = &Class::student(state, "alice")["progress"];
        alice["timeouts"] == "1 of 2" && alice["counter"] == "passed"
    });
    assert_eq!(
        Class::student(&state, "bob")["progress"],
        serde_json::json!({})
    );
    assert!(
        Class::student(&state, "alice")["last_report"]
            .as_i64()
            .is_some()
    );
    assert_eq!(state["totals"]["counter"], 1);
}

#[test]
fn a_login_opens_its_own_account_only() {
    let class = Class::start("alice,bob");
    let alice_password = class.setting("alice", "NATS_PASSWORD");
    // A wrong password gets the steps' sentence, and no password is shown; alice's password
    // opens neither bob's account nor the teacher's.
    for (user, password) in [
        ("alice", "not-her-password"),
        ("bob", alice_password.as_str()),
        ("teacher", alice_password.as_str()),
    ] {
        let mut step = class.step("alice", "pub-simple", &[]);
        let out = Step::run(
            step.env("NATS_USER", user).env("NATS_PASSWORD", password),
            WAIT,
        )
        .unwrap();
        assert_eq!(out.code, Some(1), "{}", out.all);
        assert!(
            out.stderr.contains(&format!(
                "refused class user '{user}': authorization violation."
            )),
            "{}",
            out.stderr
        );
        assert!(!out.all.contains(password));
    }
}

#[test]
fn a_restart_keeps_the_logins_and_the_progress() {
    let mut class = Class::start("alice,bob");
    common::report(&class, "alice");
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

#[test]
fn the_steps_run_in_a_class_as_the_guide_runs_them() {
    // The names come from a file, one per line, as a teacher may keep them.
    let scratch = nats_servers::pki::ScratchDir::new("class-file");
    let names = scratch.path().join("students.txt");
    std::fs::write(&names, "# the morning class\nalice\nbob\n").unwrap();
    let class = Class::start_with(&scratch.path().join("class"), "", |command| {
        command.arg("--students-file").arg(&names);
    });
    // request-reply and headers within alice's account, her bucket, her streams, her messages.
    let reply = Step::start(&mut class.step("alice", "reply", &[])).unwrap();
    let subscribed = |state: &serde_json::Value| {
        let subjects = Class::student(state, "alice")["subscriptions"].to_string();
        subjects.contains("\"help\"")
    };
    class.wait_state("alice's reply", subscribed);
    let runs: [(&str, &[&str], &str); 7] = [
        ("request", &[], "Received reply 'I can help!'"),
        (
            "pub-msg",
            &[],
            "Published msg.Subject = foo | msg.Reply = bar",
        ),
        ("headers", &[], "Published"),
        (
            "kv",
            &["put", "color", "green"],
            "color = green (revision 1)",
        ),
        ("kv", &["get", "color"], "color = green (revision 1)"),
        // The server's advisories reach a student in her own account.
        ("js-poison", &["max-deliver"], "POISON.worker: stream_seq 2"),
        ("js-retention", &["workqueue"], "JetStream error 10099"),
    ];
    for (step, args, expected) in runs {
        let out = Step::run(&mut class.step("alice", step, args), WAIT).unwrap();
        assert_eq!(out.code, Some(0), "{step} in class:\n{}", out.all);
        assert!(out.contains(expected), "{step} in class:\n{}", out.all);
    }
    // bob's bucket is his own.
    let out = Step::run(&mut class.step("bob", "kv", &["get", "color"]), WAIT).unwrap();
    assert!(out.contains("the key 'color' has no value."), "{}", out.all);
    drop(reply);
}
