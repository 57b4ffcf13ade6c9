//! DeviceService: validation, secrets, watcher registration, host-key approval, import.

use super::*;
use crate::factory::WatcherKind;
use crate::model::{
    DevicePatch, DeviceStatus, DiscoveredEngine, HostKeyPrompt, ImportOutcome, SshAuth, TlsFiles,
};
use crate::ports::{ContainerRepository, DeviceRepository};
use crate::rules::{DEVICE_NAME_MAX, RESYNC_SECS_MAX, STATS_SECS_MIN};
use crate::secrets::Secret;
use crate::CoreError;

fn ssh(auth: SshAuth) -> DeviceConnection {
    DeviceConnection::Ssh {
        host: "nas".into(),
        port: Some(22),
        user: Some("me".into()),
        socket_path: "/var/run/docker.sock".into(),
        auth,
    }
}

#[tokio::test]
async fn invalid_input_is_refused_and_nothing_is_stored() {
    let core = TestCore::new(T0_MS);
    let cases: Vec<(NewDevice, &str)> = vec![
        (
            NewDevice {
                name: "  ".into(),
                ..local("/run/docker.sock")
            },
            "1 to 64 characters",
        ),
        (
            NewDevice {
                name: "x".repeat(DEVICE_NAME_MAX as usize + 1),
                ..local("/run/docker.sock")
            },
            "1 to 64 characters",
        ),
        (local("run/docker.sock"), "not an absolute socket path"),
        (
            NewDevice {
                connection: DeviceConnection::Tcp {
                    host: "nas".into(),
                    port: 2375,
                    tls: None,
                    insecure_acknowledged: false,
                },
                ..local("/")
            },
            "plain TCP is unauthenticated",
        ),
        (
            NewDevice {
                connection: DeviceConnection::Tcp {
                    host: "nas".into(),
                    port: 2376,
                    tls: Some(TlsFiles {
                        ca_path: "/nonexistent/ca.pem".into(),
                        cert_path: "/nonexistent/cert.pem".into(),
                        key_path: "/nonexistent/key.pem".into(),
                    }),
                    insecure_acknowledged: false,
                },
                ..local("/")
            },
            "CA certificate file",
        ),
        (
            NewDevice {
                connection: ssh(SshAuth::Password { secret: None }),
                ..local("/")
            },
            "needs the password",
        ),
    ];
    for (new, expected) in cases {
        let err = core.devices.add(new, None).await.unwrap_err();
        assert!(
            matches!(&err, CoreError::InvalidInput(m) if m.contains(expected)),
            "{err} should say {expected:?}"
        );
    }
    assert!(core.repos.list_devices().await.unwrap().is_empty());
    assert!(core.secrets.entries().is_empty());
    assert_eq!(core.driver.watchers_started(), 0);
}

#[tokio::test]
async fn adding_stamps_clamps_registers_and_syncs() {
    let core = TestCore::new(T0_MS);
    core.driver.set_containers(vec![
        obs("e1", "web", ContainerState::Running),
        obs("e2", "db", ContainerState::Exited),
    ]);
    let mut new = local("/run/docker.sock");
    new.resync_interval_secs = Some(1_000_000);
    new.stats_interval_secs = Some(1);
    let mut rx = core.bus().subscribe();
    let device = core.devices.add(new, None).await.unwrap();
    assert_eq!(device.created_at, T0_MS / 1000);
    assert_eq!(device.resync_interval_secs, RESYNC_SECS_MAX);
    assert_eq!(device.stats_interval_secs, STATS_SECS_MIN);
    next_event(&mut rx, |e| matches!(e, DomainEvent::DevicesChanged)).await;
    let uuid = device.uuid.clone();
    next_event(&mut rx, |e| {
        matches!(e, DomainEvent::DeviceStatusChanged { device_uuid, status }
            if *device_uuid == uuid && status.is_online())
    })
    .await;
    let listed = core.devices.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].container_count, listed[0].running_count), (2, 1));
    assert_eq!(core.engine.registered().await, vec![device.uuid]);
}

