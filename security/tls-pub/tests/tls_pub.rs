//! End-to-end tests of tls-pub against real nats-servers with TLS and mutual TLS, their
//! certificates made by the test (testkit::pki).
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use testkit::pki::Pki;
use testkit::{EXERCISE_PATIENCE, NatsServer, Observer, Output, ServerOptions, checks};

const BIN: &str = env!("CARGO_BIN_EXE_tls-pub");

/// Certificates for localhost and 127.0.0.1, like `cargo xtask server --tls` makes.
fn pki() -> Pki {
    Pki::temporary(&["localhost", "127.0.0.1"])
}

fn path(path: &std::path::Path) -> String {
    path.display().to_string()
}

/// Runs tls-pub against `server`'s TLS URL with `env`.
fn run(server: &NatsServer, env: &[(&str, &str)]) -> Output {
    checks::run(BIN, &server.tls_url(), env, &[])
}

#[test]
fn it_publishes_over_tls_when_it_trusts_the_servers_ca() {
    let pki = pki();
    let server = checks::start(ServerOptions::new().tls(&pki));
    let observer = Observer::subscribe(&server, "foo").unwrap();
    let ca = path(&pki.ca());
    let out = run(&server, &[("NATS_CA", &ca)]);
    assert_delivered(
        &out,
        &observer,
        "over TLS; the server's certificate checked out",
    );
}

/// The run succeeded, said `says`, and its message reached the observer.
fn assert_delivered(out: &Output, observer: &Observer, says: &str) {
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(out.contains(says), "{}", out.all);
    assert_eq!(
        observer.next(EXERCISE_PATIENCE).unwrap().payload,
        "Hello TLS"
    );
}

#[test]
fn without_the_ca_the_certificate_is_untrusted() {
    let pki = pki();
    let server = checks::start(ServerOptions::new().tls(&pki));
    let out = run(&server, &[]);
    checks::assert_error(
        &out,
        &["signed by a CA this client does not trust", "NATS_CA"],
    );
}

#[test]
fn a_ca_that_did_not_sign_the_certificate_is_explained() {
    let server = checks::start(ServerOptions::new().tls(&pki()));
    let other = pki();
    let out = run(&server, &[("NATS_CA", &path(&other.ca()))]);
    checks::assert_error(&out, &["the CA in NATS_CA did not sign", "point NATS_CA"]);
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let pki = Pki::temporary(&["example.test"]);
    let server = checks::start(ServerOptions::new().tls(&pki));
    let out = run(&server, &[("NATS_CA", &path(&pki.ca()))]);
    checks::assert_error(
        &out,
        &["made out to another name", "localhost and 127.0.0.1"],
    );
}

#[test]
fn a_server_without_tls_is_explained() {
    let pki = pki();
    let server = checks::start(ServerOptions::new());
    let out = checks::run(BIN, &server.url(), &[("NATS_CA", &path(&pki.ca()))], &[]);
    checks::assert_error(&out, &["does not speak TLS", "cargo xtask server --tls"]);
}

#[test]
fn mutual_tls_needs_a_client_certificate_the_server_trusts() {
    let pki = pki();
    let server = checks::start(ServerOptions::new().mtls(&pki));
    let ca = path(&pki.ca());

    // None: the server's refusal, explained.
    let out = run(&server, &[("NATS_CA", &ca)]);
    checks::assert_error(
        &out,
        &[
            "wants a client certificate (mutual TLS)",
            "NATS_CERT and NATS_KEY",
        ],
    );

    // One from another CA: refused too.
    let stranger = self::pki();
    let (cert, key) = pki_client(&stranger);
    let env = [
        ("NATS_CA", ca.as_str()),
        ("NATS_CERT", &cert),
        ("NATS_KEY", &key),
    ];
    checks::assert_error(&run(&server, &env), &["refused this client's certificate"]);

    // Its own: in, and the private key never shows.
    let observer = Observer::subscribe(&server, "foo").unwrap();
    let (cert, key) = pki_client(&pki);
    let env = [
        ("NATS_CA", ca.as_str()),
        ("NATS_CERT", &cert),
        ("NATS_KEY", &key),
    ];
    let out = run(&server, &env);
    assert_delivered(&out, &observer, &cert);
}

