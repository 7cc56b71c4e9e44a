//! Throw-away credentials for secured servers: a certificate authority with a server and a
//! client certificate (TLS, mutual TLS), and user nkeys. Generated with maintained crates
//! (rcgen, nkeys) into a folder; nothing here is ever a step's dependency.

use std::fs;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

/// A local CA and the certificates it signed, as PEM files in one folder.
#[derive(Clone, Debug)]
pub struct Pki {
    dir: PathBuf,
}

impl Pki {
    /// Makes a CA, a server certificate valid for `server_names` (host names or IP addresses)
    /// and a client certificate, in `dir`. Private keys are readable by their owner only.
    pub fn generate(dir: &Path, server_names: &[&str]) -> crate::Result<Pki> {
        let fail = |err: rcgen::Error| crate::Failure(format!("cannot make a certificate: {err}"));
        fs::create_dir_all(dir).map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
        let pki = Pki {
            dir: dir.to_path_buf(),
        };

        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "nats-rust-tutorial local CA");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca =
            CertifiedIssuer::self_signed(ca, KeyPair::generate().map_err(fail)?).map_err(fail)?;
        pki.write("ca.pem", &ca.pem(), false)?;

        let names: Vec<String> = server_names.iter().map(|name| name.to_string()).collect();
        for (who, names, usage) in [
            ("server", names, ExtendedKeyUsagePurpose::ServerAuth),
            (
                "client",
                vec!["client".to_string()],
                ExtendedKeyUsagePurpose::ClientAuth,
            ),
        ] {
            let mut params = CertificateParams::new(names).map_err(fail)?;
            params.distinguished_name.push(DnType::CommonName, who);
            params.extended_key_usages = vec![usage];
            let key = KeyPair::generate().map_err(fail)?;
            let cert = params.signed_by(&key, &ca).map_err(fail)?;
            pki.write(&format!("{who}-cert.pem"), &cert.pem(), false)?;
            pki.write(&format!("{who}-key.pem"), &key.serialize_pem(), true)?;
        }
        Ok(pki)
    }

    /// The CA certificate clients trust (`NATS_CA`).
    pub fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// The server's certificate and private key.
    pub fn server(&self) -> (PathBuf, PathBuf) {
        (
            self.dir.join("server-cert.pem"),
            self.dir.join("server-key.pem"),
        )
    }

    /// The client's certificate and private key (`NATS_CERT`, `NATS_KEY`).
    pub fn client(&self) -> (PathBuf, PathBuf) {
        (
            self.dir.join("client-cert.pem"),
            self.dir.join("client-key.pem"),
        )
    }

    fn write(&self, name: &str, text: &str, secret: bool) -> crate::Result<()> {
        write_file(&self.dir.join(name), text, secret)
    }
}

/// Writes `text` to `path`; a `secret` only its owner may read (on Unix).
pub fn write_file(path: &Path, text: &str, secret: bool) -> crate::Result<()> {
    fs::write(path, text).map_err(|err| format!("cannot write {}: {err}", path.display()))?;
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))
            .map_err(|err| format!("cannot protect {}: {err}", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = secret;
    Ok(())
}

/// A new user nkey: its seed (the secret, `SU...`) and its public key (`U...`, what the
/// server's configuration lists).
pub fn new_user_nkey() -> (String, String) {
    let pair = nkeys::KeyPair::new_user();
    // A freshly made user key pair always has a seed.
    let seed = pair.seed().unwrap_or_default();
    (seed, pair.public_key())
}
