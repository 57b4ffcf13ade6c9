//! Pure reconciliation of an engine's view with the stored inventory.

use std::collections::HashMap;

use crate::model::{Container, ContainerObservation};
use crate::ports::ContainerChanges;

/// Builds a stored container from an observation, keeping Squirrel's own fields of `previous`.
pub fn merge(
    device_uuid: &str,
    previous: Option<&Container>,
    obs: ContainerObservation,
    now_ms: i64,
) -> Container {
    Container {
        uuid: previous
            .map(|p| p.uuid.clone())
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        device_uuid: device_uuid.to_string(),
        display_name: previous.and_then(|p| p.display_name.clone()),
        engine_id: obs.engine_id,
        name: obs.name,
        image: obs.image,
        image_id: obs.image_id,
        command: obs.command,
        state: obs.state,
        exit_code: obs.exit_code,
        health: obs.health,
        created: obs.created,
        ports: obs.ports,
        labels: obs.labels,
        networks: obs.networks,
        mounts: obs.mounts,
        kind: obs.kind,
        guest: obs.guest,
        updated_at: now_ms,
    }
}

/// What a full sync must change: new and changed containers are upserted, stored containers
/// the engine no longer has are removed, unchanged ones are left alone (no write, no event).
pub fn diff_snapshot(
    device_uuid: &str,
    stored: Vec<Container>,
    observed: Vec<ContainerObservation>,
    now_ms: i64,
) -> ContainerChanges {
    let mut by_engine_id: HashMap<String, Container> = stored
        .into_iter()
        .map(|c| (c.engine_id.clone(), c))
        .collect();
    let mut changes = ContainerChanges::default();
    for obs in observed {
        match by_engine_id.remove(&obs.engine_id) {
            Some(prev) if prev.matches(&obs) => {}
            prev => changes
                .upserts
                .push(merge(device_uuid, prev.as_ref(), obs, now_ms)),
        }
    }
    let mut removals: Vec<String> = by_engine_id.into_values().map(|c| c.uuid).collect();
    removals.sort();
    changes.removals = removals;
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ContainerState;

    fn obs(id: &str, state: ContainerState) -> ContainerObservation {
        ContainerObservation {
            engine_id: id.into(),
            name: format!("c-{id}"),
            image: "busybox:local".into(),
            image_id: "sha256:1".into(),
            command: "sleep 1".into(),
            state,
            exit_code: None,
            health: None,
            created: 1,
            ports: vec![],
            labels: Default::default(),
            networks: vec![],
            mounts: vec![],
            kind: Default::default(),
            guest: None,
        }
    }

    #[test]
    fn first_sync_inserts_everything_with_fresh_uuids() {
        let changes = diff_snapshot(
            "d",
            vec![],
            vec![
                obs("a", ContainerState::Running),
                obs("b", ContainerState::Exited),
            ],
            5,
        );
        assert_eq!(changes.upserts.len(), 2);
        assert!(changes.removals.is_empty());
        assert_ne!(changes.upserts[0].uuid, changes.upserts[1].uuid);
        assert!(changes
            .upserts
            .iter()
            .all(|c| c.device_uuid == "d" && c.updated_at == 5));
    }

    #[test]
    fn unchanged_containers_are_not_rewritten_and_vanished_ones_are_removed() {
        let a = merge("d", None, obs("a", ContainerState::Running), 1);
        let b = merge("d", None, obs("b", ContainerState::Running), 1);
        let changes = diff_snapshot(
            "d",
            vec![a.clone(), b.clone()],
            vec![obs("a", ContainerState::Running)],
            9,
        );
        assert!(changes.upserts.is_empty());
        assert_eq!(changes.removals, vec![b.uuid]);
    }

    #[test]
    fn a_change_keeps_the_uuid_and_the_display_name() {
        let mut a = merge("d", None, obs("a", ContainerState::Running), 1);
        a.display_name = Some("My app".into());
        let changes = diff_snapshot(
            "d",
            vec![a.clone()],
            vec![obs("a", ContainerState::Paused)],
            2,
        );
        assert_eq!(changes.upserts.len(), 1);
        let up = &changes.upserts[0];
        assert_eq!(up.uuid, a.uuid);
        assert_eq!(up.display_name.as_deref(), Some("My app"));
        assert_eq!(up.state, ContainerState::Paused);
        assert_eq!(up.updated_at, 2);
    }
}
