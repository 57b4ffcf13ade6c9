//! Tests of the services over in-memory ports: no daemon, no database, the clock set by hand.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod containers;
mod devices;
mod inventory;
mod logs;
mod stats;

use std::time::Duration;

use tokio::sync::broadcast;

use crate::events::DomainEvent;
use crate::model::{ContainerObservation, ContainerState, DeviceConnection, NewDevice};
use crate::testing::TestCore;

/// 2026-11-30 12:00:00 UTC.
pub const T0_MS: i64 = 1_795_003_200_000;

pub fn obs(engine_id: &str, name: &str, state: ContainerState) -> ContainerObservation {
    ContainerObservation {
        engine_id: engine_id.into(),
        name: name.into(),
        image: "busybox:local".into(),
        image_id: "sha256:1".into(),
        command: "sleep 1".into(),
        state,
        exit_code: None,
        health: None,
        created: 0,
        ports: vec![],
        labels: Default::default(),
        networks: vec![],
        mounts: vec![],
        kind: Default::default(),
        guest: None,
    }
}

pub fn local(path: &str) -> NewDevice {
    NewDevice {
        name: "box".into(),
        connection: DeviceConnection::LocalSocket { path: path.into() },
        resync_interval_secs: None,
        stats_interval_secs: None,
    }
}

/// Waits (at most a second: everything here is in memory) for an event that satisfies `pred`.
pub async fn next_event(
    rx: &mut broadcast::Receiver<DomainEvent>,
    mut pred: impl FnMut(&DomainEvent) -> bool,
) -> DomainEvent {
    tokio::time::timeout(Duration::from_secs(1), async {
        loop {
            let e = rx.recv().await.unwrap();
            if pred(&e) {
                return e;
            }
        }
    })
    .await
    .expect("the expected event did not come")
}

/// Adds a local device and waits until its scripted engine reports it online.
pub async fn add_online(core: &TestCore, name: &str) -> String {
    let mut rx = core.bus().subscribe();
    let mut new = local("/run/docker.sock");
    new.name = name.into();
    let device = core.devices.add(new, None).await.unwrap();
    let uuid = device.uuid.clone();
    next_event(&mut rx, |e| {
        matches!(e, DomainEvent::DeviceStatusChanged { device_uuid, status }
            if *device_uuid == uuid && status.is_online())
    })
    .await;
    device.uuid
}

/// An online device whose engine has one running container, `web` (engine id `e1`).
/// Returns the device's and the container's uuids.
pub async fn with_web(core: &TestCore) -> (String, String) {
    use crate::model::InventorySnapshot;
    use crate::ports::{ContainerRepository, InventorySink};
    let dev = add_online(core, "box").await;
    core.inventory
        .sync_snapshot(
            &dev,
            InventorySnapshot {
                containers: vec![obs("e1", "web", ContainerState::Running)],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let web = core
        .repos
        .find_container(&dev, "e1")
        .await
        .unwrap()
        .unwrap();
    (dev, web.uuid)
}
