//! The checks of the exercise "tls", run by `cargo xtask check tls`.

use testkit::pki::Pki;
use testkit::{
    EXERCISE_PATIENCE, NatsServer, Observer, Output, ServerOptions, Step, checks, exercise_bin,
};

fn run(url: &str, ca: &Pki) -> Output {
    let bin = exercise_bin(env!("CARGO_BIN_EXE_exercise-tls"));
    let mut command = Step::command(bin);
    command.env("NATS_URL", url).env("NATS_CA", ca.ca());
    Step::run(&mut command, EXERCISE_PATIENCE).unwrap_or_else(|err| panic!("{err}"))
}

fn pki() -> Pki {
    Pki::temporary(&["localhost", "127.0.0.1"])
}

fn tls_server(pki: &Pki) -> NatsServer {
    checks::start(ServerOptions::new().tls(pki))
}

#[test]
fn it_connects_over_tls_trusting_the_ca_in_nats_ca() {
    // Two servers with two different CAs: the CA must come from NATS_CA, not from the code.
    for _ in 0..2 {
        let pki = pki();
        let server = tls_server(&pki);
        let observer =
            Observer::subscribe(&server, "tls.check").unwrap_or_else(|err| panic!("{err}"));
        let out = run(&server.tls_url(), &pki);
        assert_eq!(
            out.code,
            Some(0),
            "hint: trust the CA in NATS_CA: ConnectOptions::add_root_certificates(path), with \
             the path from std::env::var_os(\"NATS_CA\")\n\noutput:\n{}",
            out.all
        );
        let message = observer
            .next(EXERCISE_PATIENCE)
            .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(message.payload, "sealed");
    }
}

#[test]
fn it_refuses_a_server_without_tls() {
    let server = checks::start(ServerOptions::new());
    let observer = Observer::subscribe(&server, "tls.check").unwrap_or_else(|err| panic!("{err}"));
    let out = run(&server.url(), &pki());
    assert_ne!(
        out.code,
        Some(0),
        "hint: it published in clear text: require TLS with ConnectOptions::require_tls(true)\n\n\
         output:\n{}",
        out.all
    );
    assert!(
        out.contains("TLS"),
        "the error should say it is about TLS:\n{}",
        out.all
    );
    assert!(
        observer.drain().is_empty(),
        "a message got through in clear text"
    );
}
