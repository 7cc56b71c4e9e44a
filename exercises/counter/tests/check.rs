//! The checks of the exercise "counter", run by `cargo xtask check counter`.

use std::time::Duration;

use testkit::{EXERCISE_PATIENCE, ServerOptions, Step, checks, publish, start_exercise};

fn start(server: &testkit::NatsServer) -> Step {
    start_exercise(
        env!("CARGO_BIN_EXE_exercise-counter"),
        server,
        &[],
        Some("foo"),
    )
}

#[test]
fn it_numbers_each_message() {
    let server = checks::start(ServerOptions::new());
    let sub = start(&server);
    for text in ["Hello NATS", "second", "third"] {
        publish(&server, "foo", text).unwrap();
    }
    let third = sub.wait_for_line("[#3] Received on [foo]: 'third'", EXERCISE_PATIENCE);
    let out = sub.output_so_far();
    assert!(
        third.is_ok() && out.contains("[#1] Received on [foo]: 'Hello NATS'"),
        "hint: keep a counter in the handler task and log [#N] Received on [SUBJECT]: 'TEXT'\n\n\
         output:\n{out}"
    );
}

#[test]
fn it_logs_the_total_after_ctrl_c() {
    let server = checks::start(ServerOptions::new());
    let mut sub = start(&server);
    publish(&server, "foo", "one").unwrap();
    publish(&server, "foo", "two").unwrap();
    // Two messages handled: the program is past setting up its Ctrl-C handler.
    let handled = sub.wait_for_lines("Received", 2, EXERCISE_PATIENCE);
    assert!(
        handled.is_ok(),
        "the messages never arrived:\n{}",
        sub.output_so_far()
    );
    sub.interrupt().unwrap();
    let out = sub.wait_exit(Duration::from_secs(3)).unwrap();
    assert_eq!(
        out.code,
        Some(0),
        "it must exit with code 0 after Ctrl-C:\n{}",
        out.all
    );
    assert!(
        out.contains("Received 2 message(s)"),
        "hint: return the count from the task (end its block with `count`), then log \
         Received N message(s) after handler.await\n\noutput:\n{}",
        out.all
    );
}
