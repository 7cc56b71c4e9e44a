//! TLS in class: the server takes no client in clear, and a step that lacks the class's CA
//! says which file to load.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Class, WAIT};
use testkit::Step;

#[test]
fn a_plain_text_connection_is_refused_and_a_step_without_the_ca_says_what_to_load() {
    use std::io::{BufRead, BufReader, Read, Write};
    let class = Class::start("alice");
    // The plain protocol, as a student's own client would speak it: the server's INFO says TLS
    // is required, and a CONNECT in clear gets no PONG: the server closes the connection.
    let stream = std::net::TcpStream::connect(("127.0.0.1", class.port)).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let mut reader = BufReader::new(stream);
    let mut info = String::new();
    reader.read_line(&mut info).unwrap();
    assert!(info.contains(r#""tls_required":true"#), "{info}");
    let connect =
        "CONNECT {\"user\":\"alice\",\"pass\":\"not-sent-in-clear\",\"verbose\":false}\r\nPING\r\n";
    reader.get_mut().write_all(connect.as_bytes()).unwrap();
    let mut rest = Vec::new();
    let _ = reader.read_to_end(&mut rest);
    let rest = String::from_utf8_lossy(&rest);
    assert!(
        !rest.contains("PONG"),
        "a plain connection was taken: {rest}"
    );

    // A step with the settings but without NATS_CA, and one run where class-ca.pem is not.
    let mut without = class.step("alice", "pub-simple", &[]);
    let out = Step::run(without.env_remove("NATS_CA"), WAIT).unwrap();
    assert_eq!(out.code, Some(1), "{}", out.all);
    assert!(
        out.stderr
            .contains("speaks TLS only, and NATS_CA is not set."),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("hint: load your class settings file (set -a; . ./NAME.env; set +a)"),
        "{}",
        out.stderr
    );
    let elsewhere = nats_servers::pki::ScratchDir::new("elsewhere");
    let mut elsewhere_run = class.step("alice", "pub-simple", &[]);
    let out = Step::run(elsewhere_run.current_dir(elsewhere.path()), WAIT).unwrap();
    assert_eq!(out.code, Some(1), "{}", out.all);
    assert!(
        out.stderr
            .contains("NATS_CA names class-ca.pem, which is not in this folder."),
        "{}",
        out.stderr
    );
}
