//! End-to-end tests of the queue group member against a real nats-server.

use std::collections::BTreeMap;
use std::time::Duration;

use testkit::{Observer, PATIENCE, ServerOptions, Step, checks, publish, publish_all};

const BIN: &str = env!("CARGO_BIN_EXE_queue-sub");

#[test]
fn three_members_share_300_messages_each_delivered_exactly_once() {
    let server = checks::start(ServerOptions::new());
    let members: Vec<Step> = (0..3)
        .map(|_| Step::start(Step::command(BIN).env("NATS_URL", server.url())).unwrap())
        .collect();
    server.wait_for_subscriptions("foo", 3, PATIENCE).unwrap();
    // A plain subscriber is not part of the group: it gets every message.
    let observer = Observer::subscribe(&server, "foo").unwrap();

    let payloads: Vec<String> = (1..=300).map(|n| format!("job {n}")).collect();
    publish_all(&server, "foo", &payloads).unwrap();
    assert_eq!(observer.take(300, PATIENCE).unwrap().len(), 300);

    // Ctrl-C drains each member: what the server gave it is handled before it exits.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for mut member in members {
        member.interrupt().unwrap();
        let out = member.wait_exit(Duration::from_secs(2)).unwrap();
        assert_eq!(out.code, Some(0), "{}", out.all);
        let mine: Vec<&str> = out
            .all
            .lines()
            .filter_map(|line| line.split_once("'job ")?.1.strip_suffix('\''))
            .collect();
        assert!(!mine.is_empty(), "a member got no work:\n{}", out.all);
        assert!(
            out.contains(&format!("{} message(s) for group 'workers'", mine.len())),
            "{}",
            out.all
        );
        for number in mine {
            *seen.entry(format!("job {number}")).or_default() += 1;
        }
    }
    assert_eq!(seen.len(), 300, "not every message was handled");
    assert!(
        seen.values().all(|&count| count == 1),
        "a message was handled twice"
    );
}

#[test]
fn group_and_subject_come_from_the_arguments() {
    let server = checks::start(ServerOptions::new());
    let mut command = Step::command(BIN);
    command
        .env("NATS_URL", server.url())
        .args(["orders", "billing"]);
    let mut member = Step::start(&mut command).unwrap();
    member
        .wait_for_line("'billing' on subject 'orders'", PATIENCE)
        .unwrap();
    server.wait_for_subscription("orders", PATIENCE).unwrap();
    // A message handled means the program is past setting up its Ctrl-C handler.
    publish(&server, "orders", "one").unwrap();
    member.wait_for_line("'one'", PATIENCE).unwrap();
    member.interrupt().unwrap();
    assert_eq!(
        member.wait_exit(Duration::from_secs(2)).unwrap().code,
        Some(0)
    );
}

#[test]
fn an_invalid_group_name_is_explained() {
    let server = checks::start(ServerOptions::new());
    let out = checks::run(BIN, &server.url(), &[], &["foo", "two words"]);
    checks::assert_error(&out, &["'two words' is not a valid queue group name"]);
}

// The behaviours every step shares: no server, a bad URL, a server that wants credentials,
// credentials in the URL, invalid subjects (see testkit::checks).
testkit::step_checks!(
    plain: BIN,
    auth_hint: "cargo xtask server",
    subject_args: |subject| vec![subject.to_string()],
);

/// The guide's scene of two members of a queue group sharing four jobs.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::PATIENCE;
    use testkit::scene::{Script, terminal};

    #[test]
    fn scene_queue_group() {
        Script::play(queue_group);
    }

    /// Two members of a queue group sharing four jobs.
    fn queue_group(s: &mut Script) -> Result<(), String> {
        s.heading("Beyond the tutorial: sharing work in a queue group (queue-sub)");
        let server = &s.plain_server()?;
        let mut first = s.start(terminal(2, "queue-sub"));
        s.wait(&mut first, "'workers'");
        s.show(&mut first, "queue/start-1");
        let mut second = s.start(terminal(3, "queue-sub"));
        s.wait(&mut second, "'workers'");
        s.show(&mut second, "queue/start-2");
        if server.wait_for_subscriptions("foo", 2, PATIENCE).is_err() {
            s.check(
                "queue-sub",
                Err("the two members never both subscribed".into()),
            );
        }
        for job in 1..=4 {
            let text = format!("job {job}");
            s.publish(&format!("queue/publish-{job}"), 4, &["foo", &text], None);
        }
        s.wait_total(&[&first, &second], "'job ", 4);
        s.show(&mut first, "queue/received-1");
        s.show(&mut second, "queue/received-2");
        s.interrupt(&mut first, "queue/ctrl-c-1", "for group 'workers'");
        s.interrupt(&mut second, "queue/ctrl-c-2", "for group 'workers'");
        Ok(())
    }
}