#[tokio::test]
async fn a_password_lives_in_the_keyring_only_and_leaves_with_its_device() {
    let core = TestCore::new(T0_MS);
    let new = NewDevice {
        connection: ssh(SshAuth::Password { secret: None }),
        ..local("/")
    };
    let device = core
        .devices
        .add(new, Some(Secret::new("hunter2")))
        .await
        .unwrap();
    let stored = core.repos.get_device(&device.uuid).await.unwrap().unwrap();
    let DeviceConnection::Ssh {
        auth: SshAuth::Password { secret: Some(r) },
        ..
    } = &stored.connection
    else {
        panic!("the stored auth should point at the keyring: {stored:?}")
    };
    assert_eq!(r.account, format!("device/{}/ssh", device.uuid));
    assert!(!format!("{stored:?}").contains("hunter2"));
    assert_eq!(
        core.secrets.entries(),
        vec![(r.account.clone(), "hunter2".to_string())]
    );

    // An edit that keeps the method and types no new password keeps the stored one.
    let edited = core
        .devices
        .update(
            &device.uuid,
            DevicePatch {
                name: Some("nas".into()),
                connection: Some(ssh(SshAuth::Password { secret: None })),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(edited.connection, stored.connection);
    assert_eq!(edited.name, "nas");

    core.devices.remove(&device.uuid).await.unwrap();
    assert!(core.secrets.entries().is_empty());
    assert!(core.repos.get_device(&device.uuid).await.unwrap().is_none());
    assert!(core.engine.registered().await.is_empty());
}

#[tokio::test]
async fn a_connection_test_keeps_no_secret_and_reports_the_engine() {
    let core = TestCore::new(T0_MS);
    let probe = core
        .devices
        .test_connection(
            &ssh(SshAuth::Password { secret: None }),
            Some(Secret::new("typed-in-the-wizard")),
        )
        .await
        .unwrap();
    assert_eq!(probe.engine_version, "scripted");
    assert!(core.secrets.entries().is_empty());

    core.driver.set_unreachable(Some("connection refused"));
    let err = core
        .devices
        .test_connection(
            &ssh(SshAuth::Password { secret: None }),
            Some(Secret::new("typed-again")),
        )
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "connection refused");
    assert!(core.secrets.entries().is_empty());
}

#[tokio::test]
async fn approving_a_host_key_reconnects_the_devices_waiting_for_it() {
    let core = TestCore::new(T0_MS);
    let prompt = HostKeyPrompt {
        kind: WatcherKind::Docker,
        host: "nas".into(),
        port: 22,
        algorithm: "ssh-ed25519".into(),
        fingerprint: "SHA256:abc".into(),
    };
    core.driver.require_host_key(prompt.clone());
    let mut rx = core.bus().subscribe();
    let device = core
        .devices
        .add(
            NewDevice {
                connection: ssh(SshAuth::Agent),
                ..local("/")
            },
            None,
        )
        .await
        .unwrap();
    let uuid = device.uuid.clone();
    next_event(&mut rx, |e| {
        matches!(e, DomainEvent::DeviceStatusChanged { device_uuid, status: DeviceStatus::HostKeyUnknown { .. } }
            if *device_uuid == uuid)
    })
    .await;

    let wrong = HostKeyPrompt {
        fingerprint: "SHA256:other".into(),
        ..prompt.clone()
    };
    assert!(core.devices.trust_host_key(&wrong).await.is_err());
    assert!(core.driver.approved().is_empty());

    core.devices.trust_host_key(&prompt).await.unwrap();
    next_event(&mut rx, |e| {
        matches!(e, DomainEvent::DeviceStatusChanged { device_uuid, status }
            if *device_uuid == uuid && status.is_online())
    })
    .await;
    assert_eq!(core.driver.approved(), vec![prompt]);
    assert_eq!(core.driver.watchers_started(), 2);
}

#[tokio::test]
async fn disabling_stops_the_watcher_and_enabling_starts_it() {
    let core = TestCore::new(T0_MS);
    let uuid = add_online(&core, "box").await;
    core.devices.set_enabled(&uuid, false).await.unwrap();
    assert!(core.engine.registered().await.is_empty());
    assert_eq!(core.inventory.status(&uuid), DeviceStatus::Disabled);
    core.devices.set_enabled(&uuid, true).await.unwrap();
    assert_eq!(core.engine.registered().await, vec![uuid]);
}

#[tokio::test]
async fn import_adds_new_engines_once_and_says_why_others_were_skipped() {
    let core = TestCore::new(T0_MS);
    let found = |path: &str| DiscoveredEngine {
        name: "ctx".into(),
        source: "docker context \"ctx\"".into(),
        connection: Ok(DeviceConnection::LocalSocket { path: path.into() }),
    };
    let broken = DiscoveredEngine {
        name: "broken".into(),
        source: "docker context \"broken\"".into(),
        connection: Err("npipe:// is Windows only".into()),
    };
    let first = core
        .devices
        .import(vec![found("/a.sock"), broken])
        .await
        .unwrap();
    assert!(matches!(first[0].outcome, ImportOutcome::Added { .. }));
    assert!(
        matches!(&first[1].outcome, ImportOutcome::Skipped { reason } if reason.contains("Windows"))
    );
    let again = core.devices.import(vec![found("/a.sock")]).await.unwrap();
    assert!(matches!(
        again[0].outcome,
        ImportOutcome::AlreadyPresent { .. }
    ));
    assert_eq!(core.repos.list_devices().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_local_default_is_added_once_and_only_when_its_socket_exists() {
    let core = TestCore::new(T0_MS);
    let missing = std::env::temp_dir().join(format!("sq-missing-{}.sock", std::process::id()));
    assert!(core
        .devices
        .ensure_local_default(&missing.display().to_string())
        .await
        .unwrap()
        .is_none());
    let present = std::env::temp_dir().join(format!("sq-present-{}.sock", std::process::id()));
    std::fs::write(&present, b"").unwrap();
    let path = present.display().to_string();
    let added = core.devices.ensure_local_default(&path).await.unwrap();
    assert_eq!(
        added.map(|d| d.name),
        Some(crate::rules::LOCAL_DEVICE_NAME.to_string())
    );
    assert!(core
        .devices
        .ensure_local_default(&path)
        .await
        .unwrap()
        .is_none());
    let _ = std::fs::remove_file(present);
    assert_eq!(core.repos.list_devices().await.unwrap().len(), 1);
    assert!(core.repos.list_containers().await.unwrap().is_empty());
}
