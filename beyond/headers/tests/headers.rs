//! End-to-end tests of the headers step against a real nats-server.

use testkit::{Observer, PATIENCE, ServerOptions, checks};

const BIN: &str = env!("CARGO_BIN_EXE_headers");

#[test]
fn publishes_headers_that_it_and_another_client_read_back() {
    let server = checks::start(ServerOptions::new());
    let observer = Observer::subscribe(&server, "foo").unwrap();
    let out = checks::run(BIN, &server.url(), &[], &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(out.contains("Received 'Hello NATS' on foo"), "{}", out.all);
    assert!(out.contains("  header Nats-Msg-Id: hello-1"), "{}", out.all);
    assert!(
        out.contains("  header Greeting-Language: en"),
        "{}",
        out.all
    );

    let message = observer.next(PATIENCE).unwrap();
    assert_eq!(message.payload, "Hello NATS");
    assert_eq!(
        message.headers,
        vec![
            ("Greeting-Language".to_string(), "en".to_string()),
            ("Nats-Msg-Id".to_string(), "hello-1".to_string()),
        ]
    );
}

#[test]
fn the_message_id_comes_from_the_arguments() {
    let server = checks::start(ServerOptions::new());
    let observer = Observer::subscribe(&server, "orders").unwrap();
    let out = checks::run(BIN, &server.url(), &[], &["orders", "order-42"]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(
        out.contains("  header Nats-Msg-Id: order-42"),
        "{}",
        out.all
    );
    let message = observer.next(PATIENCE).unwrap();
    assert!(
        message
            .headers
            .contains(&("Nats-Msg-Id".into(), "order-42".into()))
    );
}

// The behaviours every step shares: no server, a bad URL, a server that wants credentials,
// credentials in the URL, invalid subjects (see testkit::checks).
testkit::step_checks!(
    plain: BIN,
    auth_hint: "cargo xtask server",
    subject_args: |subject| vec![subject.to_string()],
);
