//! The checks of the exercise "wildcard", run by `cargo xtask check wildcard`.

use testkit::{EXERCISE_PATIENCE, ServerOptions, Step, checks, publish, start_exercise};

fn start(server: &testkit::NatsServer, args: &[&str]) -> Step {
    start_exercise(env!("CARGO_BIN_EXE_exercise-wildcard"), server, args, None)
}

#[test]
fn it_subscribes_to_the_subject_given_as_argument() {
    let server = checks::start(ServerOptions::new());
    let sub = start(&server, &["weather.*"]);
    let subscribed = server.wait_for_subscription("weather.*", EXERCISE_PATIENCE);
    assert!(
        subscribed.is_ok(),
        "hint: with the argument weather.*, the program must subscribe to weather.* \
         (std::env::args().nth(1))\n\noutput:\n{}",
        sub.output_so_far()
    );
}

#[test]
fn without_argument_it_subscribes_to_greetings_star() {
    let server = checks::start(ServerOptions::new());
    let sub = start(&server, &[]);
    let subscribed = server.wait_for_subscription("greetings.*", EXERCISE_PATIENCE);
    assert!(
        subscribed.is_ok(),
        "hint: without an argument the program must subscribe to greetings.* \
         (.unwrap_or_else(|| \"greetings.*\".to_string()))\n\noutput:\n{}",
        sub.output_so_far()
    );
}

#[test]
fn it_logs_the_subject_of_each_matching_message() {
    let server = checks::start(ServerOptions::new());
    let sub = start(&server, &["greetings.*"]);
    if server
        .wait_for_subscription("greetings.*", EXERCISE_PATIENCE)
        .is_err()
    {
        panic!("hint: first make the program subscribe to the pattern from its argument");
    }
    publish(&server, "greetings.en.us", "howdy").unwrap();
    publish(&server, "greetings.en", "hello").unwrap();
    publish(&server, "greetings.fr", "bonjour").unwrap();
    let logged = sub.wait_for_line("Received on [greetings.fr]: 'bonjour'", EXERCISE_PATIENCE);
    assert!(
        logged.is_ok()
            && sub
                .output_so_far()
                .contains("Received on [greetings.en]: 'hello'"),
        "hint: log each message as Received on [SUBJECT]: 'TEXT', with message.subject\n\n\
         output:\n{}",
        sub.output_so_far()
    );
    assert!(
        !sub.output_so_far().contains("howdy"),
        "hint: greetings.en.us must not match greetings.* (one token too many)"
    );
}
