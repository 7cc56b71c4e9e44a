//! End-to-end tests of the quotes responder against a real nats-server: its JSON answer, and
//! Ctrl-C. (gather's tests run it as the responders of scatter-gather.)
// A panic is the test failing with its message.
#![allow(clippy::unwrap_used)]

use testkit::{PATIENCE, ServerOptions, Step, checks, requests};

const BIN: &str = env!("CARGO_BIN_EXE_quotes");

#[test]
fn answers_with_a_json_quote_and_stops_on_ctrl_c() {
    let server = checks::start(ServerOptions::new());
    let mut quote = Step::start(
        Step::command(BIN)
            .env("NATS_URL", server.url())
            .args(["grace", "9"]),
    )
    .unwrap();
    server.wait_for_subscription("quote", PATIENCE).unwrap();
    let answers = requests(&server, "quote", &[r#"{"topic":"messaging"}"#], PATIENCE).unwrap();
    let answer: serde_json::Value = serde_json::from_str(answers[0].as_ref().unwrap()).unwrap();
    assert_eq!(answer["author"], "grace");
    assert_eq!(answer["score"], 9);
    assert!(
        answer["text"].as_str().is_some_and(|text| !text.is_empty()),
        "{answer}"
    );
    quote.interrupt().unwrap();
    let out = quote.wait_exit(PATIENCE).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(
        out.contains("Answered {\"topic\":\"messaging\"}"),
        "{}",
        out.all
    );
    assert!(out.contains("Ctrl-C: grace stopped"), "{}", out.all);
}

#[test]
fn slow_answers_go_out_side_by_side_and_a_message_without_reply_gets_a_line() {
    let server = checks::start(ServerOptions::new());
    let quote = Step::start(
        Step::command(BIN)
            .env("NATS_URL", server.url())
            .args(["grace", "9", "1000"]),
    )
    .unwrap();
    server.wait_for_subscription("quote", PATIENCE).unwrap();
    // Two requests at once, each answered after 1 s: one after the other, the second would
    // come after 2 s, past this 1.8 s timeout.
    let timeout = std::time::Duration::from_millis(1800);
    let answers = requests(&server, "quote", &["first", "second"], timeout).unwrap();
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");
    testkit::publish_all(&server, "quote", &["hello".to_string()]).unwrap();
    quote
        .wait_for_line(
            "A message without a reply subject, hello: nobody to answer",
            PATIENCE,
        )
        .unwrap();
}

testkit::step_checks!(plain: BIN, auth_hint: "cargo xtask server", server: ServerOptions::new());
