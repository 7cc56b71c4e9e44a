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

use async_nats::ConnectOptions;
use log::info;
use stepkit::Problem;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Problem> {
    let tls = stepkit::start_tls("tls-pub")?;
    let subject = stepkit::arg(1, "foo");
    let message = stepkit::arg(2, "Hello TLS");

    // TLS, whatever the URL's scheme: encrypted, or no connection at all.
    let mut options = ConnectOptions::new()
        .name(stepkit::connection_name("tls-pub"))
        .require_tls(true);
    // Trust this CA for the server's certificate (the system's CAs never signed a local one).
    if let Some(ca) = tls.ca {
        options = options.add_root_certificates(ca);
    }
    // Mutual TLS: present this client's certificate; the server checks it against its CA.
    if let Some((cert, key)) = tls.client {
        info!("Presenting the client certificate {}", cert.display());
        options = options.add_client_certificate(cert, key);
    }
    let client = options.connect(&tls.url).await?;
    info!(
        "Connected to {} over TLS; the server's certificate checked out",
        tls.url
    );

    client
        .publish(subject.clone(), message.clone().into())
        .await
        .map_err(|err| stepkit::publish_error(&client, &[&subject], message.len(), err))?;
    client.flush().await?;
    info!("Published message on subject {subject}, encrypted on the way");
    Ok(())
}
