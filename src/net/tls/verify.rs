//! The client's side of TLS: which servers it trusts. The usual web roots (Mozilla's,
//! compiled in), the certificates of a `--ca` file, or exactly one certificate named by its
//! fingerprint (`--fingerprint`, for a self-signed server). Whatever the outcome, the
//! certificate the server showed is remembered, so a refusal can name its fingerprint.

use super::{provider, CertError, Fingerprint};
use parking_lot::Mutex;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::Path;
use std::sync::Arc;

/// Which servers a client trusts.
#[derive(Clone, Debug)]
pub struct ClientTls {
    /// Checks chains and names; `None` when a fingerprint is pinned.
    webpki: Option<Arc<WebPkiServerVerifier>>,
    pin: Option<Fingerprint>,
}

impl ClientTls {
    /// Trusts servers whose certificate chains to a root of the web (Mozilla's list).
    pub fn web_roots() -> Result<ClientTls, CertError> {
        let roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        ClientTls::with_roots(roots)
    }

    /// Trusts servers whose certificate chains to one in the PEM file `path` (a CA, or the
    /// server's own certificate).
    pub fn with_ca_file(path: &Path) -> Result<ClientTls, CertError> {
        let pem = std::fs::read(path).map_err(|source| CertError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        ClientTls::with_ca_pem(&pem, &path.display().to_string())
    }

    /// Trusts servers whose certificate chains to one in `pem` (named `what` in errors).
    pub fn with_ca_pem(pem: &[u8], what: &str) -> Result<ClientTls, CertError> {
        let bad = |reason: String| CertError::BadCert {
            what: what.to_string(),
            reason,
        };
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(pem) {
            roots
                .add(cert.map_err(|e| bad(e.to_string()))?)
                .map_err(|e| bad(e.to_string()))?;
        }
        if roots.is_empty() {
            return Err(CertError::NoCert {
                what: what.to_string(),
            });
        }
        ClientTls::with_roots(roots)
    }

    /// Trusts exactly the certificate with this fingerprint, whatever its names and issuer.
    pub fn pinned(fingerprint: Fingerprint) -> ClientTls {
        ClientTls {
            webpki: None,
            pin: Some(fingerprint),
        }
    }

    fn with_roots(roots: RootCertStore) -> Result<ClientTls, CertError> {
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .map_err(|e| CertError::BadCert {
                what: "the trusted certificates".to_string(),
                reason: e.to_string(),
            })?;
        Ok(ClientTls {
            webpki: Some(webpki),
            pin: None,
        })
    }

    /// The fingerprint trusted, when one is pinned.
    pub fn pin(&self) -> Option<Fingerprint> {
        self.pin
    }

    /// A configuration for one connection, and its checker (which remembers what it saw).
    pub(super) fn config(
        &self,
    ) -> Result<(Arc<rustls::ClientConfig>, Arc<Checker>), rustls::Error> {
        let checker = Arc::new(Checker {
            webpki: self.webpki.clone(),
            pin: self.pin,
            algorithms: provider().signature_verification_algorithms,
            seen: Mutex::new(None),
        });
        let config = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(checker.clone())
            .with_no_client_auth();
        Ok((Arc::new(config), checker))
    }
}

/// Checks one server's certificate as its [`ClientTls`] says, and remembers it.
#[derive(Debug)]
pub(super) struct Checker {
    webpki: Option<Arc<WebPkiServerVerifier>>,
    pin: Option<Fingerprint>,
    algorithms: WebPkiSupportedAlgorithms,
    seen: Mutex<Option<Fingerprint>>,
}

impl Checker {
    /// The fingerprint of the certificate the server showed, if it showed one.
    pub(super) fn seen(&self) -> Option<Fingerprint> {
        *self.seen.lock()
    }
}

impl ServerCertVerifier for Checker {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let seen = Fingerprint::of(end_entity);
        *self.seen.lock() = Some(seen);
        match (&self.pin, &self.webpki) {
            (Some(pin), _) if *pin == seen => Ok(ServerCertVerified::assertion()),
            (Some(_), _) | (None, None) => Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            )),
            (None, Some(webpki)) => webpki.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
