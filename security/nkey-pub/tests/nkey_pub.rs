//! End-to-end tests of nkey-pub against a real nats-server that knows one user nkey.
// Helpers below unwrap like the tests do: a panic is the test failing with its reason.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use testkit::pki::{ScratchDir, new_user_nkey};
use testkit::{ServerOptions, checks};

const BIN: &str = env!("CARGO_BIN_EXE_nkey-pub");

/// A server that accepts one new user nkey; that user's seed file, in `dir`; its public key.
fn server_and_seed(dir: &ScratchDir) -> (testkit::NatsServer, String, String) {
    let (seed, public) = new_user_nkey();
    let server = checks::start(ServerOptions::new().nkey(&public));
    (
        server,
        dir.secret_file("user.nk", &format!("{seed}\n")),
        public,
    )
}

/// Where no server listens: for mistakes found before connecting.
const NOWHERE: &str = "nats://127.0.0.1:1";

#[test]
fn it_signs_in_with_its_seed_and_shows_only_the_public_key() {
    let dir = ScratchDir::new("nkey-pub");
    let (server, seed, public) = server_and_seed(&dir);
    let out = checks::run(BIN, &server.url(), &[("NATS_NKEY", &seed)], &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(out.contains(&format!("nkey {public}")), "{}", out.all);
    assert!(
        out.contains("the server checked the signature"),
        "{}",
        out.all
    );
}

#[test]
fn a_key_the_server_does_not_list_is_refused_by_its_public_key() {
    let dir = ScratchDir::new("nkey-pub");
    let (server, _, _) = server_and_seed(&dir);
    let (other_seed, other_public) = new_user_nkey();
    let seed = dir.secret_file("other.nk", &other_seed);
    let out = checks::run(BIN, &server.url(), &[("NATS_NKEY", &seed)], &[]);
    checks::assert_error(
        &out,
        &[
            &format!("refused the nkey {other_public}: authorization violation"),
            "--nkey",
        ],
    );
}

#[test]
fn missing_unreadable_and_malformed_seed_files_are_named() {
    // Each is found before connecting: no server needed.
    let out = checks::run(BIN, NOWHERE, &[], &[]);
    checks::assert_error(&out, &["NATS_NKEY is not set", "cargo xtask server --nkey"]);

    let out = checks::run(BIN, NOWHERE, &[("NATS_NKEY", "/nonexistent/user.nk")], &[]);
    checks::assert_error(&out, &["cannot read NATS_NKEY's file /nonexistent/user.nk"]);

    let dir = ScratchDir::new("nkey-pub");
    let garbage = dir.secret_file("user.nk", "SUNOTAREALSEEDATALLBUTLONGENOUGHTOLOOKLIKEONE\n");
    let out = checks::run(BIN, NOWHERE, &[("NATS_NKEY", &garbage)], &[]);
    checks::assert_error(
        &out,
        &[&format!(
            "NATS_NKEY's file {garbage} does not hold a user nkey seed"
        )],
    );
}

#[test]
fn no_server_and_an_invalid_url_are_explained() {
    let dir = ScratchDir::new("nkey-pub");
    let seed = dir.secret_file("user.nk", &new_user_nkey().0);
    checks::fails_clearly_without_server(BIN, &[("NATS_NKEY", &seed)]);
    checks::explains_invalid_url(BIN);
}

#[test]
fn names_its_connection_for_the_servers_monitoring() {
    let dir = ScratchDir::new("nkey-pub");
    let (seed, public) = new_user_nkey();
    let seed = dir.secret_file("user.nk", &seed);
    checks::names_its_connection_with(
        BIN,
        ServerOptions::new().nkey(&public),
        &[("NATS_NKEY", &seed)],
    );
}

/// The seed never leaves the client: every byte the step sends, recorded by a relay between
/// it and the server, holds the public key and a signature of the nonce, and no seed. (The
/// server's own trace would not show it: it redacts the nkey and the signature.)
#[test]
fn the_seed_never_crosses_the_wire_only_the_public_key_and_a_signature_do() {
    let dir = ScratchDir::new("nkey-pub-wire");
    let (server, file, public) = server_and_seed(&dir);
    let seed = std::fs::read_to_string(&file).unwrap().trim().to_string();
    let (url, sent) = relay(&server);
    let out = checks::run(BIN, &url, &[("NATS_NKEY", &file)], &[]);
    assert_eq!(out.code, Some(0), "{}", out.all);
    let sent = String::from_utf8_lossy(&sent.lock().unwrap()).to_string();
    let connect = sent
        .lines()
        .find(|l| l.starts_with("CONNECT "))
        .unwrap_or_default();
    assert!(
        connect.contains(&format!("\"nkey\":\"{public}\"")),
        "{sent}"
    );
    assert!(connect.contains("\"sig\":\""), "{sent}");
    assert!(!sent.contains(&seed), "the seed crossed the wire");
    assert!(!out.all.contains(&seed), "the seed was printed");
}

/// A relay on a free port to `server`, for one connection: the URL to give the step, and
/// every byte the step sends through it.
fn relay(server: &testkit::NatsServer) -> (String, Arc<Mutex<Vec<u8>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("nats://{}", listener.local_addr().unwrap());
    let target = server.url().replace("nats://", "");
    let sent = Arc::new(Mutex::new(Vec::new()));
    let record = sent.clone();
    std::thread::spawn(move || {
        let (client, _) = listener.accept().unwrap();
        let upstream = TcpStream::connect(target).unwrap();
        let (mut from_client, mut to_server) =
            (client.try_clone().unwrap(), upstream.try_clone().unwrap());
        let (mut from_server, mut to_client) = (upstream, client);
        std::thread::spawn(move || std::io::copy(&mut from_server, &mut to_client));
        let mut buffer = [0u8; 4096];
        while let Ok(n @ 1..) = from_client.read(&mut buffer) {
            record.lock().unwrap().extend_from_slice(&buffer[..n]);
            if to_server.write_all(&buffer[..n]).is_err() {
                break;
            }
        }
    });
    (url, sent)
}

/// The guide's scene of an nkey.
/// It writes the transcripts that the guide's output blocks show (`cargo xtask docs`), and
/// `cargo xtask tour` runs it with `NATS_TOUR` set to show it as it unfolds.
mod guide {
    use testkit::ServerOptions;
    use testkit::pki::{ScratchDir, user_nkey_from};
    use testkit::scene::{Script, fails, ok, terminal};

    #[test]
    fn scene_nkey() {
        Script::play(nkeys);
    }

    /// A secret file the tour writes into `dir`: its real path, shown in recordings as `shown`.
    fn tour_file(s: &mut Script, dir: &ScratchDir, name: &str, text: &str, shown: &str) -> String {
        let real = dir.secret_file(name, text);
        s.alias(&real, shown);
        real
    }

    /// nkey-pub signs in with a seed the server knows only by its public key.
    fn nkeys(s: &mut Script) -> Result<(), String> {
        s.heading("Security: an nkey (nkey-pub)");
        // The same key in every recording, so that the guide shows one public key.
        let (seed, public) = user_nkey_from([7; 32]);
        let server = s.server(ServerOptions::new().nkey(&public))?;
        s.say("terminal 1 $ cargo xtask server --nkey");
        let dir = ScratchDir::new("tour");
        let path = tour_file(
            s,
            &dir,
            "user.nk",
            &format!("{seed}\n"),
            "target/secrets/user.nk",
        );
        let env = [("NATS_NKEY", path.as_str())];
        s.run(
            "nkey/run",
            terminal(2, "nkey-pub").env(&env),
            ok("checked the signature"),
        );
        let (other, _) = user_nkey_from([8; 32]);
        let stranger = tour_file(s, &dir, "other.nk", &format!("{other}\n"), "other.nk");
        let env = [("NATS_NKEY", stranger.as_str())];
        s.run(
            "nkey/stranger",
            terminal(2, "nkey-pub").env(&env),
            fails("refused the nkey"),
        );
        drop(server);
        Ok(())
    }
}
