//! Throw-away credentials for secured servers: a certificate authority with a server and a
//! client certificate (TLS, mutual TLS), and user nkeys. Generated with maintained crates
//! (rcgen, nkeys) into a folder; nothing here is ever a step's dependency.
//!
//! Making them is the `pki` feature (the tests and the class server turn it on; xtask only for
//! the secured servers): a plain `cargo xtask server` compiles none of those crates.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[cfg(feature = "pki")]
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

/// A fresh folder for one test's files (a seed, a credentials file, certificates), removed
/// when dropped, so that secrets made for a test do not outlive it.
#[derive(Debug)]
pub struct ScratchDir(PathBuf);

static SCRATCH_DIRS: AtomicUsize = AtomicUsize::new(0);

impl ScratchDir {
    /// `<temp>/testkit-NAME-PID-N`, new and empty.
    pub fn new(name: &str) -> ScratchDir {
        let number = SCRATCH_DIRS.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("testkit-{name}-{}-{number}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir)
            .unwrap_or_else(|err| panic!("cannot create {}: {err}", dir.display()));
        ScratchDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `text` to the file `name` in it, readable by its owner only, and returns the
    /// file's path as an environment variable takes it.
    pub fn secret_file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        write_file(&path, text, true).unwrap_or_else(|err| panic!("{err}"));
        path.display().to_string()
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A local CA and the certificates it signed, as PEM files in one folder.
#[derive(Clone, Debug)]
pub struct Pki {
    dir: PathBuf,
    /// For [`Pki::temporary`]: the folder, removed once the last copy is dropped.
    #[cfg_attr(not(feature = "pki"), allow(dead_code))]
    scratch: Option<Arc<ScratchDir>>,
}

impl Pki {
    #[cfg(feature = "pki")]
    /// Makes a CA, a server certificate valid for `server_names` (host names or IP addresses)
    /// and a client certificate, in `dir`. Private keys are readable by their owner only.
    pub fn generate(dir: &Path, server_names: &[&str]) -> crate::Result<Pki> {
        let fail = |err: rcgen::Error| crate::Failure(format!("cannot make a certificate: {err}"));
        fs::create_dir_all(dir).map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
        let pki = Pki {
            dir: dir.to_path_buf(),
            scratch: None,
        };

        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "nats-rust-tutorial local CA");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca =
            CertifiedIssuer::self_signed(ca, KeyPair::generate().map_err(fail)?).map_err(fail)?;
        pki.write("ca.pem", &pem("CERTIFICATE", ca.der()), false)?;
        // The CA's key too, so that a learner (or a test) can sign a certificate of their own
        // with openssl, as web tutorials do.
        let ca_key = pem("PRIVATE KEY", &ca.key().serialize_der());
        pki.write("ca-key.pem", &ca_key, true)?;

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
            pki.write(
                &format!("{who}-cert.pem"),
                &pem("CERTIFICATE", cert.der()),
                false,
            )?;
            pki.write(
                &format!("{who}-key.pem"),
                &pem("PRIVATE KEY", &key.serialize_der()),
                true,
            )?;
        }
        Ok(pki)
    }

    /// The certificates [`Pki::generate`] made in `dir` before.
    pub fn at(dir: &Path) -> Pki {
        Pki {
            dir: dir.to_path_buf(),
            scratch: None,
        }
    }

    #[cfg(feature = "pki")]
    /// [`Pki::generate`] into a scratch folder of its own, removed with the last copy of the
    /// returned `Pki` (a test's servers hold copies while they run).
    pub fn temporary(server_names: &[&str]) -> Pki {
        let scratch = ScratchDir::new("pki");
        let mut pki =
            Pki::generate(scratch.path(), server_names).unwrap_or_else(|err| panic!("{err}"));
        pki.scratch = Some(Arc::new(scratch));
        pki
    }

    /// The CA certificate clients trust (`NATS_CA`).
    pub fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// The CA's private key, to sign other certificates with (openssl, for example).
    pub fn ca_key(&self) -> PathBuf {
        self.dir.join("ca-key.pem")
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

    #[cfg(feature = "pki")]
    fn write(&self, name: &str, text: &str, secret: bool) -> crate::Result<()> {
        write_file(&self.dir.join(name), text, secret)
    }
}

#[cfg(feature = "pki")]
/// `der` in PEM: base64 in lines of 64 characters between BEGIN and END lines.
fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in text.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
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

#[cfg(feature = "pki")]
/// The user nkey made from these 32 bytes, for a recording that must show the same public
/// key every time (never for anything that guards something).
pub fn user_nkey_from(bytes: [u8; 32]) -> (String, String) {
    match nkeys::KeyPair::new_from_raw(nkeys::KeyPairType::User, bytes) {
        Ok(pair) => (pair.seed().unwrap_or_default(), pair.public_key()),
        Err(_) => new_user_nkey(),
    }
}

#[cfg(feature = "pki")]
/// A new user nkey: its seed (the secret, `SU...`) and its public key (`U...`, what the
/// server's configuration lists).
pub fn new_user_nkey() -> (String, String) {
    let pair = nkeys::KeyPair::new_user();
    // A freshly made user key pair always has a seed.
    let seed = pair.seed().unwrap_or_default();
    (seed, pair.public_key())
}

#[cfg(feature = "pki")]
/// A decentralized-auth setup, as `nsc` makes one: an operator, an account it signs, and a
/// user the account signs, each an nkey with a JWT. `server_config` is what nats-server needs
/// (the operator's JWT, and the account's, preloaded in memory); `creds` is the user's
/// credentials file (its JWT and its seed).
pub struct Credentials {
    pub server_config: String,
    pub creds: String,
    /// The user's public key.
    pub user: String,
}

#[cfg(feature = "pki")]
impl Credentials {
    pub fn generate() -> Credentials {
        let operator = nkeys::KeyPair::new_operator();
        let account = nkeys::KeyPair::new_account();
        let user = nkeys::KeyPair::new_user();
        let operator_jwt = jwt(
            &operator,
            &operator,
            "tutorial-operator",
            serde_json::json!({
                "type": "operator", "version": 2,
            }),
        );
        let unlimited = serde_json::json!({
            "subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1,
            "wildcards": true, "conn": -1, "leaf": -1,
        });
        let account_jwt = jwt(
            &operator,
            &account,
            "tutorial-account",
            serde_json::json!({
                "limits": unlimited, "type": "account", "version": 2,
            }),
        );
        let user_jwt = jwt(
            &account,
            &user,
            "tutorial-user",
            serde_json::json!({
                "pub": {}, "sub": {}, "subs": -1, "data": -1, "payload": -1,
                "type": "user", "version": 2,
            }),
        );
        let server_config = format!(
            "operator: \"{operator_jwt}\"\nresolver: MEMORY\nresolver_preload: {{\n  {}: \"{account_jwt}\"\n}}\n",
            account.public_key()
        );
        let seed = user.seed().unwrap_or_default();
        let creds = format!(
            "-----BEGIN NATS USER JWT-----\n{user_jwt}\n------END NATS USER JWT------\n\n\
             ************************* IMPORTANT *************************\n\
             NKEY Seed printed below can be used to sign and prove identity.\n\
             NKEYs are sensitive and should be treated as secrets.\n\n\
             -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n\n\
             *************************************************************\n"
        );
        Credentials {
            server_config,
            creds,
            user: user.public_key(),
        }
    }
}

#[cfg(feature = "pki")]
/// A NATS JWT: `subject`'s claims, signed by `issuer` (ed25519, the JWT's "ed25519-nkey").
fn jwt(
    issuer: &nkeys::KeyPair,
    subject: &nkeys::KeyPair,
    name: &str,
    nats: serde_json::Value,
) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let header = serde_json::json!({"typ": "JWT", "alg": "ed25519-nkey"});
    let claims = serde_json::json!({
        "jti": format!("{:X}{}", now, subject.public_key()),
        "iat": now,
        "iss": issuer.public_key(),
        "name": name,
        "sub": subject.public_key(),
        "nats": nats,
    });
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = issuer.sign(signed.as_bytes()).unwrap_or_default();
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature))
}
