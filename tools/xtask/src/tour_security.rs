//! The tour's security scenes: tokens, nkeys, credentials files, TLS, mutual TLS and
//! permissions, each against a server configured as `cargo xtask server --OPTION` does. The
//! files they need are made in scratch folders that go away with each scene, and recordings
//! show them where `cargo xtask server` writes them.

use nats_servers::ServerOptions;
use nats_servers::pki::{Credentials, Pki, ScratchDir, user_nkey_from};

use crate::script::{Script, fails, ok, terminal};

/// A secret file the tour writes into `dir`: its real path, shown in recordings as `shown`.
fn tour_file(s: &mut Script, dir: &ScratchDir, name: &str, text: &str, shown: &str) -> String {
    let real = dir.secret_file(name, text);
    s.alias(&real, shown);
    real
}

pub fn run(s: &mut Script) -> Result<(), String> {
    tokens(s)?;
    nkeys(s)?;
    credentials(s)?;
    tls(s)?;
    permissions(s)
}

/// token-pub against a server that wants a token.
fn tokens(s: &mut Script) -> Result<(), String> {
    s.heading("Security: a token (token-pub)");
    // A token of the recording's own, never shown: the command line reads it from its file.
    let token = "tutorial-token-4f1d9a";
    let server = s.server(ServerOptions::new().token(token))?;
    s.say("terminal 1 $ cargo xtask server --token");
    let secret = ("NATS_TOKEN", token, "$(cat target/secrets/token)");
    let program = terminal(2, "token-pub").secret(secret.0, secret.1, secret.2);
    s.run("token/run", program, ok("Published message on subject foo"));
    let wrong = terminal(2, "token-pub").secret("NATS_TOKEN", "not-the-token", "not-the-token");
    s.run("token/wrong", wrong, fails("refused the token"));
    drop(server);
    Ok(())
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

/// creds-pub with a user JWT from an account the server's operator signed.
fn credentials(s: &mut Script) -> Result<(), String> {
    s.heading("Security: a credentials file (creds-pub)");
    let credentials = Credentials::generate();
    let server = s.server(ServerOptions::new().config(&credentials.server_config))?;
    s.say("terminal 1 $ cargo xtask server --creds");
    let dir = ScratchDir::new("tour");
    let shown = "target/secrets/user.creds";
    let path = tour_file(s, &dir, "user.creds", &credentials.creds, shown);
    let env = [("NATS_CREDS", path.as_str())];
    s.run(
        "creds/run",
        terminal(2, "creds-pub").env(&env),
        ok("vouched for it"),
    );
    drop(server);
    Ok(())
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

/// permissions against a server that limits what user foo may do.
fn permissions(s: &mut Script) -> Result<(), String> {
    s.heading("Security: permissions (permissions)");
    let server = s.server(ServerOptions::new().permissions())?;
    s.say("terminal 1 $ cargo xtask server --permissions");
    let program = terminal(2, "permissions");
    s.run(
        "permissions/run",
        program,
        ok("Received 'allowed' on foo.allowed"),
    );
    drop(server);
    Ok(())
}
