//! Settings and sentences for the secured steps: TLS (`NATS_CA`, `NATS_CERT`, `NATS_KEY`) and,
//! with the `nkeys` feature, nkeys (`NATS_NKEY`) and credentials files (`NATS_CREDS`). The
//! variables carry the `nats` CLI's names; they hold file paths, and no file's content is ever
//! logged or put in a sentence.

use std::path::{Path, PathBuf};

use async_nats::ConnectError;
use async_nats::rustls::pki_types::pem::PemObject;
use async_nats::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use async_nats::rustls::{Error as TlsError, InconsistentKeys, crypto::ring, sign::CertifiedKey};

use super::{Kind, Problem};

/// The address the TLS steps use unless `NATS_URL` says otherwise.
pub const TLS_URL: &str = "tls://localhost:4222";

/// Where and how a TLS step connects.
pub struct Tls {
    /// The server, normally a `tls://` URL.
    pub url: String,
    /// `NATS_CA`: the CA that signed the server's certificate, when it is not one the system
    /// trusts (a local test CA never is).
    pub ca: Option<PathBuf>,
    /// `NATS_CERT` and `NATS_KEY`: the client's own certificate and key, for mutual TLS.
    pub client: Option<(PathBuf, PathBuf)>,
}

/// The file a variable names, once it is known to be readable.
fn file(variable: &str) -> Result<Option<PathBuf>, Problem> {
    let Some(path) = std::env::var_os(variable).filter(|path| !path.is_empty()) else {
        return Ok(None);
    };
    let path = PathBuf::from(path);
    readable(variable, &path)?;
    Ok(Some(path))
}

/// Opens the file at `path` (named by `variable`) to be sure it can be read; says which file
/// when it cannot, never what is in it.
fn readable(variable: &str, path: &Path) -> Result<(), Problem> {
    std::fs::File::open(path).map(|_| ()).map_err(|err| {
        Problem::new(format!("cannot read {variable}'s file {} ({err}).", path.display())).hint(
            "`cargo xtask server --tls` (or --mtls, --nkey) writes the files under target/ and \
             prints what to set",
        )
    })
}

/// For a TLS step: sets up logging and returns the URL (`NATS_URL`, default
/// `tls://localhost:4222`) and the files of `NATS_CA`, `NATS_CERT` and `NATS_KEY`.
pub fn start_tls(name: &'static str) -> Result<Tls, Problem> {
    let url = super::init(TLS_URL);
    super::refuse_credentials(name, &super::parse(&url)?)?;
    let ca = file("NATS_CA")?;
    let client = match (file("NATS_CERT")?, file("NATS_KEY")?) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        _ => {
            return Err(Problem::new("NATS_CERT and NATS_KEY go together; only one is set.")
                .hint("mutual TLS needs the client's certificate and its private key"));
        }
    };
    if let Some((cert, key)) = &client {
        usable_client_files(cert, key)?;
    }
    let kind = Kind::Tls { ca: ca.is_some(), client: client.is_some() };
    super::remember(name, &url, kind);
    Ok(Tls { url, ca, client })
}

