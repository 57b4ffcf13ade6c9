//! A TLS device trusts only the CA its owner chose: not the operating system's roots as
//! well. Its own binary, because it points the process's trust store (`SSL_CERT_FILE`) at
//! the engine's CA, which a device configured with another CA must still refuse. Also an
//! engine at an IPv6 literal.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use squirrel_core::model::{DeviceConnection, TlsFiles};
use support::{App, TestEngine};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_devices_own_ca_is_trusted_and_ipv6_literals_work() {
    let (engine, port, pki) = TestEngine::start_tls_on("[::1]");
    engine.cli(&["create", "--name", "over-v6", "busybox:local", "true"]);
    // The system trust store now holds the engine's CA: a client that adds the OS roots to
    // the chosen CA would accept the engine whatever CA the device names.
    std::env::set_var("SSL_CERT_FILE", &pki.ca);
    let app = App::new().await;
    let files = |ca: &std::path::Path| TlsFiles {
        ca_path: ca.display().to_string(),
        cert_path: pki.client_cert.display().to_string(),
        key_path: pki.client_key.display().to_string(),
    };
    let at = |ca| DeviceConnection::Tcp {
        host: "::1".into(),
        port,
        tls: Some(files(ca)),
        insecure_acknowledged: false,
    };

    let probe = app
        .devices
        .test_connection(&at(&pki.ca), None)
        .await
        .unwrap();
    assert_eq!(probe.containers, 1, "the engine at [::1] answers");

    let err = app
        .devices
        .test_connection(&at(&pki.stranger_ca), None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not signed by the CA"), "{err}");
    assert!(err.to_string().contains("tcp://[::1]:"), "{err}");
}
