//! # Security: TLS, and mutual TLS
//!
//! Everything so far crossed the network in clear text, passwords and tokens included. With
//! TLS the connection is encrypted, and the server proves who it is: it shows a certificate
//! for its name, signed by a certificate authority (CA) that the client trusts. A local server
//! has a local CA, which no system trusts, so the client is given its certificate
//! (`NATS_CA`). With **mutual TLS** the client proves who it is too, with a certificate of its
//! own (`NATS_CERT`, its key in `NATS_KEY`), and the server refuses clients without one.
//!
//! Run it (two terminals; `cargo xtask server --mtls` for mutual TLS, which prints all four
//! settings):
//!
//! ```text
//! terminal 1:  cargo xtask server --tls        # a CA and a certificate in target/tls/
//! terminal 2:  NATS_CA=target/tls/ca.pem cargo run -p tls-pub
//! ```
//!
//! `NATS_URL` defaults to `tls://localhost:4222`. Arguments: `tls-pub [SUBJECT] [MESSAGE]`.

use std::path::PathBuf;

use async_nats::{ConnectError, ConnectOptions};
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let url = stepkit::start_secured("tls-pub", "tls://localhost:4222", "--tls")?;
    let subject = stepkit::arg(1, "foo");
    let message = stepkit::arg(2, "Hello TLS");
    // The CA that signed the server's certificate (no system trusts a local one), and for
    // mutual TLS the client's own certificate and key: files, named by the nats CLI's settings.
    let ca = stepkit::setting_file("NATS_CA")?;
    let files = match (
        stepkit::setting_file("NATS_CERT")?,
        stepkit::setting_file("NATS_KEY")?,
    ) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        _ => {
            return Err(
                Problem::new("NATS_CERT and NATS_KEY go together; only one is set.")
                    .hint("mutual TLS needs the client's certificate and its private key"),
            );
        }
    };

    // TLS, whatever the URL's scheme: encrypted, or no connection at all.
    let mut options = ConnectOptions::new()
        .name(stepkit::connection_name("tls-pub"))
        .require_tls(true);
    let ca_given = ca.is_some();
    // Trust this CA for the server's certificate.
    if let Some(ca) = ca {
        options = options.add_root_certificates(ca);
    }
    // Mutual TLS: present this client's certificate; the server checks it against its CA.
    if let Some((cert, key)) = files.clone() {
        info!("Presenting the client certificate {}", cert.display());
        options = options.add_client_certificate(cert, key);
    }
    let client = options
        .connect(&url)
        .await
        .map_err(|err| failed(&url.to_string(), ca_given, files, err))?;
    info!("Connected to {url} over TLS; the server's certificate checked out");

    client
        .publish(subject.clone(), message.clone().into())
        .await
        .map_err(|err| stepkit::publish_error(&client, &[&subject], message.len(), err))?;
    client.flush().await?;
    info!("Published message on subject {subject}, encrypted on the way");
    Ok(())
}

/// What went wrong with TLS, in a learner's words, read from rustls's words in async-nats's
/// error: our own files, the server's certificate, or its refusal of ours. (A server without
/// TLS, or a CA not given, any step may meet: stepkit's sentences say those.)
fn failed(url: &str, ca: bool, files: Option<(PathBuf, PathBuf)>, err: ConnectError) -> Problem {
    let text = err.to_string();
    let said = |words: &[&str]| words.iter().any(|word| text.contains(word));
    let server = |sentence: &str| Problem::new(format!("the server at {url} {sentence}"));
    // This client's own files, which rustls reads only now.
    if let Some((cert, key)) = files.as_ref().map(|(c, k)| (c.display(), k.display())) {
        if said(&["could not load private key"]) {
            let sentence =
                format!("NATS_KEY's file {key} holds no private key this client can use.");
            let hint =
                "rustls reads unencrypted PEM keys: BEGIN PRIVATE KEY, RSA or EC PRIVATE KEY";
            return Problem::new(sentence).hint(hint);
        }
        if said(&[
            "could not add certificate or key",
            "could not load certificates",
        ]) {
            return Problem::new(format!(
                "the certificate in NATS_CERT ({cert}) and the key in NATS_KEY ({key}) cannot be \
                 used together."
            ))
            .hint(
                "NATS_CERT must hold an X.509 version 3 certificate (`openssl x509 -req` makes \
                 version 1 unless given `-extfile` with the line extendedKeyUsage=clientAuth), \
                 and NATS_KEY the key it was made for (`openssl x509 -noout -pubkey -in CERT` \
                 and `openssl pkey -pubout -in KEY` print the same)",
            );
        }
    }
    if said(&["UnknownIssuer", "BadSignature"]) && ca {
        server("has a certificate that the CA in NATS_CA did not sign.")
            .hint("point NATS_CA at the CA that signed this server's certificate")
    } else if said(&["NotValidForName", "not valid for name"]) {
        server("has a certificate made out to another name than the one in the URL.").hint(
            "connect with a name the certificate lists (cargo xtask server --tls makes one for \
             localhost and 127.0.0.1), or make the server a certificate for this name",
        )
    // Servers built with an older Go (Debian's 2.9.10) say BadCertificate for a missing one.
    } else if said(&["CertificateRequired"]) || (said(&["BadCertificate"]) && files.is_none()) {
        server("wants a client certificate (mutual TLS), and got none.").hint(
            "set NATS_CERT and NATS_KEY to the client's certificate and key (cargo xtask server \
             --mtls writes them to target/tls/)",
        )
    } else if said(&["UnknownCA", "BadCertificate", "DecryptError"]) {
        server("refused this client's certificate.")
            .hint("the client certificate in NATS_CERT must be signed by the CA the server trusts")
    } else {
        Problem::from(err)
    }
}