/// Checks that the client's certificate and key can be used together, the way rustls will,
/// so that a file made by hand (with openssl, say) that cannot be used is named with what to
/// check, before any connection is tried.
fn usable_client_files(cert: &Path, key: &Path) -> Result<(), Problem> {
    let (cert_name, key_name) = (cert.display(), key.display());
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(cert).and_then(|certs| certs.collect()).unwrap_or_default();
    if certs.is_empty() {
        return Err(Problem::new(format!(
            "NATS_CERT's file {cert_name} holds no certificate (a BEGIN CERTIFICATE block)."
        ))
        .hint("NATS_CERT names the client's certificate, NATS_KEY its private key: swapped?"));
    }
    let key_hint = "rustls reads unencrypted PEM keys: BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC \
                    PRIVATE KEY (`openssl pkey -in KEY -out plain.pem` writes one)";
    let signer = PrivateKeyDer::from_pem_file(key)
        .ok()
        .and_then(|der| ring::default_provider().key_provider.load_private_key(der).ok());
    let Some(signer) = signer else {
        let sentence =
            format!("NATS_KEY's file {key_name} holds no private key this client can use.");
        return Err(Problem::new(sentence).hint(key_hint));
    };
    match CertifiedKey::new(certs, signer).keys_match() {
        Ok(()) | Err(TlsError::InconsistentKeys(InconsistentKeys::Unknown)) => Ok(()),
        Err(TlsError::InconsistentKeys(_)) => Err(Problem::new(format!(
            "NATS_KEY's file {key_name} is not the private key of the certificate in NATS_CERT \
             ({cert_name})."
        ))
        .hint(format!(
            "use the key the certificate was made for: `openssl x509 -noout -pubkey -in \
             {cert_name}` and `openssl pkey -pubout -in {key_name}` must print the same"
        ))),
        // webpki reads X.509 version 3 only: `openssl x509 -req` without extensions makes v1.
        Err(err) => Err(Problem::new(if format!("{err}").contains("UnsupportedCertVersion") {
            format!("NATS_CERT's file {cert_name} is an X.509 version 1 certificate.")
        } else {
            format!("NATS_CERT's file {cert_name} holds a certificate this client cannot use.")
        })
        .hint(
            "it must be an X.509 version 3 certificate (`openssl x509 -noout -text -in CERT` \
             shows the version); `openssl x509 -req` makes version 1 unless given extensions: \
             add `-extfile` with the line extendedKeyUsage=clientAuth",
        )),
    }
}

/// The sentence for a failed TLS handshake (or a TLS mismatch) at `url`. rustls says what
/// went wrong in its error's text; this puts it in a learner's words. `ca`/`client`: whether
/// the step gave a CA file and a client certificate (`None`: not a TLS step at all).
/// `None` when the error is not about TLS. (async-nats reports most of these as I/O errors.)
pub(crate) fn tls_problem(
    url: &str,
    err: &ConnectError,
    tls: Option<(bool, bool)>,
) -> Option<Problem> {
    let text = format!("{err}");
    let said = |needle: &str| text.contains(needle);
    let about_tls = ["certificate", "fatal alert", "corrupt message", "TLS"];
    if !about_tls.iter().any(|needle| said(needle)) {
        return None;
    }
    Some(if said("UnknownIssuer") && tls.is_none_or(|(ca, _)| !ca) {
        Problem::new(format!(
            "the server at {url} requires TLS, and its certificate is signed by a CA this client \
             does not trust."
        ))
        .hint(
            "give the CA's certificate in NATS_CA (cargo xtask server --tls writes it to \
             target/tls/ca.pem) and use a TLS step such as tls-pub",
        )
    } else if said("UnknownIssuer") || said("BadSignature") {
        Problem::new(format!(
            "the server at {url} has a certificate that the CA in NATS_CA did not sign."
        ))
        .hint("point NATS_CA at the CA that signed this server's certificate")
    } else if said("not valid for name") || said("NotValidForName") {
        Problem::new(format!(
            "the server at {url} has a certificate made out to another name than the one in \
             the URL."
        ))
        .hint(
            "connect with a name the certificate lists (cargo xtask server --tls makes one for \
             localhost and 127.0.0.1), or make the server a certificate for this name",
        )
    } else if said("CertificateRequired")
        // Servers built with an older Go (Debian's 2.9.10) answer a missing one this way.
        || (said("BadCertificate") && tls.is_some_and(|(_, client)| !client))
    {
        Problem::new(format!(
            "the server at {url} wants a client certificate (mutual TLS), and got none."
        ))
        .hint(
            "set NATS_CERT and NATS_KEY to the client's certificate and key (cargo xtask server \
             --mtls writes them to target/tls/)",
        )
    } else if said("UnknownCA") || said("BadCertificate") || said("DecryptError") {
        Problem::new(format!("the server at {url} refused this client's certificate."))
            .hint("the client certificate in NATS_CERT must be signed by the CA the server trusts")
    } else if said("corrupt message") {
        // The server answered in plain text where a TLS handshake was expected.
        Problem::new(format!(
            "the server at {url} does not speak TLS, and this client requires it."
        ))
        .hint(
            "start a server with TLS (`cargo xtask server --tls`), or connect to this one \
                 with a step without TLS and a nats:// URL",
        )
    } else {
        Problem::new(format!("the TLS connection to {url} failed ({err}).")).hint(
            "the server and the client must agree on TLS: `cargo xtask server --tls` and tls-pub \
             with NATS_CA set",
        )
    })
}

