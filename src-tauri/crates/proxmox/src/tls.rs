//! Trusting a Proxmox VE server. Its certificate is self-signed unless the owner replaced it,
//! so the usual answer (turning verification off) is not ours: a server is trusted by the
//! SHA-256 fingerprint of its certificate, approved once by the user who compared it with
//! the one the node shows (`pvenode cert info`, or the web UI), and refused when it changes,
//! as an SSH host key is. A CA of the user's or the system's roots serve those who have one.

use std::fmt;
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use sha2::{Digest, Sha256};

/// The SHA-256 of a certificate's DER, as PVE shows it: `AB:CD:…`, 32 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    pub fn of(der: &[u8]) -> Self {
        Self(Sha256::digest(der).into())
    }

    /// Reads a fingerprint written with or without colons, in either case.
    pub fn parse(text: &str) -> Result<Self, String> {
        squirrel_core::model::parse_sha256_fingerprint(text)
            .map(Self)
            .ok_or_else(|| {
                format!(
                    "\"{}\" is not a SHA-256 fingerprint (32 pairs of hex digits, as AB:CD:…)",
                    text.chars().take(120).collect::<String>()
                )
            })
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// How a server's certificate is trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// This certificate only, approved by the user.
    Pinned(Fingerprint),
    /// Nothing approved yet: every connection is refused, and the certificate the server
    /// showed is noted for the user to compare and approve.
    FirstUse,
    /// Certificates signed by this CA (PEM), for the host name connected to.
    Ca(String),
    /// Certificates signed by one of the system's roots, for the host name connected to.
    System,
}

/// The certificate a server showed in the last handshake: what the user is asked to approve,
/// or what a refusal names.
#[derive(Debug, Default, Clone)]
pub struct Seen(Arc<Mutex<Option<Fingerprint>>>);

impl Seen {
    pub fn get(&self) -> Option<Fingerprint> {
        self.0.lock().ok().and_then(|s| *s)
    }

    fn set(&self, fp: Fingerprint) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(fp);
        }
    }
}

/// Checks a server against `trust`, noting what it showed in `seen`.
#[derive(Debug)]
struct Verifier {
    trust: Option<Fingerprint>,
    webpki: Option<Arc<WebPkiServerVerifier>>,
    seen: Seen,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let shown = Fingerprint::of(end_entity.as_ref());
        self.seen.set(shown);
        if let Some(webpki) = &self.webpki {
            return webpki.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            );
        }
        // The leaf only: a self-signed certificate reached by address has no name to check.
        match self.trust {
            Some(pinned) if pinned == shown => Ok(ServerCertVerified::assertion()),
            _ => Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A rustls configuration that trusts as `trust` says, and the slot where it notes what the
/// server showed.
pub fn client_config(trust: &Trust) -> Result<(rustls::ClientConfig, Seen), String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let seen = Seen::default();
    let webpki = match trust {
        Trust::Pinned(_) | Trust::FirstUse => None,
        Trust::Ca(pem) => {
            let mut roots = RootCertStore::empty();
            let certs = pem_certificates(pem)?;
            if certs.is_empty() {
                return Err("the CA file holds no certificate".into());
            }
            for cert in certs {
                roots
                    .add(cert)
                    .map_err(|e| format!("the CA certificate cannot be used: {e}"))?;
            }
            Some(roots)
        }
        Trust::System => {
            let mut roots = RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err("this system has no root certificates to check the server with".into());
            }
            Some(roots)
        }
    }
    .map(|roots| {
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| format!("the certificate check cannot be set up: {e}"))
    })
    .transpose()?;
    let verifier = Verifier {
        trust: match trust {
            Trust::Pinned(fp) => Some(*fp),
            _ => None,
        },
        webpki,
        seen: seen.clone(),
        provider: provider.clone(),
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS cannot be set up: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok((config, seen))
}

/// The certificates of a PEM text (other blocks are skipped).
fn pem_certificates(pem: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    use rustls_pki_types::pem::PemObject;
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("the CA file is not PEM: {e}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fingerprints_read_as_pve_writes_them() {
        let fp = Fingerprint::of(b"certificate");
        let text = fp.to_string();
        assert_eq!(text.len(), 95);
        assert_eq!(Fingerprint::parse(&text), Ok(fp));
        assert_eq!(
            Fingerprint::parse(&text.replace(':', "").to_lowercase()),
            Ok(fp)
        );
        assert!(Fingerprint::parse("AB:CD").is_err());
        assert!(Fingerprint::parse(&"ZZ".repeat(32)).is_err());
    }

    #[test]
    fn a_ca_file_without_a_certificate_is_refused() {
        assert!(client_config(&Trust::Ca("not a pem".into())).is_err());
        assert!(client_config(&Trust::FirstUse).is_ok());
    }

    proptest! {
        #[test]
        fn any_text_is_a_fingerprint_or_refused(text in "\\PC{0,120}") {
            if let Ok(fp) = Fingerprint::parse(&text) {
                prop_assert_eq!(Fingerprint::parse(&fp.to_string()), Ok(fp));
            }
        }
    }
}
