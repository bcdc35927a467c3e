//! The server's side of TLS: its certificate and key, from PEM files or made at start
//! (`--tls-self-signed`), kept in the data directory so its fingerprint stays the same
//! across restarts.

use super::{provider, Fingerprint};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::fmt;
use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use thiserror::Error;

/// File names of a self-signed certificate and its key in the data directory.
pub const SELF_SIGNED_CERT: &str = "tls-cert.pem";
pub const SELF_SIGNED_KEY: &str = "tls-key.pem";

/// Why the server's certificate cannot be used.
#[derive(Debug, Error)]
pub enum CertError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    #[error("{what}: not PEM certificates: {reason}")]
    BadCert { what: String, reason: String },
    #[error("{what}: no certificate in it (expected `-----BEGIN CERTIFICATE-----`)")]
    NoCert { what: String },
    #[error("{what}: no private key in it (expected PEM `-----BEGIN PRIVATE KEY-----`, RSA or EC): {reason}")]
    BadKey { what: String, reason: String },
    #[error("the certificate and key do not go together: {0}")]
    Mismatch(rustls::Error),
    #[error("cannot make a certificate: {0}")]
    Generate(#[from] rcgen::Error),
}

/// A server's certificate chain and key, ready for TLS connections.
#[derive(Clone)]
pub struct ServerTls {
    pub(super) config: Arc<rustls::ServerConfig>,
    fingerprint: Fingerprint,
}

impl fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServerTls(SHA256 {})", self.fingerprint)
    }
}

impl ServerTls {
    /// From a PEM certificate chain (the server's own certificate first) and a PEM key.
    pub fn from_pem(cert: &[u8], key: &[u8]) -> Result<ServerTls, CertError> {
        ServerTls::parse(cert, "the certificate", key, "the key")
    }

    /// From the PEM files `cert` (a chain, the server's own certificate first) and `key`.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<ServerTls, CertError> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|source| CertError::Read {
                path: path.to_path_buf(),
                source,
            })
        };
        let (cert_pem, key_pem) = (read(cert)?, read(key)?);
        let name = |p: &Path| p.display().to_string();
        ServerTls::parse(&cert_pem, &name(cert), &key_pem, &name(key))
    }

    /// A self-signed certificate for `names` (host names and IP addresses). With `dir`, the
    /// one kept there is used when there is one; else a new one is made and kept there.
    pub fn self_signed(names: &[String], dir: Option<&Path>) -> Result<ServerTls, CertError> {
        if let Some(dir) = dir {
            let (cert, key) = (dir.join(SELF_SIGNED_CERT), dir.join(SELF_SIGNED_KEY));
            if cert.exists() && key.exists() {
                return ServerTls::from_pem_files(&cert, &key);
            }
        }
        let mut params = rcgen::CertificateParams::new(names.to_vec())?;
        let name = "chat server (self-signed)";
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let key = rcgen::KeyPair::generate()?;
        let (cert_pem, key_pem) = (params.self_signed(&key)?.pem(), key.serialize_pem());
        if let Some(dir) = dir {
            write_private(&dir.join(SELF_SIGNED_KEY), &key_pem)?;
            let path = dir.join(SELF_SIGNED_CERT);
            std::fs::write(&path, &cert_pem).map_err(|source| CertError::Write { path, source })?;
        }
        ServerTls::from_pem(cert_pem.as_bytes(), key_pem.as_bytes())
    }

    /// The SHA-256 fingerprint of the server's own certificate.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    fn parse(
        cert: &[u8],
        cert_name: &str,
        key: &[u8],
        key_name: &str,
    ) -> Result<ServerTls, CertError> {
        let chain = CertificateDer::pem_slice_iter(cert)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| CertError::BadCert {
                what: cert_name.to_string(),
                reason: e.to_string(),
            })?;
        let Some(leaf) = chain.first() else {
            return Err(CertError::NoCert {
                what: cert_name.to_string(),
            });
        };
        let fingerprint = Fingerprint::of(leaf);
        let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| CertError::BadKey {
            what: key_name.to_string(),
            reason: e.to_string(),
        })?;
        let config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(CertError::Mismatch)?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(CertError::Mismatch)?;
        Ok(ServerTls {
            config: Arc::new(config),
            fingerprint,
        })
    }
}

/// The names a self-signed certificate is made for: `localhost`, the loopback addresses,
/// `bind` when it is a specific address, and this machine's host name.
pub fn self_signed_names(bind: IpAddr) -> Vec<String> {
    let mut names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    if !bind.is_unspecified() && !bind.is_loopback() {
        names.push(bind.to_string());
    }
    let uname = rustix::system::uname();
    let host = uname.nodename().to_string_lossy();
    if !host.is_empty()
        && host != "localhost"
        && rustls::pki_types::DnsName::try_from(host.as_ref()).is_ok()
    {
        names.push(host.into_owned());
    }
    names
}

/// Writes a private key readable by its owner only.
fn write_private(path: &Path, pem: &str) -> Result<(), CertError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(pem.as_bytes()));
    written.map_err(|source| CertError::Write {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_is_kept_and_reused() {
        let dir = std::env::temp_dir().join(format!("chat-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let names = self_signed_names("127.0.0.1".parse().unwrap());
        let first = ServerTls::self_signed(&names, Some(&dir)).unwrap();
        let again = ServerTls::self_signed(&names, Some(&dir)).unwrap();
        assert_eq!(first.fingerprint(), again.fingerprint());
        let other = ServerTls::self_signed(&names, None).unwrap();
        assert_ne!(first.fingerprint(), other.fingerprint());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join(SELF_SIGNED_KEY))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_pem_says_what_is_wrong() {
        let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let (cert, key) = (made.cert.pem(), made.signing_key.serialize_pem());
        assert!(ServerTls::from_pem(cert.as_bytes(), key.as_bytes()).is_ok());
        let no_cert = ServerTls::from_pem(b"hello", key.as_bytes()).unwrap_err();
        assert!(matches!(no_cert, CertError::NoCert { .. }), "{no_cert}");
        let no_key = ServerTls::from_pem(cert.as_bytes(), cert.as_bytes()).unwrap_err();
        assert!(matches!(no_key, CertError::BadKey { .. }), "{no_key}");
        let other = rcgen::generate_simple_self_signed(vec!["x".to_string()]).unwrap();
        let key2 = other.signing_key.serialize_pem();
        let mismatch = ServerTls::from_pem(cert.as_bytes(), key2.as_bytes()).unwrap_err();
        assert!(matches!(mismatch, CertError::Mismatch(_)), "{mismatch}");
        let missing =
            ServerTls::from_pem_files(Path::new("/nonexistent/c.pem"), Path::new("k")).unwrap_err();
        assert!(
            missing
                .to_string()
                .starts_with("cannot read /nonexistent/c.pem"),
            "{missing}"
        );
    }
}
