//! The checks of the exercise "request-reply", run by `cargo xtask check request-reply`.

use testkit::{EXERCISE_PATIENCE, ServerOptions, Step, checks, requests, start_exercise};

fn start(server: &testkit::NatsServer) -> Step {
    start_exercise(
        env!("CARGO_BIN_EXE_exercise-request-reply"),
        server,
        &[],
        Some("ping"),
    )
}

#[test]
fn it_answers_a_request_on_its_reply_subject() {
    let server = checks::start(ServerOptions::new());
    let sub = start(&server);
    let answers = requests(&server, "ping", &["hi"], EXERCISE_PATIENCE).unwrap();
    assert_eq!(
        answers,
        vec![Ok("pong: hi".to_string())],
        "hint: publish format!(\"pong: {{text}}\") on request.reply (the requester's inbox)\n\n\
         output:\n{}",
        sub.output_so_far()
    );
    let logged = sub.wait_for_line("Answered 'hi'", EXERCISE_PATIENCE);
    assert!(logged.is_ok(), "hint: log Answered 'TEXT' after answering");
}

#[test]
fn it_answers_every_request() {
    let server = checks::start(ServerOptions::new());
    let sub = start(&server);
    let questions = ["a", "b", "c", "d", "e"];
    let answers = requests(&server, "ping", &questions, EXERCISE_PATIENCE).unwrap();
    for (question, answer) in questions.iter().zip(&answers) {
        assert_eq!(
            answer.as_deref(),
            Ok(format!("pong: {question}").as_str()),
            "hint: every request needs its own answer\n\noutput:\n{}",
            sub.output_so_far()
        );
    }
}