#[test]
fn unreadable_or_half_given_files_are_named() {
    // Each is found before connecting: no server needed.
    let nowhere = "tls://127.0.0.1:1";
    let out = checks::run(BIN, nowhere, &[("NATS_CA", "/nonexistent/ca.pem")], &[]);
    checks::assert_error(&out, &["cannot read NATS_CA's file /nonexistent/ca.pem"]);
    let out = checks::run(BIN, nowhere, &[("NATS_CERT", "/nonexistent/cert.pem")], &[]);
    checks::assert_error(&out, &["cannot read NATS_CERT's file"]);
    let pki = pki();
    let (cert, _) = pki_client(&pki);
    let out = checks::run(BIN, nowhere, &[("NATS_CERT", &cert)], &[]);
    checks::assert_error(&out, &["NATS_CERT and NATS_KEY go together"]);
}

/// The client certificate and key of `pki`, as the strings the environment takes.
fn pki_client(pki: &Pki) -> (String, String) {
    let (cert, key) = pki.client();
    (path(&cert), path(&key))
}

#[test]
fn no_server_invalid_urls_and_url_credentials_are_explained() {
    checks::fails_clearly_without_server(BIN, &[]);
    checks::explains_invalid_url(BIN);
    checks::refuses_credentials_in_url(BIN);
}

#[test]
fn names_its_connection_for_the_servers_monitoring() {
    let pki = pki();
    let ca = path(&pki.ca());
    checks::names_its_connection_with(BIN, ServerOptions::new().tls(&pki), &[("NATS_CA", &ca)]);
}

/// The guide's scene of TLS and mutual TLS.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::ServerOptions;
    use testkit::pki::Pki;
    use testkit::scene::{Script, fails, ok, terminal};

    #[test]
    fn scene_tls() {
        Script::play(tls);
    }

    /// tls-pub and its failures, then mutual TLS.
    fn tls(s: &mut Script) -> Result<(), String> {
        s.heading("Security: TLS and mutual TLS (tls-pub)");
        let pki = Pki::temporary(&["localhost", "127.0.0.1"]);
        // Shown where `cargo xtask server --tls` writes the certificates.
        let dir = pki
            .ca()
            .parent()
            .map(|dir| dir.display().to_string())
            .unwrap_or_default();
        s.alias(&dir, "target/tls");
        let ca = pki.ca().display().to_string();
        let trusted = [("NATS_CA", ca.as_str())];

        let server = s.server(ServerOptions::new().tls(&pki))?;
        s.say("terminal 1 $ cargo xtask server --tls");
        s.use_url(&tls_url(server.port()));
        let encrypted = ok("encrypted on the way");
        s.run("tls/run", terminal(2, "tls-pub").env(&trusted), encrypted);
        s.run(
            "tls/untrusted",
            terminal(2, "tls-pub"),
            fails("does not trust"),
        );
        s.use_url(&server.url());
        s.run(
            "tls/plain-client",
            terminal(2, "pub-simple"),
            fails("requires TLS"),
        );
        drop(server);

        let plain = s.server(ServerOptions::new())?;
        s.say("terminal 1 $ cargo xtask server        # no TLS");
        s.use_url(&tls_url(plain.port()));
        let no_tls = fails("does not speak TLS");
        s.run("tls/no-tls", terminal(2, "tls-pub").env(&trusted), no_tls);
        drop(plain);
        mutual_tls(s, &pki)
    }

    /// tls:// and 127.0.0.1, which recordings show as tls://localhost:4222.
    fn tls_url(port: u16) -> String {
        format!("tls://127.0.0.1:{port}")
    }

    /// A server that wants a client certificate: refused without one, in with the client's.
    fn mutual_tls(s: &mut Script, pki: &Pki) -> Result<(), String> {
        let ca = pki.ca().display().to_string();
        let (cert, key) = pki.client();
        let (cert, key) = (cert.display().to_string(), key.display().to_string());
        let server = s.server(ServerOptions::new().mtls(pki))?;
        s.say("terminal 1 $ cargo xtask server --mtls");
        s.use_url(&tls_url(server.port()));
        let trusted = [("NATS_CA", ca.as_str())];
        let refused = fails("wants a client certificate");
        s.run("mtls/none", terminal(2, "tls-pub").env(&trusted), refused);
        let mutual = [
            ("NATS_CA", ca.as_str()),
            ("NATS_CERT", &cert),
            ("NATS_KEY", &key),
        ];
        s.run(
            "mtls/run",
            terminal(2, "tls-pub").env(&mutual),
            ok("encrypted on the way"),
        );
        drop(server);
        Ok(())
    }
}
