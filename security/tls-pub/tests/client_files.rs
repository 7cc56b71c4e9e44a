//! Client certificates and keys made by hand with openssl, the way tutorials on the web make
//! them, that a TLS client cannot use: each gets a sentence that names NATS_CERT or NATS_KEY,
//! not the server's set-up. Needs the `openssl` command (Debian: `apt-get install openssl`).
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use testkit::pki::{Pki, ScratchDir};
use testkit::{NatsServer, Observer, Output, ServerOptions, checks};

const BIN: &str = env!("CARGO_BIN_EXE_tls-pub");

/// Runs openssl with `args` in `dir`, and fails with its output when it fails.
fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|err| panic!("cannot run openssl ({err}): apt-get install openssl"));
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The usual web recipe: an RSA key, a certificate request, and the request signed by the
/// CA with `openssl x509 -req`; `extensions` adds an `-extfile` (without it, openssl 3 makes
/// an X.509 version 1 certificate). Returns the certificate's and the key's file names.
fn openssl_client(dir: &Path, pki: &Pki, name: &str, extensions: bool) -> (String, String) {
    let (key, csr, cert) = (
        format!("{name}.key"),
        format!("{name}.csr"),
        format!("{name}.crt"),
    );
    openssl(dir, &["genrsa", "-out", &key, "2048"]);
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-key",
            &key,
            "-subj",
            "/CN=client",
            "-out",
            &csr,
        ],
    );
    let (ca, ca_key) = (pki.ca(), pki.ca_key());
    let mut sign = vec!["x509", "-req", "-in", &csr, "-days", "2", "-out", &cert];
    let (ca, ca_key) = (ca.to_str().unwrap(), ca_key.to_str().unwrap());
    sign.extend(["-CA", ca, "-CAkey", ca_key, "-CAcreateserial"]);
    if extensions {
        std::fs::write(dir.join("ext.cnf"), "extendedKeyUsage=clientAuth\n").unwrap();
        sign.extend(["-extfile", "ext.cnf"]);
    }
    openssl(dir, &sign);
    let path = |file: &str| dir.join(file).display().to_string();
    (path(&cert), path(&key))
}

fn mtls() -> (Pki, NatsServer) {
    let pki = Pki::temporary(&["localhost", "127.0.0.1"]);
    let server = checks::start(ServerOptions::new().mtls(&pki));
    (pki, server)
}

fn run(server: &NatsServer, pki: &Pki, cert: &str, key: &str) -> Output {
    let ca = pki.ca().display().to_string();
    let env = [
        ("NATS_CA", ca.as_str()),
        ("NATS_CERT", cert),
        ("NATS_KEY", key),
    ];
    checks::run(BIN, &server.tls_url(), &env, &[])
}

#[test]
fn an_openssl_version_1_certificate_is_named_as_the_clients_file() {
    let (pki, server) = mtls();
    let scratch = ScratchDir::new("openssl");
    let (cert, key) = openssl_client(scratch.path(), &pki, "v1", false);
    let out = run(&server, &pki, &cert, &key);
    let phrases = [
        "NATS_CERT",
        "NATS_KEY",
        "cannot be used together",
        "version 3",
        "-extfile",
    ];
    checks::assert_error(&out, &phrases);
    assert!(
        out.contains(&cert),
        "the sentence does not name the file:\n{}",
        out.all
    );
    assert!(!out.contains("cargo xtask server --tls"), "{}", out.all);
}

#[test]
fn a_key_that_is_not_the_certificates_is_named() {
    let (pki, server) = mtls();
    let scratch = ScratchDir::new("openssl");
    let (_, other_key) = openssl_client(scratch.path(), &pki, "other", true);
    let (cert, _) = pki.client();
    let out = run(&server, &pki, &cert.display().to_string(), &other_key);
    checks::assert_error(&out, &["NATS_KEY", "the key it was made for", "-pubkey"]);
}

#[test]
fn swapped_or_keyless_files_are_named() {
    let (pki, server) = mtls();
    let (cert, key) = pki.client();
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let out = run(&server, &pki, &key, &key);
    checks::assert_error(&out, &["NATS_CERT", "cannot be used together"]);
    let out = run(&server, &pki, &cert, &cert);
    checks::assert_error(&out, &["NATS_KEY", "holds no private key"]);
}

#[test]
fn an_openssl_version_3_certificate_works() {
    let (pki, server) = mtls();
    let observer = Observer::subscribe(&server, "foo").unwrap();
    let scratch = ScratchDir::new("openssl");
    let (cert, key) = openssl_client(scratch.path(), &pki, "v3", true);
    let out = run(&server, &pki, &cert, &key);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert_eq!(
        observer.next(testkit::EXERCISE_PATIENCE).unwrap().payload,
        "Hello TLS"
    );
}
