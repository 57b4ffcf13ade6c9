//! DeviceService: validation, secrets, watcher registration, host-key approval, import.

use super::*;
use crate::factory::WatcherKind;
use crate::model::{
    DevicePatch, DeviceStatus, DiscoveredEngine, HostKeyPrompt, ImportOutcome, SecretRef, SshAuth,
    TlsFiles,
};
use crate::ports::{ContainerRepository, DeviceRepository};
use crate::rules::{DEVICE_NAME_MAX, RESYNC_SECS_MAX, STATS_SECS_MIN};
use crate::secrets::{Secret, SecretStore};
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
async fn a_connection_test_authenticates_with_the_typed_secret_and_writes_nothing() {
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
    assert_eq!(
        core.driver.probed_with(),
        vec![Some("typed-in-the-wizard".to_string())]
    );

    core.driver.set_unreachable(Some("connection refused"));
    let err = core
        .devices
        .test_connection(
            &ssh(SshAuth::KeyFile {
                path: "/keys/id".into(),
                passphrase: None,
            }),
            Some(Secret::new("typed-again")),
        )
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "connection refused");
    assert!(core.secrets.entries().is_empty());
    assert_eq!(
        core.secrets.writes(),
        0,
        "a test never writes to the keyring"
    );
}

/// A reference another device's secret lives at, as a tampered or stale UI could send.
fn foreign() -> SecretRef {
    crate::secrets::device_secret_ref("someone-else")
}

