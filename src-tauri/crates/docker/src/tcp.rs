//! Engines over TCP: a dialer with TCP keepalive (a dead peer is noticed even while the
//! event stream is idle) and, for TLS, a rustls configuration that trusts only the CA the
//! user chose for the device: never the operating system's roots as well.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bollard::Docker;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use squirrel_core::model::{authority, TlsFiles};

use crate::client::ConnectError;
use crate::http::Dialer;

/// Idle time before the first keepalive probe, and between probes.
const KEEPALIVE: Duration = Duration::from_secs(30);
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);

fn dialer(connect_timeout: Duration) -> HttpConnector {
    let mut http = HttpConnector::new();
    http.set_keepalive(Some(KEEPALIVE));
    http.set_keepalive_interval(Some(KEEPALIVE_INTERVAL));
    http.set_keepalive_retries(Some(3));
    http.set_nodelay(true);
    http.set_connect_timeout(Some(connect_timeout));
    http.enforce_http(false);
    http
}

/// A client for the engine at `host:port`, in plain HTTP or with mutual TLS. Also returns
/// what the user should know (e.g. a client key that others can read).
pub(crate) fn connect(
    host: &str,
    port: u16,
    tls: Option<&TlsFiles>,
    connect_timeout: Duration,
    request_timeout_secs: u64,
) -> Result<((Docker, Dialer), Vec<String>), ConnectError> {
    let at = authority(host, port);
    let unreachable = |e: bollard::errors::Error| {
        ConnectError::Unreachable(format!("cannot set up a client for {at}: {e}"))
    };
    let http = dialer(connect_timeout);
    match tls {
        None => Ok((
            crate::http::docker_over(http, &format!("http://{at}"), request_timeout_secs)
                .map_err(unreachable)?,
            Vec::new(),
        )),
        Some(files) => {
            let config = client_config(files).map_err(ConnectError::Unreachable)?;
            let https = HttpsConnector::from((http, config));
            let client =
                crate::http::docker_over(https, &format!("https://{at}"), request_timeout_secs)
                    .map_err(unreachable)?;
            Ok((client, key_file_warning(Path::new(&files.key_path))))
        }
    }
}

/// Trusts the device's CA only, and presents the device's client certificate.
pub(crate) fn client_config(files: &TlsFiles) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in read_certs(&files.ca_path, "CA certificate")? {
        roots
            .add(cert)
            .map_err(|e| format!("the CA certificate {} is not usable: {e}", files.ca_path))?;
    }
    let chain = read_certs(&files.cert_path, "client certificate")?;
    let key = PrivateKeyDer::from_pem_file(&files.key_path).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => format!(
            "the client key file {} holds no usable private key (an encrypted key must be decrypted first)",
            files.key_path
        ),
        other => format!("cannot read the client key {}: {other}", files.key_path),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| {
            format!(
                "the client certificate {} and key {} do not form a usable pair: {e}",
                files.cert_path, files.key_path
            )
        })
}

fn read_certs(path: &str, what: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read the {what} {path}: {e}"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("the {what} {path} is not valid PEM: {e}"))?;
    if certs.is_empty() {
        return Err(format!("the {what} file {path} holds no certificate"));
    }
    Ok(certs)
}

/// A warning when the client key can be read by users other than its owner.
fn key_file_warning(path: &Path) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(path) {
        Ok(meta) if meta.permissions().mode() & 0o077 != 0 => vec![format!(
            "the client key {} can be read by other users of this computer (mode {:o}): \
             run chmod 600 on it",
            path.display(),
            meta.permissions().mode() & 0o777
        )],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_key_others_can_read_is_warned_about_and_a_private_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key.pem");
        std::fs::write(&key, "x").unwrap();
        let set = |mode| std::fs::set_permissions(&key, std::fs::Permissions::from_mode(mode));
        set(0o644).unwrap();
        let warning = key_file_warning(&key);
        assert_eq!(warning.len(), 1);
        assert!(warning[0].contains("chmod 600"), "{warning:?}");
        set(0o600).unwrap();
        assert!(key_file_warning(&key).is_empty());
    }

    #[test]
    fn a_ca_file_without_certificates_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ca.pem");
        std::fs::write(&file, "not a certificate\n").unwrap();
        let path = file.display().to_string();
        let files = TlsFiles {
            ca_path: path.clone(),
            cert_path: path.clone(),
            key_path: path,
        };
        let e = client_config(&files).err().unwrap();
        assert!(e.contains("holds no certificate"), "{e}");
    }
}
