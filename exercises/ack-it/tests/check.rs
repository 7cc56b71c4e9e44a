//! The checks of the exercise "ack-it", run by `cargo xtask check ack-it`.

use std::time::Duration;

use testkit::{EXERCISE_PATIENCE, NatsServer, Output, ServerOptions, Step, checks, exercise_bin};

/// A JetStream server whose stream ORDERS holds "order 1" to "order 5".
fn server_with_orders() -> NatsServer {
    let server = checks::start(ServerOptions::new().jetstream(None));
    let config = r#"{"name": "ORDERS", "subjects": ["orders.>"]}"#;
    testkit::jetstream_api(&server, "$JS.API.STREAM.CREATE.ORDERS", config)
        .unwrap_or_else(|err| panic!("{err}"));
    let orders: Vec<String> = (1..=5).map(|n| format!("order {n}")).collect();
    testkit::publish_all(&server, "orders.new", &orders).unwrap_or_else(|err| panic!("{err}"));
    server
}

/// Runs the kitchen once; it must end by itself (a kitchen that never acknowledges never does).
fn cook(server: &NatsServer) -> Output {
    let bin = exercise_bin(env!("CARGO_BIN_EXE_exercise-ack-it"));
    let mut command = Step::command(bin);
    command.env("NATS_URL", server.url());
    let out = Step::run(&mut command, Duration::from_secs(12)).unwrap_or_else(|err| {
        panic!(
            "hint: it never caught up: a message that is not acknowledged comes back after \
             ack_wait (look for \"delivery 2\"); acknowledge each one with message.ack()\n\n{err}"
        )
    });
    assert_eq!(out.code, Some(0), "{}", out.all);
    out
}

/// The orders a run cooked, with their delivery counts.
fn cooked(out: &Output) -> Vec<String> {
    out.all
        .lines()
        .filter_map(|line| line.split_once("Cooked ").map(|(_, o)| o.to_string()))
        .collect()
}

#[test]
fn each_order_is_cooked_once_at_its_first_delivery() {
    let server = server_with_orders();
    let out = cook(&server);
    let expected: Vec<String> = (1..=5)
        .map(|n| format!("'order {n}' (delivery 1)"))
        .collect();
    assert_eq!(
        cooked(&out),
        expected,
        "hint: acknowledge each message with message.ack()\n{}",
        out.all
    );
    assert!(out.contains("Caught up: cooked 5 order(s)"), "{}", out.all);
}

#[test]
fn the_server_remembers_what_was_acknowledged() {
    let server = server_with_orders();
    cook(&server);
    // The server's view of the consumer: no message waits for an acknowledgement.
    let info = testkit::requests(
        &server,
        "$JS.API.CONSUMER.INFO.ORDERS.kitchen",
        &[""],
        EXERCISE_PATIENCE,
    )
    .unwrap_or_else(|err| panic!("{err}"));
    let info = info[0].clone().unwrap_or_else(|err| panic!("{err}"));
    assert!(
        info.contains("\"num_ack_pending\":0"),
        "hint: the server still waits for acknowledgements: {info}"
    );
    // A second run waits longer than ack_wait for its first batch: anything the first run did
    // not acknowledge would be delivered again to it.
    let again = cook(&server);
    assert_eq!(
        cooked(&again),
        Vec::<String>::new(),
        "hint: the second run got orders again: the first never acknowledged them\n{}",
        again.all
    );
}
