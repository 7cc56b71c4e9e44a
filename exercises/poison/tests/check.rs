//! The checks of the exercise "poison", run by `cargo xtask check poison`.

use std::time::Duration;

use testkit::{EXERCISE_PATIENCE, NatsServer, Output, ServerOptions, Step, checks, exercise_bin};

/// The invoices of the checks: two of them will never be amounts.
const INVOICES: [&str; 5] = ["12", "thirty", "7", "", "23"];

/// A JetStream server whose stream INVOICES holds [`INVOICES`].
fn server_with_invoices() -> NatsServer {
    let server = checks::start(ServerOptions::new().jetstream(None));
    let config = r#"{"name": "INVOICES", "subjects": ["invoices.>"]}"#;
    testkit::jetstream_api(&server, "$JS.API.STREAM.CREATE.INVOICES", config)
        .unwrap_or_else(|err| panic!("{err}"));
    let invoices = INVOICES.map(String::from);
    testkit::publish_all(&server, "invoices.new", &invoices).unwrap_or_else(|err| panic!("{err}"));
    server
}

/// Runs the worker once; it must end by itself.
fn bill(server: &NatsServer) -> Output {
    let bin = exercise_bin(env!("CARGO_BIN_EXE_exercise-poison"));
    let mut command = Step::command(bin);
    command.env("NATS_URL", server.url());
    let out = Step::run(&mut command, Duration::from_secs(12)).unwrap_or_else(|err| {
        panic!(
            "hint: it never caught up: a nak asks for the message again at once, so an invoice \
             that can never be billed comes back forever (look at its delivery numbers); \
             terminate it instead, with AckKind::Term\n\n{err}"
        )
    });
    assert_eq!(out.code, Some(0), "{}", out.all);
    out
}

/// The lines that start with `start`, after the log prefix.
fn lines<'a>(out: &'a Output, start: &str) -> Vec<&'a str> {
    out.all
        .lines()
        .filter_map(|line| line.split_once("] ").map(|(_, said)| said))
        .filter(|said| said.starts_with(start))
        .collect()
}

#[test]
fn good_invoices_are_billed_once_and_bad_ones_delivered_once() {
    let server = server_with_invoices();
    let out = bill(&server);
    assert_eq!(
        lines(&out, "Billed "),
        [
            "Billed 12 (delivery 1)",
            "Billed 7 (delivery 1)",
            "Billed 23 (delivery 1)"
        ],
        "{}",
        out.all
    );
    let bad = lines(&out, "Cannot bill ");
    assert_eq!(
        bad.len(),
        2,
        "hint: each bad invoice once, no more\n{}",
        out.all
    );
    assert!(
        bad.iter().all(|line| line.contains("(delivery 1)")),
        "hint: a bad invoice came back: terminate it with AckKind::Term, not a nak\n{}",
        out.all
    );
    // The total comes from the data: the invoices that are amounts, added up.
    let amounts: Vec<u64> = INVOICES.iter().filter_map(|i| i.parse().ok()).collect();
    let total: u64 = amounts.iter().sum();
    let caught_up = format!(
        "Caught up: billed {} invoice(s), {total} in all",
        amounts.len()
    );
    assert!(out.contains(&caught_up), "{}", out.all);
}

#[test]
fn a_terminated_invoice_never_comes_back_and_the_limits_stream_keeps_every_invoice() {
    let server = server_with_invoices();
    bill(&server);
    // INVOICES is a limits stream: it keeps what was acked and what was terminated alike
    // (on a work queue both would be gone: the poison chapter shows it).
    let kept = testkit::read_stream(&server, "INVOICES", 5, EXERCISE_PATIENCE)
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(kept[1].payload, "thirty");
    // A second run gets nothing: nothing waits to be delivered again.
    let again = bill(&server);
    assert!(
        again.contains("Caught up: billed 0 invoice(s), 0 in all"),
        "hint: the second run got invoices again\n{}",
        again.all
    );
    assert!(lines(&again, "Cannot bill ").is_empty(), "{}", again.all);
}
