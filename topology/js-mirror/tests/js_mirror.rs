//! End-to-end tests of the mirrors-and-sources lesson against a real nats-server with
//! JetStream. The claims are checked on the run the guide shows (`guide::scene_mirror`).
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use testkit::scene::Played;
use testkit::{NatsServer, PATIENCE, jetstream_api, read_stream, requests};

const BIN: &str = env!("CARGO_BIN_EXE_js-mirror");

// No server, a bad URL, a server without JetStream, and a server older than 2.14.
testkit::step_checks!(jetstream: BIN, needs: ("js-mirror", "2.14"));

/// Stream `name`'s message at `sequence`, as the server stores it: (subject, body in base64).
fn stored(server: &NatsServer, name: &str, sequence: u64) -> (String, String) {
    let subject = format!("$JS.API.STREAM.MSG.GET.{name}");
    let answer = jetstream_api(server, &subject, &format!(r#"{{"seq":{sequence}}}"#)).unwrap();
    let message = &answer["message"];
    let text = |field: &str| message[field].as_str().unwrap_or_default().to_string();
    (text("subject"), text("data"))
}

fn messages(server: &NatsServer, name: &str) -> u64 {
    let info = jetstream_api(server, &format!("$JS.API.STREAM.INFO.{name}"), "").unwrap();
    info["state"]["messages"].as_u64().unwrap()
}

/// The mirror holds ORDERS's messages under the same sequence numbers, and the server refuses
/// a mirror with subjects of its own.
fn a_mirror_is_the_origin_under_the_same_sequence_numbers(played: &Played) {
    let server = &played.server;
    assert_eq!(messages(server, "ORDERS_COPY"), 7);
    for sequence in 1..=7 {
        let (origin, copy) = (
            stored(server, "ORDERS", sequence),
            stored(server, "ORDERS_COPY", sequence),
        );
        assert_eq!(origin, copy, "#{sequence}");
    }
    let config = r#"{"name":"BAD","subjects":["bad.>"],"mirror":{"name":"ORDERS"}}"#;
    let answer = requests(server, "$JS.API.STREAM.CREATE.BAD", &[config], PATIENCE).unwrap();
    let answer = answer[0].clone().unwrap();
    assert!(answer.contains("\"err_code\":10034"), "{answer}");
    println!("a mirror with subjects: {answer}");
}

/// ALL holds each regional order once, under its new subject.
fn sources_gather_each_message_once_under_its_new_subject(played: &Played) {
    let all = read_stream(&played.server, "ALL", 7, PATIENCE).unwrap();
    let mut seen: Vec<(String, String)> = all
        .into_iter()
        .map(|message| (message.subject, message.payload))
        .collect();
    seen.sort();
    let mut expected: Vec<(String, String)> = (1..=3)
        .map(|n| ("orders.eu.new".to_string(), n.to_string()))
        .chain((1..=4).map(|n| ("orders.us.new".to_string(), n.to_string())))
        .collect();
    expected.sort();
    assert_eq!(seen, expected);
    assert_eq!(
        messages(&played.server, "ALL"),
        7,
        "one copy of each, no more"
    );
}

/// The five jobs moved: ARCHIVE holds them, JOBS none, and the consumer that moved them is
/// the durable one, acknowledged by flow control.
fn the_archive_holds_every_job_and_the_work_queue_none(played: &Played) {
    let server = &played.server;
    assert_eq!(messages(server, "JOBS"), 0);
    let archive = read_stream(server, "ARCHIVE", 5, PATIENCE).unwrap();
    let jobs: Vec<String> = archive.into_iter().map(|message| message.payload).collect();
    assert_eq!(jobs, ["1", "2", "3", "4", "5"]);
    let consumer = jetstream_api(server, "$JS.API.CONSUMER.INFO.JOBS.archive", "").unwrap();
    assert_eq!(
        consumer["config"]["ack_policy"], "flow_control",
        "{consumer}"
    );
    // The run said so before the archive existed: the consumer alone removed nothing.
    assert!(
        played
            .out
            .has_line_with(&["before any archive", "5 message(s)"]),
        "{}",
        played.out.all
    );
}

#[test]
fn a_second_run_starts_afresh() {
    let server = testkit::checks::start(testkit::ServerOptions::new().jetstream(None));
    for _ in 0..2 {
        let out = testkit::checks::run(BIN, &server.url(), &[], &[]);
        assert_eq!(out.code, Some(0), "{}", out.all);
    }
    assert_eq!(messages(&server, "ALL"), 7);
    assert_eq!(messages(&server, "ARCHIVE"), 5);
}

/// The guide's scene of mirrors and sources, and the lesson's claims on its run.
mod guide {
    use testkit::scene::Script;

    #[test]
    fn scene_mirror() {
        Script::play(mirror);
    }

    fn mirror(s: &mut Script) -> Result<(), String> {
        let played = s.one_run(
            "Beyond one cluster: mirrors and sources (js-mirror)",
            "mirror/run",
            "js-mirror",
            str::to_string,
        )?;
        super::a_mirror_is_the_origin_under_the_same_sequence_numbers(&played);
        super::sources_gather_each_message_once_under_its_new_subject(&played);
        super::the_archive_holds_every_job_and_the_work_queue_none(&played);
        Ok(())
    }
}
