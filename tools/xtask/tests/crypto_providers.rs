//! rustls panics when it finds two crypto providers compiled in and nobody chose one. A
//! learner's program gets there as soon as any other dependency turns on aws-lc-rs next to
//! async-nats's ring. This builds a throw-away crate with both, and connects over TLS to a
//! real server: through stepkit (which installs ring first) it works; without it, it panics.
// A panic is the test failing with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use nats_servers::pki::Pki;
use nats_servers::{NatsServer, ServerOptions};
use testkit::Step;

/// The throw-away crate: stepkit, and async-nats with both rustls providers on.
fn write_crate(dir: &Path, root: &Path) {
    fs::create_dir_all(dir.join("src")).unwrap();
    let manifest = format!(
        r#"[package]
name = "both-providers"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
stepkit = {{ path = "{stepkit}" }}
async-nats = {{ version = "0.51", default-features = false, features = ["ring", "aws-lc-rs"] }}
tokio = {{ version = "1", features = ["rt", "macros"] }}

[workspace]
"#,
        stepkit = root.join("tools/stepkit").display()
    );
    fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    // The workspace's versions, so that this builds what the steps build (plus aws-lc-rs).
    fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let main = r#"
use async_nats::ConnectOptions;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), stepkit::Problem> {
    let (url, ca) = if std::env::args().nth(1).as_deref() == Some("stepkit") {
        // The way every step starts: stepkit installs ring as the process's provider.
        let url = stepkit::start_secured("both-providers", "tls://localhost:4222", "--tls")?;
        (url.to_string(), stepkit::setting_file("NATS_CA")?)
    } else {
        // No provider chosen: rustls cannot pick between ring and aws-lc-rs.
        let url = std::env::var("NATS_URL").unwrap_or_default();
        (url, std::env::var_os("NATS_CA").map(Into::into))
    };
    let mut options = ConnectOptions::new().require_tls(true);
    if let Some(ca) = ca {
        options = options.add_root_certificates(ca);
    }
    options.connect(&url).await?;
    println!("connected over TLS with ring and aws-lc-rs compiled in");
    Ok(())
}
"#;
    fs::write(dir.join("src").join("main.rs"), main).unwrap();
}

#[test]
fn a_second_crypto_provider_does_not_break_tls_through_stepkit() {
    let root = nats_servers::workspace_root();
    let dir = root.join("target").join("crypto-providers");
    write_crate(&dir, &root);
    // Its own target folder, kept between runs: aws-lc-rs takes a while to compile.
    let built = Command::new(env!("CARGO"))
        .current_dir(&dir)
        .args(["build", "--quiet"])
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .status()
        .unwrap();
    assert!(built.success(), "the throw-away crate did not build");
    // Both providers really are compiled in: rustls shows both features.
    let features = Command::new(env!("CARGO"))
        .current_dir(&dir)
        .args([
            "tree", "--edges", "features", "--prefix", "none", "-i", "rustls",
        ])
        .output()
        .unwrap();
    let features = String::from_utf8_lossy(&features.stdout);
    assert!(features.contains("\"aws-lc-rs\""), "{features}");
    assert!(features.contains("\"ring\""), "{features}");

    let pki = Pki::temporary(&["localhost", "127.0.0.1"]);
    let server = NatsServer::start(ServerOptions::new().tls(&pki)).unwrap();
    let bin = dir.join("target").join("debug").join("both-providers");
    let run = |mode: &str| {
        let mut command = Step::command(&bin);
        command
            .env("NATS_URL", server.tls_url())
            .env("NATS_CA", pki.ca())
            .arg(mode);
        Step::run(&mut command, Duration::from_secs(15)).unwrap()
    };

    let out = run("stepkit");
    assert_eq!(out.code, Some(0), "{}", out.all);
    assert!(
        out.contains("connected over TLS with ring and aws-lc-rs compiled in"),
        "{}",
        out.all
    );

    // Without stepkit the same program panics: the test above would notice if the
    // installation went missing.
    let out = run("raw");
    assert_ne!(out.code, Some(0), "{}", out.all);
    assert!(out.contains("CryptoProvider"), "{}", out.all);
}
