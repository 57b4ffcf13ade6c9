//! Every query of the store, against a real SQLite file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use squirrel_core::model::{ContainerState, Image, Network, Volume};
use squirrel_core::ports::{
    ContainerChanges, ContainerRepository, DeviceRepository, InventoryRepository,
};
use squirrel_store::Store;

mod common;
use common::{container, device, open};

#[tokio::test]
async fn devices_round_trip_and_update() {
    let (_dir, store) = open().await;
    let mut d = device("d1");
    store.insert_device(&d).await.unwrap();
    assert_eq!(store.get_device("d1").await.unwrap(), Some(d.clone()));
    d.enabled = false;
    d.name = "renamed".into();
    store.update_device(&d).await.unwrap();
    assert_eq!(store.list_devices().await.unwrap(), vec![d]);
    assert!(store.update_device(&device("nope")).await.is_err());
    assert_eq!(store.get_device("nope").await.unwrap(), None);
}

#[tokio::test]
async fn containers_upsert_by_engine_id_and_keep_display_name() {
    let (_dir, store) = open().await;
    store.insert_device(&device("d1")).await.unwrap();
    let c = container("u1", "d1", "e1");
    store
        .apply_container_changes(&ContainerChanges {
            upserts: vec![c.clone()],
            removals: vec![],
        })
        .await
        .unwrap();
    assert_eq!(store.get_container("u1").await.unwrap(), Some(c.clone()));
    store
        .set_display_name("u1", Some("My <b>app</b>"))
        .await
        .unwrap();

    let mut changed = c.clone();
    changed.state = ContainerState::Exited;
    changed.exit_code = Some(137);
    store
        .apply_container_changes(&ContainerChanges {
            upserts: vec![changed],
            removals: vec![],
        })
        .await
        .unwrap();
    let got = store.find_container("d1", "e1").await.unwrap().unwrap();
    assert_eq!(got.state, ContainerState::Exited);
    assert_eq!(got.exit_code, Some(137));
    assert_eq!(got.display_name.as_deref(), Some("My <b>app</b>"));
    assert_eq!(got.labels, c.labels);
    assert_eq!(store.list_containers().await.unwrap().len(), 1);
    assert!(store.set_display_name("nope", None).await.is_err());
}

#[tokio::test]
async fn removal_and_device_deletion_cascade() {
    let (_dir, store) = open().await;
    store.insert_device(&device("d1")).await.unwrap();
    store.insert_device(&device("d2")).await.unwrap();
    store
        .apply_container_changes(&ContainerChanges {
            upserts: vec![
                container("u1", "d1", "e1"),
                container("u2", "d1", "e2"),
                container("u3", "d2", "e1"),
            ],
            removals: vec![],
        })
        .await
        .unwrap();
    assert_eq!(store.list_device_containers("d1").await.unwrap().len(), 2);
    // What a stats round names its samples with: this device's engine ids only.
    let mut ids = store.device_container_ids("d1").await.unwrap();
    ids.sort();
    assert_eq!(
        ids,
        vec![("e1".into(), "u1".into()), ("e2".into(), "u2".into())]
    );
    store
        .apply_container_changes(&ContainerChanges {
            upserts: vec![],
            removals: vec!["u1".into()],
        })
        .await
        .unwrap();
    assert_eq!(store.list_device_containers("d1").await.unwrap().len(), 1);
    store
        .replace_images(
            "d1",
            &[Image {
                device_uuid: "d1".into(),
                id: "sha256:1".into(),
                repo_tags: vec!["busybox:local".into()],
                repo_digests: vec!["busybox@sha256:aa".into()],
                size: 10,
                created: 2,
            }],
        )
        .await
        .unwrap();
    assert_eq!(
        store.list_images(Some("d1")).await.unwrap()[0].repo_digests,
        ["busybox@sha256:aa"]
    );
    store.delete_device("d1").await.unwrap();
    assert!(store.list_device_containers("d1").await.unwrap().is_empty());
    assert!(store.list_images(Some("d1")).await.unwrap().is_empty());
    assert_eq!(store.list_device_containers("d2").await.unwrap().len(), 1);
}

