//! The Docker watcher against a real dockerd: full sync, every event kind, recovery.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use squirrel_core::model::{ContainerState, DeviceStatus, InventoryKind};
use squirrel_core::ports::{ContainerRepository, InventoryRepository};
use squirrel_core::DomainEvent;
use support::{wait_container, wait_for, App, TestEngine};

fn engine_names(engine: &TestEngine) -> Vec<String> {
    let mut names: Vec<String> = engine
        .cli(&["ps", "-a", "--format", "{{.Names}}"])
        .lines()
        .map(str::to_string)
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_sync_inventories_everything_including_stopped_containers() {
    let engine = TestEngine::start();
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "running",
        "--label",
        "tier=web",
        "-v",
        "data:/data",
        "busybox:local",
        "sleep",
        "600",
    ]);
    engine.cli(&["create", "--name", "created", "busybox:local", "true"]);
    assert!(engine
        .try_cli(&[
            "run",
            "--name",
            "exited",
            "busybox:local",
            "sh",
            "-c",
            "exit 3"
        ])
        .is_err());
    engine.cli(&["volume", "create", "spare"]);
    engine.cli(&["network", "create", "backend"]);

    let app = App::new().await;
    let device = app.add_engine(&engine, "local").await;

    let stored = app
        .store()
        .list_device_containers(&device.uuid)
        .await
        .unwrap();
    let mut names: Vec<&str> = stored.iter().map(|c| c.name.as_str()).collect();
    names.sort();
    assert_eq!(names, vec!["created", "exited", "running"]);
    let by = |n: &str| stored.iter().find(|c| c.name == n).unwrap();
    assert_eq!(by("running").state, ContainerState::Running);
    assert_eq!(
        by("running").labels.get("tier").map(String::as_str),
        Some("web")
    );
    assert_eq!(by("running").mounts[0].source, "data");
    assert_eq!(by("created").state, ContainerState::Created);
    assert_eq!(by("exited").state, ContainerState::Exited);
    assert_eq!(by("exited").exit_code, Some(3));
    assert_eq!(by("running").engine_id.len(), 64);

    let images = app.store().list_images(Some(&device.uuid)).await.unwrap();
    assert!(images
        .iter()
        .any(|i| i.repo_tags.contains(&"busybox:local".to_string())));
    let volumes = app.store().list_volumes(Some(&device.uuid)).await.unwrap();
    let mut vnames: Vec<&str> = volumes.iter().map(|v| v.name.as_str()).collect();
    vnames.sort();
    assert_eq!(vnames, vec!["data", "spare"]);
    let networks = app.store().list_networks(Some(&device.uuid)).await.unwrap();
    assert!(networks
        .iter()
        .any(|n| n.name == "backend" && n.driver == "bridge"));
    app.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_container_event_reaches_the_store_and_the_bus() {
    let engine = TestEngine::start();
    let app = App::new().await;
    let device = app.add_engine(&engine, "local").await;
    let mut rx = app.bus().subscribe();

    let id = engine.cli(&["create", "--name", "ev", "busybox:local", "sleep", "600"]);
    let created = wait_container(&mut rx, "ev", |c| c.state == ContainerState::Created).await;
    assert_eq!(created.engine_id, id);

    engine.cli(&["start", "ev"]);
    wait_container(&mut rx, "ev", |c| c.state == ContainerState::Running).await;
    engine.cli(&["pause", "ev"]);
    wait_container(&mut rx, "ev", |c| c.state == ContainerState::Paused).await;
    engine.cli(&["unpause", "ev"]);
    wait_container(&mut rx, "ev", |c| c.state == ContainerState::Running).await;
    engine.cli(&["rename", "ev", "ev2"]);
    let renamed = wait_container(&mut rx, "ev2", |_| true).await;
    assert_eq!(renamed.uuid, created.uuid, "a rename keeps Squirrel's id");
    engine.cli(&["kill", "ev2"]);
    let killed = wait_container(&mut rx, "ev2", |c| c.state == ContainerState::Exited).await;
    assert_eq!(killed.exit_code, Some(137));
    engine.cli(&["restart", "ev2"]);
    wait_container(&mut rx, "ev2", |c| c.state == ContainerState::Running).await;
    engine.cli(&["update", "--restart", "always", "ev2"]);
    engine.cli(&["stop", "-t", "1", "ev2"]);
    wait_container(&mut rx, "ev2", |c| c.state == ContainerState::Exited).await;

    engine.cli(&["rm", "ev2"]);
    let uuid = created.uuid.clone();
    wait_for(
        &mut rx,
        |e| matches!(e, DomainEvent::ContainerRemoved { uuid: u, .. } if *u == uuid),
    )
    .await;
    assert!(app
        .store()
        .get_container(&created.uuid)
        .await
        .unwrap()
        .is_none());

    // Images, volumes and networks.
    engine.cli(&["volume", "create", "v1"]);
    wait_for(&mut rx, |e| {
        matches!(
            e,
            DomainEvent::InventoryChanged {
                kind: InventoryKind::Volumes,
                ..
            }
        )
    })
    .await;
    assert!(app
        .store()
        .list_volumes(Some(&device.uuid))
        .await
        .unwrap()
        .iter()
        .any(|v| v.name == "v1"));
    engine.cli(&["network", "create", "n1"]);
    wait_for(&mut rx, |e| {
        matches!(
            e,
            DomainEvent::InventoryChanged {
                kind: InventoryKind::Networks,
                ..
            }
        )
    })
    .await;
    assert!(app
        .store()
        .list_networks(Some(&device.uuid))
        .await
        .unwrap()
        .iter()
        .any(|n| n.name == "n1"));
    engine.cli(&["tag", "busybox:local", "busybox:copy"]);
    wait_for(&mut rx, |e| {
        matches!(
            e,
            DomainEvent::InventoryChanged {
                kind: InventoryKind::Images,
                ..
            }
        )
    })
    .await;
    assert!(app
        .store()
        .list_images(Some(&device.uuid))
        .await
        .unwrap()
        .iter()
        .any(|i| i.repo_tags.contains(&"busybox:copy".to_string())));

    // Connecting a container to a network updates its network list.
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "netted",
        "busybox:local",
        "sleep",
        "600",
    ]);
    wait_container(&mut rx, "netted", |c| c.state == ContainerState::Running).await;
    engine.cli(&["network", "connect", "n1", "netted"]);
    wait_container(&mut rx, "netted", |c| {
        c.networks.contains(&"n1".to_string())
    })
    .await;

    // What events stored (from inspect) equals what a full sync lists: a resync of an
    // unchanged engine changes nothing.
    let docker = bollard::Docker::connect_with_unix(
        &engine.socket().display().to_string(),
        30,
        bollard::API_DEFAULT_VERSION,
    )
    .unwrap()
    .negotiate_version()
    .await
    .unwrap();
    let mut rx = app.bus().subscribe();
    squirrel_docker::full_sync(&docker, &device.uuid, app.inventory.as_ref())
        .await
        .unwrap();
    let mut spurious = Vec::new();
    while let Ok(e) = rx.try_recv() {
        spurious.push(e);
    }
    assert!(
        spurious.is_empty(),
        "a resync rewrote unchanged objects: {spurious:#?}"
    );
    app.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn containers_made_and_removed_behind_the_apps_back_are_followed() {
    let engine = TestEngine::start();
    let app = App::new().await;
    let device = app.add_engine(&engine, "local").await;
    let mut rx = app.bus().subscribe();
    for i in 0..5 {
        engine.cli(&[
            "run",
            "-d",
            "--name",
            &format!("b{i}"),
            "busybox:local",
            "sleep",
            "600",
        ]);
    }
    for i in 0..5 {
        wait_container(&mut rx, &format!("b{i}"), |c| {
            c.state == ContainerState::Running
        })
        .await;
    }
    engine.cli(&["rm", "-f", "b1", "b3"]);
    let mut removed = 0;
    while removed < 2 {
        wait_for(&mut rx, |e| {
            matches!(e, DomainEvent::ContainerRemoved { .. })
        })
        .await;
        removed += 1;
    }
    let mut stored: Vec<String> = app
        .store()
        .list_device_containers(&device.uuid)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    stored.sort();
    assert_eq!(stored, engine_names(&engine));
    app.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_restart_marks_the_device_unreachable_then_resyncs_without_duplicates() {
    let mut engine = TestEngine::start();
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "keeper",
        "--restart",
        "always",
        "busybox:local",
        "sleep",
        "600",
    ]);
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "plain",
        "busybox:local",
        "sleep",
        "600",
    ]);
    engine.cli(&["create", "--name", "idle", "busybox:local", "true"]);
    let app = App::new().await;
    let device = app.add_engine(&engine, "local").await;
    let before = app
        .store()
        .list_device_containers(&device.uuid)
        .await
        .unwrap();
    assert_eq!(before.len(), 3);
    app.containers
        .update(
            &before.iter().find(|c| c.name == "idle").unwrap().uuid,
            squirrel_core::model::ContainerPatch {
                display_name: Some("Idle one".into()),
            },
        )
        .await
        .unwrap();

    let mut rx = app.bus().subscribe();
    engine.stop();
    let uuid = device.uuid.clone();
    let reason = match wait_for(&mut rx, |e| matches!(e, DomainEvent::DeviceStatusChanged { device_uuid, status: DeviceStatus::Unreachable { .. } } if *device_uuid == uuid)).await {
        DomainEvent::DeviceStatusChanged { status: DeviceStatus::Unreachable { reason }, .. } => reason,
        _ => unreachable!(),
    };
    assert!(reason.contains("Docker"), "a human reason: {reason}");
    // Actions say why they cannot run.
    let err = app
        .containers
        .act(
            &before[0].uuid,
            squirrel_core::services::ContainerAction::Start,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "device_unavailable");

    engine.restart();
    wait_for(&mut rx, |e| matches!(e, DomainEvent::DeviceStatusChanged { device_uuid, status } if *device_uuid == uuid && status.is_online())).await;
    // Changes made right after the restart are followed too.
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "after",
        "busybox:local",
        "sleep",
        "600",
    ]);
    wait_container(&mut rx, "after", |c| c.state == ContainerState::Running).await;

    let after = app
        .store()
        .list_device_containers(&device.uuid)
        .await
        .unwrap();
    let mut names: Vec<String> = after.iter().map(|c| c.name.clone()).collect();
    names.sort();
    assert_eq!(names, engine_names(&engine), "no duplicates, nothing lost");
    for old in &before {
        let now = after.iter().find(|c| c.engine_id == old.engine_id).unwrap();
        assert_eq!(now.uuid, old.uuid, "stable ids survive a reconnect");
    }
    let state_of = |n: &str| after.iter().find(|c| c.name == n).unwrap().state;
    assert_eq!(state_of("keeper"), ContainerState::Running);
    assert_eq!(state_of("plain"), ContainerState::Exited);
    assert_eq!(
        after
            .iter()
            .find(|c| c.name == "idle")
            .unwrap()
            .display_name
            .as_deref(),
        Some("Idle one")
    );
    app.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_socket_gives_a_human_reason() {
    let app = App::new().await;
    let mut rx = app.bus().subscribe();
    let device = app
        .devices
        .add(
            squirrel_core::model::NewDevice {
                name: "ghost".into(),
                connection: squirrel_core::model::DeviceConnection::LocalSocket {
                    path: "/tmp/squirrel-no-such-dir/docker.sock".into(),
                },
                resync_interval_secs: None,
                stats_interval_secs: None,
            },
            None,
        )
        .await
        .unwrap();
    let uuid = device.uuid.clone();
    match wait_for(&mut rx, |e| matches!(e, DomainEvent::DeviceStatusChanged { device_uuid, status: DeviceStatus::Unreachable { .. } } if *device_uuid == uuid)).await {
        DomainEvent::DeviceStatusChanged { status: DeviceStatus::Unreachable { reason }, .. } => {
            assert!(reason.contains("/tmp/squirrel-no-such-dir/docker.sock"), "{reason}");
            assert!(reason.contains("Docker"), "{reason}");
        }
        _ => unreachable!(),
    }
    // Removing the device stops its watcher.
    app.devices.remove(&device.uuid).await.unwrap();
    assert!(app.engine.registered().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_creations_and_removals_is_followed_exactly() {
    let engine = TestEngine::start();
    let app = App::new().await;
    let device = app.add_engine(&engine, "local").await;
    let mut rx = app.bus().subscribe();
    // Sixteen at a time, as fast as the engine goes: the watcher sees bursts of events.
    let script: String = (0..200)
        .map(|i| {
            format!(
                "DOCKER_HOST={} docker create --name burst-{i} busybox:local true >/dev/null\n",
                engine.host()
            )
        })
        .collect();
    let mut xargs = std::process::Command::new("xargs")
        .args(["-P", "16", "-I", "{}", "sh", "-c", "{}"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    xargs
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    assert!(xargs.wait().unwrap().success());
    let gone: Vec<String> = (0..200).step_by(4).map(|i| format!("burst-{i}")).collect();
    let mut rm = vec!["rm", "-f"];
    rm.extend(gone.iter().map(String::as_str));
    engine.cli(&rm);

    let want = engine_names(&engine);
    assert_eq!(want.len(), 150);
    // The store converges to the engine, whatever order the bursts came in.
    let stored = || async {
        let mut names: Vec<String> = app
            .store()
            .list_device_containers(&device.uuid)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        names.sort();
        names
    };
    while stored().await != want {
        wait_for(&mut rx, |e| {
            matches!(
                e,
                DomainEvent::ContainerUpserted { .. } | DomainEvent::ContainerRemoved { .. }
            )
        })
        .await;
    }
    app.engine.shutdown().await;
}