/// Where an nkey step connects, and with which key. No `Debug`: the seed is a secret.
#[cfg(feature = "nkeys")]
pub struct Nkey {
    /// The server's URL.
    pub url: String,
    /// The seed (`SU...`), the secret that signs the server's challenge. Never logged.
    pub seed: String,
    /// The public key (`U...`) derived from it: what the server's configuration lists, safe
    /// to log.
    pub public_key: String,
}

/// For a step that authenticates with an nkey: sets up logging and reads the seed from the
/// file that `NATS_NKEY` names. A missing, unreadable or malformed file gets a sentence that
/// names the file, never its content.
#[cfg(feature = "nkeys")]
pub fn start_with_nkey(name: &'static str) -> Result<Nkey, Problem> {
    let url = super::init(super::DEFAULT_URL);
    super::refuse_credentials(name, &super::parse(&url)?)?;
    let hint = format!(
        "`cargo xtask server --nkey` writes a fresh seed to target/secrets/user.nk: run \
         NATS_NKEY=target/secrets/user.nk cargo run -p {name}"
    );
    let Some(path) = file("NATS_NKEY")? else {
        return Err(Problem::new("NATS_NKEY is not set.").hint(hint));
    };
    let text = std::fs::read_to_string(&path).map_err(|err| {
        Problem::new(format!("cannot read NATS_NKEY's file {} ({err}).", path.display()))
    })?;
    // The seed is the file's first non-blank line (nsc and `nk` write it alone in a file).
    let seed = text.lines().map(str::trim).find(|line| !line.is_empty()).unwrap_or_default();
    let pair =
        nkeys::KeyPair::from_seed(seed).ok().filter(|pair| pair.public_key().starts_with('U'));
    let Some(pair) = pair else {
        return Err(Problem::new(format!(
            "NATS_NKEY's file {} does not hold a user nkey seed (a line starting with SU).",
            path.display()
        ))
        .hint(hint));
    };
    let public_key = pair.public_key();
    super::remember(name, &url, Kind::Nkey(public_key.clone()));
    Ok(Nkey { url, seed: seed.to_string(), public_key })
}

/// For a step with a credentials file: sets up logging and returns the URL and the file that
/// `NATS_CREDS` names, once it is known to be readable.
#[cfg(feature = "nkeys")]
pub fn start_with_creds(name: &'static str) -> Result<(String, PathBuf), Problem> {
    let url = super::init(super::DEFAULT_URL);
    super::refuse_credentials(name, &super::parse(&url)?)?;
    let Some(path) = file("NATS_CREDS")? else {
        return Err(Problem::new("NATS_CREDS is not set.").hint(format!(
            "`cargo xtask server --creds` writes a credentials file to \
             target/secrets/user.creds: run NATS_CREDS=target/secrets/user.creds cargo run -p \
             {name}"
        )));
    };
    super::remember(name, &url, Kind::Creds(path.display().to_string()));
    Ok((url, path))
}

/// The credentials file at `path` could not be used (async-nats found no JWT or no seed).
#[cfg(feature = "nkeys")]
pub fn creds_error(path: &Path, err: std::io::Error) -> Problem {
    Problem::new(format!(
        "NATS_CREDS's file {} is not a usable credentials file ({}).",
        path.display(),
        err.kind()
    ))
    .hint(
        "a credentials file holds a user JWT and the user's nkey seed between BEGIN/END lines, \
         as nsc writes it (and `cargo xtask server --creds`)",
    )
}
