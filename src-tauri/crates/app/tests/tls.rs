//! TCP + mutual TLS devices against a real `dockerd --tlsverify` with certificates made here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use squirrel_core::model::{DeviceConnection, DeviceStatus, NewDevice, TlsFiles};
use squirrel_core::DomainEvent;
use support::{wait_container, wait_for, App, TestEngine};

fn tls(ca: &std::path::Path, cert: &std::path::Path, key: &std::path::Path) -> Option<TlsFiles> {
    Some(TlsFiles {
        ca_path: ca.display().to_string(),
        cert_path: cert.display().to_string(),
        key_path: key.display().to_string(),
    })
}

async fn unreachable_reason(app: &App, connection: DeviceConnection) -> String {
    let mut rx = app.bus().subscribe();
    let device = app
        .devices
        .add(
            NewDevice {
                name: "tls".into(),
                connection,
                resync_interval_secs: None,
                stats_interval_secs: None,
            },
            None,
        )
        .await
        .unwrap();
    let uuid = device.uuid.clone();
    let reason = match wait_for(&mut rx, |e| matches!(e, DomainEvent::DeviceStatusChanged { device_uuid, status: DeviceStatus::Unreachable { .. } } if *device_uuid == uuid)).await {
        DomainEvent::DeviceStatusChanged { status: DeviceStatus::Unreachable { reason }, .. } => reason,
        _ => unreachable!(),
    };
    app.devices.remove(&device.uuid).await.unwrap();
    reason
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_connects_with_the_right_certificate_and_refuses_wrong_ones() {
    let (mut engine, port, pki) = TestEngine::start_tls();
    engine.cli(&["create", "--name", "over-tls", "busybox:local", "true"]);
    let app = App::new().await;
    let good = DeviceConnection::Tcp {
        host: "127.0.0.1".into(),
        port,
        tls: tls(&pki.ca, &pki.client_cert, &pki.client_key),
        insecure_acknowledged: false,
    };

    let probe = app.devices.test_connection(&good, None).await.unwrap();
    assert!(probe.engine_version.starts_with("20.") || !probe.engine_version.is_empty());
    assert_eq!(probe.containers, 1);

    let mut rx = app.bus().subscribe();
    let device = app
        .devices
        .add(
            NewDevice {
                name: "tls".into(),
                connection: good,
                resync_interval_secs: None,
                stats_interval_secs: Some(5),
            },
            None,
        )
        .await
        .unwrap();
    let uuid = device.uuid.clone();
    wait_for(&mut rx, |e| matches!(e, DomainEvent::DeviceStatusChanged { device_uuid, status } if *device_uuid == uuid && status.is_online())).await;
    let names: Vec<String> = app
        .containers
        .list(None)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, vec!["over-tls"]);

    // Stats over TLS: a collection round (every 5 s here) and a live stream.
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "tls-running",
        "busybox:local",
        "sleep",
        "600",
    ]);
    let running = wait_container(&mut rx, "tls-running", |c| {
        c.state == squirrel_core::model::ContainerState::Running
    })
    .await
    .uuid;
    wait_for(&mut rx, |e| matches!(e, DomainEvent::StatsRecorded { load, containers } if load.device_uuid == uuid && containers.iter().any(|c| c.container_uuid == running && c.memory_used > 0.0))).await;
    let sub = app.stats.live_start(&running).await.unwrap();
    wait_for(&mut rx, |e| matches!(e, DomainEvent::LiveStats { subscription, sample, .. } if *subscription == sub && sample.pids >= 1.0)).await;
    app.stats.live_stop(sub);
    engine.cli(&["rm", "-f", "tls-running"]);
    wait_for(
        &mut rx,
        |e| matches!(e, DomainEvent::ContainerRemoved { uuid, .. } if *uuid == running),
    )
    .await;

    // The TLS engine stops while the app follows it, then comes back.
    engine.stop();
    wait_for(&mut rx, |e| matches!(e, DomainEvent::DeviceStatusChanged { device_uuid, status: DeviceStatus::Unreachable { .. } } if *device_uuid == uuid)).await;
    engine.restart();
    wait_for(&mut rx, |e| matches!(e, DomainEvent::DeviceStatusChanged { device_uuid, status } if *device_uuid == uuid && status.is_online())).await;
    let after: Vec<String> = app
        .containers
        .list(None)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(after, vec!["over-tls"], "no duplicates after the reconnect");
    app.devices.remove(&device.uuid).await.unwrap();

    // A client certificate from another CA: the engine refuses it.
    let reason = unreachable_reason(
        &app,
        DeviceConnection::Tcp {
            host: "127.0.0.1".into(),
            port,
            tls: tls(&pki.ca, &pki.stranger_cert, &pki.stranger_key),
            insecure_acknowledged: false,
        },
    )
    .await;
    assert!(reason.contains("client certificate"), "{reason}");
    // The wrong CA for the engine's certificate: Squirrel refuses the engine.
    let reason = unreachable_reason(
        &app,
        DeviceConnection::Tcp {
            host: "127.0.0.1".into(),
            port,
            tls: tls(&pki.stranger_ca, &pki.client_cert, &pki.client_key),
            insecure_acknowledged: false,
        },
    )
    .await;
    assert!(reason.contains("not signed by the CA"), "{reason}");
    // The test-connection step says the same, without adding anything.
    let err = app
        .devices
        .test_connection(
            &DeviceConnection::Tcp {
                host: "127.0.0.1".into(),
                port,
                tls: tls(&pki.stranger_ca, &pki.client_cert, &pki.client_key),
                insecure_acknowledged: false,
            },
            None,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not signed by the CA"), "{err}");
    assert!(app.devices.list().await.unwrap().is_empty());
    app.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_tcp_needs_an_explicit_acknowledgement_and_bad_input_is_explained() {
    let app = App::new().await;
    let plain = |ack| DeviceConnection::Tcp {
        host: "127.0.0.1".into(),
        port: support::free_port(),
        tls: None,
        insecure_acknowledged: ack,
    };
    let err = app
        .devices
        .add(
            NewDevice {
                name: "plain".into(),
                connection: plain(false),
                resync_interval_secs: None,
                stats_interval_secs: None,
            },
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    assert!(err.to_string().contains("accept the risk"), "{err}");
    // Acknowledged, but nothing listens there: a clear reason, not a hang.
    let err = app
        .devices
        .test_connection(&plain(true), None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("connection refused"), "{err}");
    // Missing certificate files are named.
    let err = app
        .devices
        .test_connection(
            &DeviceConnection::Tcp {
                host: "127.0.0.1".into(),
                port: 2376,
                tls: tls(
                    "/nope/ca.pem".as_ref(),
                    "/nope/c.pem".as_ref(),
                    "/nope/k.pem".as_ref(),
                ),
                insecure_acknowledged: false,
            },
            None,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("/nope/ca.pem"), "{err}");
    // An unknown host name.
    let err = app
        .devices
        .test_connection(
            &DeviceConnection::Tcp {
                host: "no-such-host.invalid".into(),
                port: 2375,
                tls: None,
                insecure_acknowledged: true,
            },
            None,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("resolve"), "{err}");
    assert!(
        app.devices.list().await.unwrap().is_empty(),
        "nothing was added"
    );
}