#[tokio::test]
async fn secret_references_from_the_ui_are_ignored() {
    let core = TestCore::new(T0_MS);
    core.secrets
        .put(&foreign(), &Secret::new("not-yours"))
        .await
        .unwrap();
    let with_foreign = || {
        ssh(SshAuth::Password {
            secret: Some(foreign()),
        })
    };

    // Without a typed password, a reference is no password.
    let new = |connection| NewDevice {
        connection,
        ..local("/")
    };
    let err = core
        .devices
        .add(new(with_foreign()), None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("needs the password"), "{err}");
    assert!(core
        .devices
        .test_connection(&with_foreign(), None)
        .await
        .is_err());

    // With one, the service points the device at its own entry.
    let device = core
        .devices
        .add(new(with_foreign()), Some(Secret::new("mine")))
        .await
        .unwrap();
    let own = crate::secrets::device_secret_ref(&device.uuid);
    assert_eq!(
        device.connection,
        ssh(SshAuth::Password {
            secret: Some(own.clone())
        })
    );

    // An edit that sends a foreign reference keeps the device's own.
    let edited = core
        .devices
        .update(
            &device.uuid,
            DevicePatch {
                connection: Some(with_foreign()),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(edited.connection, device.connection);

    // A key file test with a foreign passphrase reference reads nothing from the keyring.
    let calls = core.secrets.calls();
    core.devices
        .test_connection(
            &ssh(SshAuth::KeyFile {
                path: "/keys/id".into(),
                passphrase: Some(foreign()),
            }),
            None,
        )
        .await
        .unwrap();
    assert_eq!(core.driver.probed_with(), vec![None]);
    assert_eq!(core.secrets.calls(), calls);
    assert!(core
        .secrets
        .entries()
        .contains(&(foreign().account, "not-yours".to_string())));
}

#[tokio::test]
async fn testing_an_edited_device_uses_its_stored_secret_only_while_host_and_method_stay() {
    let core = TestCore::new(T0_MS);
    let device = core
        .devices
        .add(
            NewDevice {
                connection: ssh(SshAuth::Password { secret: None }),
                ..local("/")
            },
            Some(Secret::new("hunter2")),
        )
        .await
        .unwrap();
    let same = ssh(SshAuth::Password { secret: None });
    core.devices
        .test_device_connection(&device.uuid, &same, None)
        .await
        .unwrap();
    assert_eq!(core.driver.probed_with(), vec![Some("hunter2".to_string())]);

    let DeviceConnection::Ssh { mut host, .. } = same.clone() else {
        unreachable!()
    };
    host.push_str(".other");
    let moved = DeviceConnection::Ssh {
        host,
        port: Some(22),
        user: Some("me".into()),
        socket_path: "/var/run/docker.sock".into(),
        auth: SshAuth::Password { secret: None },
    };
    let err = core
        .devices
        .test_device_connection(&device.uuid, &moved, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("another host"), "{err}");
    assert_eq!(core.secrets.writes(), 1, "only the add wrote");
}

fn on_host(host: &str, auth: SshAuth) -> DeviceConnection {
    DeviceConnection::Ssh {
        host: host.into(),
        port: Some(22),
        user: Some("me".into()),
        socket_path: "/var/run/docker.sock".into(),
        auth,
    }
}

#[tokio::test]
async fn a_new_host_or_auth_method_drops_the_old_secret() {
    let core = TestCore::new(T0_MS);
    let password = || SshAuth::Password { secret: None };
    let device = core
        .devices
        .add(
            NewDevice {
                connection: on_host("nas", password()),
                ..local("/")
            },
            Some(Secret::new("old")),
        )
        .await
        .unwrap();
    let account = crate::secrets::device_secret_ref(&device.uuid).account;
    let stored_ref = || async {
        let stored = core.repos.get_device(&device.uuid).await.unwrap().unwrap();
        secret_account(&stored.connection)
    };
    let edit = |connection, secret: Option<&str>| {
        core.devices.update(
            &device.uuid,
            DevicePatch {
                connection: Some(connection),
                ..Default::default()
            },
            secret.map(Secret::new),
        )
    };

    // A new host without a password is refused, and nothing changes.
    let err = edit(on_host("nas2", password()), None).await.unwrap_err();
    assert!(err.to_string().contains("enter the password"), "{err}");
    assert_eq!(
        core.secrets.entries(),
        vec![(account.clone(), "old".into())]
    );

    // A new host with its password replaces the secret, in an entry of its own.
    edit(on_host("nas2", password()), Some("new"))
        .await
        .unwrap();
    let moved_to = stored_ref().await.unwrap();
    assert!(moved_to.starts_with(&format!("{account}/")), "{moved_to}");
    assert_eq!(core.secrets.entries(), vec![(moved_to, "new".into())]);

    // The agent needs no secret: the password goes.
    let edited = edit(on_host("nas2", SshAuth::Agent), None).await.unwrap();
    assert_eq!(edited.connection, on_host("nas2", SshAuth::Agent));
    assert!(core.secrets.entries().is_empty());

    // A key's passphrase stays with its key file, and goes when the file changes.
    let key = |path: &str| SshAuth::KeyFile {
        path: path.into(),
        passphrase: None,
    };
    edit(on_host("nas2", key("/k/a")), Some("phrase"))
        .await
        .unwrap();
    let kept = edit(on_host("nas2", key("/k/a")), None).await.unwrap();
    assert!(matches!(
        kept.connection,
        DeviceConnection::Ssh {
            auth: SshAuth::KeyFile {
                passphrase: Some(_),
                ..
            },
            ..
        }
    ));
    assert_eq!(core.secrets.entries().len(), 1);
    let moved = edit(on_host("nas2", key("/k/b")), None).await.unwrap();
    assert_eq!(moved.connection, on_host("nas2", key("/k/b")));
    assert!(core.secrets.entries().is_empty());
    let stored = core.repos.get_device(&device.uuid).await.unwrap().unwrap();
    assert_eq!(stored.connection, moved.connection);
}

/// The keyring account a connection's auth points at.
fn secret_account(c: &DeviceConnection) -> Option<String> {
    match c {
        DeviceConnection::Ssh {
            auth: SshAuth::Password { secret: at },
            ..
        }
        | DeviceConnection::Ssh {
            auth: SshAuth::KeyFile { passphrase: at, .. },
            ..
        } => at.as_ref().map(|r| r.account.clone()),
        _ => None,
    }
}

#[tokio::test]
async fn a_new_secret_is_stored_apart_until_the_database_points_at_it() {
    let core = TestCore::new(T0_MS);
    let password = || SshAuth::Password { secret: None };
    let device = core
        .devices
        .add(
            NewDevice {
                connection: on_host("old-host", password()),
                ..local("/")
            },
            Some(Secret::new("old")),
        )
        .await
        .unwrap();
    let first = secret_account(&device.connection).unwrap();
    assert_eq!(
        first,
        crate::secrets::device_secret_ref(&device.uuid).account
    );
    let edit = |host: &'static str, secret: &'static str| {
        core.devices.update(
            &device.uuid,
            DevicePatch {
                connection: Some(on_host(host, password())),
                ..Default::default()
            },
            Some(Secret::new(secret)),
        )
    };

    // The database write fails: the old secret stays where the old host's watcher reads it,
    // and the new one is nowhere.
    core.repos.fail_device_writes(true);
    assert!(edit("new-host", "new").await.is_err());
    assert_eq!(core.secrets.entries(), vec![(first.clone(), "old".into())]);
    let stored = core.repos.get_device(&device.uuid).await.unwrap().unwrap();
    assert_eq!(stored.connection, device.connection);

    // It succeeds: one entry, the new secret, where the device points.
    core.repos.fail_device_writes(false);
    let edited = edit("new-host", "new").await.unwrap();
    let second = secret_account(&edited.connection).unwrap();
    assert_ne!(second, first);
    assert_eq!(core.secrets.entries(), vec![(second.clone(), "new".into())]);

    // Edited again, then removed: each time the entry the device points at goes.
    let edited = edit("new-host", "newer").await.unwrap();
    let third = secret_account(&edited.connection).unwrap();
    assert_eq!(core.secrets.entries(), vec![(third, "newer".into())]);
    core.devices.remove(&device.uuid).await.unwrap();
    assert!(core.secrets.entries().is_empty());
}

#[tokio::test]
async fn a_new_port_needs_the_password_again() {
    let core = TestCore::new(T0_MS);
    let device = core
        .devices
        .add(
            NewDevice {
                connection: on_host("nas", SshAuth::Password { secret: None }),
                ..local("/")
            },
            Some(Secret::new("pw")),
        )
        .await
        .unwrap();
    let on_port = DeviceConnection::Ssh {
        host: "nas".into(),
        port: Some(2222),
        user: Some("me".into()),
        socket_path: "/var/run/docker.sock".into(),
        auth: SshAuth::Password { secret: None },
    };
    let err = core
        .devices
        .test_device_connection(&device.uuid, &on_port, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("another host, port"), "{err}");
    assert!(core.driver.probed_with().is_empty());
    let err = core
        .devices
        .update(
            &device.uuid,
            DevicePatch {
                connection: Some(on_port.clone()),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("enter the password"), "{err}");
    let stored = core.repos.get_device(&device.uuid).await.unwrap().unwrap();
    assert_eq!(stored.connection, device.connection);
}

#[tokio::test(start_paused = true)]
async fn removing_a_device_on_a_keyring_that_does_not_answer_returns_and_its_secret_goes_later() {
    let core = TestCore::new(T0_MS);
    let add = |host: &'static str, secret: &'static str| {
        core.devices.add(
            NewDevice {
                connection: on_host(host, SshAuth::Password { secret: None }),
                ..local("/")
            },
            Some(Secret::new(secret)),
        )
    };
    let gone = add("nas", "orphan").await.unwrap();
    core.secrets.set_hanging(true);
    let started = tokio::time::Instant::now();
    tokio::time::timeout(
        2 * crate::secrets::KEYRING_CALL_LIMIT,
        core.devices.remove(&gone.uuid),
    )
    .await
    .expect("remove waits on the keyring no longer than its limit")
    .unwrap();
    assert!(started.elapsed() <= crate::secrets::KEYRING_CALL_LIMIT);
    assert!(core.repos.get_device(&gone.uuid).await.unwrap().is_none());
    assert_eq!(core.secrets.entries().len(), 1, "not answered: still there");

    // The prompt is answered: once the pause is over, the next keyring call that succeeds
    // deletes the entry.
    core.secrets.set_hanging(false);
    tokio::time::timeout(std::time::Duration::from_secs(1), core.secrets.released())
        .await
        .unwrap();
    core.clock
        .advance_secs(crate::secrets::KEYRING_PAUSE_MAX_MS / 1000);
    let kept = add("box", "kept").await.unwrap();
    assert_eq!(
        core.secrets.entries(),
        vec![(
            secret_account(&kept.connection).unwrap(),
            "kept".to_string()
        )]
    );
}

#[tokio::test]
async fn removing_a_device_on_a_locked_keyring_succeeds_and_its_secret_goes_once_unlocked() {
    let core = TestCore::new(T0_MS);
    let add = |host: &'static str, secret: &'static str| {
        core.devices.add(
            NewDevice {
                connection: on_host(host, SshAuth::Password { secret: None }),
                ..local("/")
            },
            Some(Secret::new(secret)),
        )
    };
    let gone = add("nas", "orphan").await.unwrap();
    core.secrets.set_locked(true);
    core.devices.remove(&gone.uuid).await.unwrap();
    assert!(core.repos.get_device(&gone.uuid).await.unwrap().is_none());
    assert_eq!(core.secrets.entries().len(), 1, "still locked: still there");

    // Unlocked, the next keyring call that succeeds deletes the orphan.
    core.secrets.set_locked(false);
    core.clock
        .advance_secs(crate::secrets::KEYRING_PAUSE_MAX_MS / 1000);
    let kept = add("box", "kept").await.unwrap();
    assert_eq!(
        core.secrets.entries(),
        vec![(
            crate::secrets::device_secret_ref(&kept.uuid).account,
            "kept".to_string()
        )]
    );
}

#[tokio::test]
async fn devices_on_a_locked_keyring_get_one_reason_from_one_keyring_call() {
    let core = TestCore::new(T0_MS);
    let mut devices = Vec::new();
    for i in 0..8 {
        devices.push(
            core.devices
                .add(
                    NewDevice {
                        connection: on_host(&format!("nas{i}"), SshAuth::Password { secret: None }),
                        ..local("/")
                    },
                    Some(Secret::new("pw")),
                )
                .await
                .unwrap(),
        );
    }
    core.secrets.set_locked(true);
    let before = core.secrets.calls();
    let mut rx = core.bus().subscribe();
    for device in &devices {
        core.engine.restart(device).await.unwrap();
    }
    let mut waiting: std::collections::HashSet<String> =
        devices.iter().map(|d| d.uuid.clone()).collect();
    let expected = format!(
        "the OS keyring failed: {}",
        crate::secrets::KEYRING_UNAVAILABLE
    );
    while !waiting.is_empty() {
        next_event(&mut rx, |e| {
            matches!(e, DomainEvent::DeviceStatusChanged { device_uuid, status: DeviceStatus::Unreachable { reason } }
                if *reason == expected && waiting.remove(device_uuid))
        })
        .await;
    }
    assert_eq!(
        core.secrets.calls() - before,
        1,
        "one keyring call for 8 devices"
    );
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

async fn offline_since(core: &TestCore, uuid: &str) -> Option<i64> {
    let list = core.devices.list().await.unwrap();
    list.into_iter()
        .find(|d| d.device.uuid == uuid)
        .unwrap()
        .offline_since
}

#[tokio::test]
async fn a_device_that_goes_offline_says_since_when() {
    use crate::ports::InventorySink;
    let core = TestCore::new(T0_MS);
    let uuid = add_online(&core, "box").await;
    assert_eq!(
        offline_since(&core, &uuid).await,
        None,
        "online: its inventory is live"
    );

    core.clock.advance_secs(60);
    let lost = |reason: &str| DeviceStatus::Unreachable {
        reason: reason.into(),
    };
    core.inventory
        .set_status(&uuid, lost("connection refused"))
        .await;
    assert_eq!(offline_since(&core, &uuid).await, Some(T0_MS + 60_000));

    // Another reason, or disabling it, does not move the time it was last online.
    core.clock.advance_secs(60);
    core.inventory.set_status(&uuid, lost("no such host")).await;
    core.devices.set_enabled(&uuid, false).await.unwrap();
    assert_eq!(offline_since(&core, &uuid).await, Some(T0_MS + 60_000));

    core.inventory
        .set_status(
            &uuid,
            DeviceStatus::Online {
                engine_version: "27.3.1".into(),
            },
        )
        .await;
    assert_eq!(offline_since(&core, &uuid).await, None);
}
