//! The checks of the exercise "timeouts", run by `cargo xtask check timeouts`.

use std::time::Duration;

use testkit::{ServerOptions, Step, checks, publish, start_exercise};

fn start(server: &testkit::NatsServer) -> Step {
    start_exercise(
        env!("CARGO_BIN_EXE_exercise-timeouts"),
        server,
        &[],
        Some("foo"),
    )
}

#[test]
fn it_gives_up_after_three_timeouts_in_a_row() {
    let server = checks::start(ServerOptions::new());
    let mut sub = start(&server);
    let out = sub.wait_exit(Duration::from_secs(6));
    let out = match out {
        Ok(out) => out,
        Err(err) => panic!(
            "hint: wrap subscriber.next() in tokio::time::timeout(Duration::from_secs(1), ...) \
             and stop after the third timeout in a row\n\n{err}"
        ),
    };
    assert_eq!(
        out.code,
        Some(0),
        "hint: after giving up, return Ok(()):\n{}",
        out.all
    );
    for n in 1..=3 {
        assert!(
            out.contains(&format!("No message for 1 s (timeout {n} of 3)")),
            "hint: log each timeout as No message for 1 s (timeout N of 3)\n\noutput:\n{}",
            out.all
        );
    }
    assert!(
        out.all
            .lines()
            .last()
            .is_some_and(|l| l.contains("Giving up after 3 timeouts")),
        "hint: log Giving up after 3 timeouts, then leave the loop\n\noutput:\n{}",
        out.all
    );
    assert!(
        out.elapsed >= Duration::from_secs(3),
        "it gave up too early: {:?}",
        out.elapsed
    );
}

#[test]
fn a_message_starts_the_count_again() {
    let server = checks::start(ServerOptions::new());
    let mut sub = start(&server);
    let first = sub.wait_for_line("(timeout 1 of 3)", Duration::from_secs(3));
    assert!(
        first.is_ok(),
        "hint: log No message for 1 s (timeout 1 of 3) after a second without messages\n\n\
         output:\n{}",
        sub.output_so_far()
    );
    publish(&server, "foo", "still here").unwrap();
    let out = sub.wait_exit(Duration::from_secs(8));
    let out = out.unwrap_or_else(|err| panic!("hint: give up after 3 timeouts in a row\n\n{err}"));
    assert!(out.contains("Received message 'still here'"), "{}", out.all);
    assert_eq!(
        out.all.matches("(timeout 1 of 3)").count(),
        2,
        "hint: set the count back to 0 when a message arrives\n\noutput:\n{}",
        out.all
    );
}
