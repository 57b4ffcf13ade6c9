//! InventoryService: reconciling full syncs and events with the store, and what it publishes.

use super::*;
use crate::model::{ContainerPatch, DeviceStatus, InventorySnapshot};
use crate::ports::{ContainerRepository, InventorySink};

fn snapshot(containers: Vec<ContainerObservation>) -> InventorySnapshot {
    InventorySnapshot {
        containers,
        ..Default::default()
    }
}

/// Every event published so far, without waiting.
fn drain(rx: &mut broadcast::Receiver<DomainEvent>) -> Vec<DomainEvent> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

#[tokio::test]
async fn a_full_sync_writes_and_publishes_only_what_changed() {
    let core = TestCore::new(T0_MS);
    let dev = add_online(&core, "box").await;
    let inv = &core.inventory;
    let mut rx = core.bus().subscribe();

    inv.sync_snapshot(
        &dev,
        snapshot(vec![
            obs("e1", "web", ContainerState::Running),
            obs("e2", "db", ContainerState::Running),
        ]),
    )
    .await
    .unwrap();
    let upserts = drain(&mut rx)
        .into_iter()
        .filter(|e| matches!(e, DomainEvent::ContainerUpserted { .. }))
        .count();
    assert_eq!(upserts, 2);
    let web = core
        .repos
        .find_container(&dev, "e1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(web.updated_at, T0_MS);
    core.containers
        .update(
            &web.uuid,
            ContainerPatch {
                display_name: Some("Website".into()),
            },
        )
        .await
        .unwrap();
    drain(&mut rx);

    // The same sync again: nothing to write, nothing to say.
    inv.sync_snapshot(
        &dev,
        snapshot(vec![
            obs("e1", "web", ContainerState::Running),
            obs("e2", "db", ContainerState::Running),
        ]),
    )
    .await
    .unwrap();
    assert_eq!(drain(&mut rx), vec![]);

    // db stopped, web vanished, cache appeared.
    core.clock.advance_secs(5);
    inv.sync_snapshot(
        &dev,
        snapshot(vec![
            obs("e2", "db", ContainerState::Exited),
            obs("e3", "cache", ContainerState::Created),
        ]),
    )
    .await
    .unwrap();
    let events = drain(&mut rx);
    assert!(events.contains(&DomainEvent::ContainerRemoved {
        uuid: web.uuid.clone(),
        device_uuid: dev.clone(),
    }));
    let db = core
        .repos
        .find_container(&dev, "e2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(db.state, ContainerState::Exited);
    assert_eq!(db.updated_at, T0_MS + 5000);
    assert_eq!(
        core.containers.list(Some(&dev)).await.unwrap().len(),
        2,
        "db and cache"
    );

    // web comes back: a new row for it, and db keeps its uuid.
    inv.sync_snapshot(
        &dev,
        snapshot(vec![
            obs("e1", "web", ContainerState::Running),
            obs("e2", "db", ContainerState::Exited),
            obs("e3", "cache", ContainerState::Created),
        ]),
    )
    .await
    .unwrap();
    let again = core
        .repos
        .find_container(&dev, "e2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.uuid, db.uuid);
}

#[tokio::test]
async fn display_names_survive_every_sync_and_transition() {
    let core = TestCore::new(T0_MS);
    let dev = add_online(&core, "box").await;
    let inv = &core.inventory;
    inv.sync_snapshot(
        &dev,
        snapshot(vec![obs("e1", "web", ContainerState::Running)]),
    )
    .await
    .unwrap();
    let web = core
        .repos
        .find_container(&dev, "e1")
        .await
        .unwrap()
        .unwrap();
    core.containers
        .update(
            &web.uuid,
            ContainerPatch {
                display_name: Some("Website".into()),
            },
        )
        .await
        .unwrap();
    inv.container_transition(&dev, "e1", ContainerState::Exited, Some(137))
        .await
        .unwrap();
    inv.sync_snapshot(
        &dev,
        snapshot(vec![obs("e1", "web-2", ContainerState::Running)]),
    )
    .await
    .unwrap();
    let now = core.containers.get(&web.uuid).await.unwrap();
    assert_eq!(now.name, "web-2");
    assert_eq!(now.display_name.as_deref(), Some("Website"));
}

#[tokio::test]
async fn transitions_apply_at_once_and_unknown_containers_wait_for_the_reread() {
    let core = TestCore::new(T0_MS);
    let dev = add_online(&core, "box").await;
    let inv = &core.inventory;
    inv.sync_snapshot(
        &dev,
        snapshot(vec![obs("e1", "web", ContainerState::Running)]),
    )
    .await
    .unwrap();
    let mut rx = core.bus().subscribe();
    inv.container_transition(&dev, "e1", ContainerState::Exited, Some(3))
        .await
        .unwrap();
    let web = core
        .repos
        .find_container(&dev, "e1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (web.state, web.exit_code),
        (ContainerState::Exited, Some(3))
    );
    assert_eq!(drain(&mut rx).len(), 1);

    // A pause carries no exit code, even when the engine sent one.
    inv.container_transition(&dev, "e1", ContainerState::Paused, Some(3))
        .await
        .unwrap();
    let web = core
        .repos
        .find_container(&dev, "e1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((web.state, web.exit_code), (ContainerState::Paused, None));

    inv.container_transition(&dev, "unknown", ContainerState::Running, None)
        .await
        .unwrap();
    assert!(core
        .repos
        .find_container(&dev, "unknown")
        .await
        .unwrap()
        .is_none());

    inv.container_gone(&dev, "e1").await.unwrap();
    assert!(core
        .repos
        .find_container(&dev, "e1")
        .await
        .unwrap()
        .is_none());
    // Gone twice is not an error.
    inv.container_gone(&dev, "e1").await.unwrap();
}

#[tokio::test]
async fn a_status_is_published_only_when_it_changes() {
    let core = TestCore::new(T0_MS);
    let dev = add_online(&core, "box").await;
    let mut rx = core.bus().subscribe();
    let down = DeviceStatus::Unreachable {
        reason: "the engine stopped".into(),
    };
    core.inventory.set_status(&dev, down.clone()).await;
    core.inventory.set_status(&dev, down.clone()).await;
    assert_eq!(
        drain(&mut rx),
        vec![DomainEvent::DeviceStatusChanged {
            device_uuid: dev.clone(),
            status: down.clone(),
        }]
    );
    assert_eq!(core.inventory.status(&dev), down);
    assert_eq!(
        core.inventory.status("never-seen"),
        DeviceStatus::Connecting
    );
}
