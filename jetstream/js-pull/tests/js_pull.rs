//! End-to-end tests of js-pull against a real nats-server with JetStream.
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use testkit::{PATIENCE, ServerOptions, checks};

const BIN: &str = env!("CARGO_BIN_EXE_js-pull");

/// The stream sequences of the messages a run acknowledged, and their delivery counts.
fn acknowledged(out: &testkit::Output) -> Vec<(u64, u64)> {
    out.all
        .lines()
        .filter(|line| line.ends_with("acknowledged"))
        .map(|line| {
            let sequence = line.split_once("] #").unwrap().1.split(' ').next().unwrap();
            let delivery = line
                .split_once("(delivery ")
                .unwrap()
                .1
                .split(')')
                .next()
                .unwrap();
            (sequence.parse().unwrap(), delivery.parse().unwrap())
        })
        .collect()
}

/// A JetStream server whose stream ORDERS holds the messages "order 1" to "order 100".
fn server_with_100_orders() -> testkit::NatsServer {
    let server = checks::start(ServerOptions::new().jetstream(None));
    // The stream, created through JetStream's own API: a request on $JS.API.
    let config = r#"{"name": "ORDERS", "subjects": ["orders.>"]}"#;
    testkit::jetstream_api(&server, "$JS.API.STREAM.CREATE.ORDERS", config).unwrap();
    // The messages as plain publishes: a stream stores whatever arrives on its subjects.
    let orders: Vec<String> = (1..=100).map(|n| format!("order {n}")).collect();
    testkit::publish_all(&server, "orders.new", &orders).unwrap();
    server
}

#[test]
fn the_position_is_kept_by_the_server_not_the_client() {
    let server = server_with_100_orders();
    // First run: acknowledges 40, and stops.
    let first = checks::run(BIN, &server.url(), &[], &["processor", "40"]);
    assert_eq!(first.code, Some(0), "{}", first.all);
    let acked = acknowledged(&first);
    assert_eq!(
        acked,
        (1..=40).map(|n| (n, 1)).collect::<Vec<_>>(),
        "{}",
        first.all
    );

    // Second run, a new process: exactly the other 60, none twice, each delivered once.
    let second = checks::run(BIN, &server.url(), &[], &[]);
    assert_eq!(second.code, Some(0), "{}", second.all);
    let acked = acknowledged(&second);
    assert_eq!(
        acked,
        (41..=100).map(|n| (n, 1)).collect::<Vec<_>>(),
        "{}",
        second.all
    );
    assert!(second.contains("processed 60 message(s)"), "{}", second.all);

    // A third run finds nothing left.
    let third = checks::run(BIN, &server.url(), &[], &[]);
    assert!(third.contains("processed 0 message(s)"), "{}", third.all);
}

/// What the chapter says of an acknowledgement: it is a message to the delivered message's
/// reply subject, which on the pinned server is in the first format,
/// `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>`
/// (the v2 format, with a domain and an account hash before the stream, is opt-in), and which
/// is where `message.info()` reads the delivery count from.
#[test]
fn an_acknowledgement_goes_to_the_reply_subject_in_the_first_format() {
    use async_nats::jetstream::{self, consumer::pull};
    use futures_util::StreamExt;

    let server = server_with_100_orders();
    let (reply, delivered) = testkit::with_client(&server, async |client| {
        let js = jetstream::new(client);
        let stream = js.get_stream("ORDERS").await.unwrap();
        let config = pull::Config {
            durable_name: Some("probe".to_string()),
            ..Default::default()
        };
        let consumer = stream.create_consumer(config).await.unwrap();
        let mut batch = consumer.fetch().max_messages(1).messages().await.unwrap();
        let message = batch.next().await.unwrap().unwrap();
        let delivered = message.info().unwrap().delivered;
        (message.reply.clone().unwrap().to_string(), delivered)
    })
    .unwrap();
    println!("the first order's acknowledgement subject: {reply}");
    let tokens: Vec<&str> = reply.split('.').collect();
    assert_eq!(tokens.len(), 9, "{reply}");
    assert_eq!(
        &tokens[..7],
        ["$JS", "ACK", "ORDERS", "probe", "1", "1", "1"]
    );
    assert_eq!(tokens[8], "99", "99 more wait: {reply}");
    assert_eq!(delivered, 1);
}

#[test]
fn a_missing_stream_is_explained() {
    let server = checks::start(ServerOptions::new().jetstream(None));
    let out = checks::run(BIN, &server.url(), &[], &[]);
    checks::assert_error(&out, &["cannot find the stream ORDERS", "js-pub"]);
}

#[test]
fn a_refused_message_comes_back_with_a_higher_delivery_count() {
    let server = server_with_100_orders();
    let out = checks::run(BIN, &server.url(), &[], &["processor", "3", "nak"]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    // Each of the first messages is refused once, then acknowledged on its second delivery.
    for sequence in 1..=3 {
        let refused = format!("#{sequence} 'order {sequence}' (delivery 1), refused");
        let acked = format!("#{sequence} 'order {sequence}' (delivery 2), acknowledged");
        assert!(
            out.contains(&refused) && out.contains(&acked),
            "{}",
            out.all
        );
    }
}

#[test]
fn in_wait_mode_it_takes_new_messages_until_ctrl_c() {
    let server = checks::start(ServerOptions::new().jetstream(None));
    let config = r#"{"name": "ORDERS", "subjects": ["orders.>"]}"#;
    testkit::jetstream_api(&server, "$JS.API.STREAM.CREATE.ORDERS", config).unwrap();
    let mut pull = testkit::Step::start(
        testkit::Step::command(BIN)
            .env("NATS_URL", server.url())
            .args(["processor", "0", "wait"]),
    )
    .unwrap();
    pull.wait_for_line("fetching in batches", PATIENCE).unwrap();
    // Published after it started: a waiting consumer picks it up.
    testkit::publish(&server, "orders.new", "late order").unwrap();
    pull.wait_for_line("'late order' (delivery 1), acknowledged", PATIENCE)
        .unwrap();
    pull.interrupt().unwrap();
    let out = pull.wait_exit(PATIENCE).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(out.contains("processed 1 message(s)"), "{}", out.all);
}

// The behaviours every step shares, against a server with JetStream.
testkit::step_checks!(jetstream: BIN);
