//! Fixtures shared by the store's tests.
#![allow(dead_code)]

use squirrel_core::model::{
    Container, ContainerState, Device, DeviceConnection, MountPoint, PortMapping,
};
use squirrel_store::Store;

pub fn device(uuid: &str) -> Device {
    Device {
        uuid: uuid.into(),
        name: format!("dev {uuid}"),
        connection: DeviceConnection::LocalSocket {
            path: "/var/run/docker.sock".into(),
        },
        enabled: true,
        resync_interval_secs: 300,
        stats_interval_secs: 10,
        created_at: 1,
    }
}

pub fn container(uuid: &str, device: &str, engine_id: &str) -> Container {
    Container {
        uuid: uuid.into(),
        device_uuid: device.into(),
        engine_id: engine_id.into(),
        name: format!("name-{engine_id}"),
        display_name: None,
        image: "busybox:local".into(),
        image_id: "sha256:abc".into(),
        command: "sleep 100".into(),
        state: ContainerState::Running,
        exit_code: None,
        health: Some("healthy".into()),
        created: 1_700_000_000,
        ports: vec![PortMapping {
            ip: Some("0.0.0.0".into()),
            private_port: 80,
            public_port: Some(8080),
            protocol: "tcp".into(),
        }],
        labels: [("a".to_string(), "<img src=x onerror=alert(1)>".to_string())].into(),
        networks: vec!["bridge".into()],
        mounts: vec![MountPoint {
            kind: "volume".into(),
            source: "data".into(),
            destination: "/data".into(),
            read_only: false,
        }],
        kind: Default::default(),
        guest: None,
        updated_at: 5,
    }
}

pub async fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    (dir, store)
}