#[tokio::test]
async fn images_volumes_networks_replace_per_device() {
    let (_dir, store) = open().await;
    store.insert_device(&device("d1")).await.unwrap();
    store.insert_device(&device("d2")).await.unwrap();
    let vol = |d: &str, n: &str| Volume {
        device_uuid: d.into(),
        name: n.into(),
        driver: "local".into(),
        mountpoint: format!("/var/lib/docker/volumes/{n}"),
        labels: Default::default(),
    };
    store
        .replace_volumes("d1", &[vol("d1", "a"), vol("d1", "b")])
        .await
        .unwrap();
    store
        .replace_volumes("d2", &[vol("d2", "c")])
        .await
        .unwrap();
    store
        .replace_volumes("d1", &[vol("d1", "b")])
        .await
        .unwrap();
    assert_eq!(
        store.list_volumes(Some("d1")).await.unwrap(),
        vec![vol("d1", "b")]
    );
    assert_eq!(store.list_volumes(None).await.unwrap().len(), 2);

    let net = Network {
        device_uuid: "d1".into(),
        id: "n1".into(),
        name: "bridge".into(),
        driver: "bridge".into(),
        scope: "local".into(),
        internal: false,
    };
    store
        .replace_networks("d1", std::slice::from_ref(&net))
        .await
        .unwrap();
    assert_eq!(store.list_networks(None).await.unwrap(), vec![net]);
    store.replace_networks("d1", &[]).await.unwrap();
    assert!(store.list_networks(Some("d1")).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_file_persists_across_reopen_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).await.unwrap();
        store.insert_device(&device("d1")).await.unwrap();
        let mode: (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(mode.0, "wal");
        store.close().await;
    }
    let store = Store::open(dir.path()).await.unwrap();
    assert_eq!(store.list_devices().await.unwrap().len(), 1);
    assert!(dir.path().join(squirrel_store::DB_FILE).exists());
}

#[tokio::test]
async fn the_last_update_check_is_kept_whole_and_replaced_by_the_next() {
    use squirrel_core::ports::UpdateRepository;
    use squirrel_core::updates::{
        CheckRequests, ContainerUpdate, Finding, RegistryRate, UpdateCheck,
    };
    let (_dir, store) = open().await;
    assert_eq!(store.last_update_check().await.unwrap(), None);
    let check = |at: i64, finding: Finding| UpdateCheck {
        checked_at: at,
        took_ms: 12,
        findings: vec![ContainerUpdate {
            container_uuid: "c1".into(),
            device_uuid: "d1".into(),
            reference: "nginx:1.25.3".into(),
            finding,
        }],
        requests: CheckRequests {
            head: 1,
            tag_lists: 1,
        },
        rate_limits: vec![RegistryRate {
            registry: "docker.io".into(),
            limit: 100,
            remaining: 99,
            window_secs: Some(21600),
        }],
    };
    let first = check(
        1,
        Finding::Available {
            new_digest: None,
            newer_tag: Some("1.26.0".into()),
        },
    );
    store.save_update_check(&first).await.unwrap();
    assert_eq!(store.last_update_check().await.unwrap(), Some(first));
    let second = check(2, Finding::UpToDate);
    store.save_update_check(&second).await.unwrap();
    assert_eq!(store.last_update_check().await.unwrap(), Some(second));
    // The interval the user chose, and "only when asked".
    assert_eq!(store.check_interval_hours().await.unwrap(), None);
    store.set_check_interval_hours(24).await.unwrap();
    store.set_check_interval_hours(0).await.unwrap();
    assert_eq!(store.check_interval_hours().await.unwrap(), Some(0));
}
