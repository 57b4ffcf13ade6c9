//! Typed events pushed to the UI.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use specta::Type;
use squirrel_core::DomainEvent;
use tauri::AppHandle;
use tauri_specta::Event;
use tokio::sync::broadcast::error::RecvError;

/// A change in the inventory or in a device's status. The UI never polls: it listens.
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
pub struct InventoryEvent(pub DomainEvent);

/// Sent when the UI may have missed events (the bus overflowed): reload everything.
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
pub struct ResyncRequired;

/// Whether the window is shown, as the UI last reported it (`window_visibility_set`).
/// Shown until told otherwise.
#[derive(Debug, Clone)]
pub struct WindowVisibility(Arc<AtomicBool>);

impl Default for WindowVisibility {
    fn default() -> Self {
        Self(Arc::new(AtomicBool::new(true)))
    }
}

impl WindowVisibility {
    pub fn set(&self, visible: bool) {
        self.0.store(visible, Ordering::Relaxed);
    }

    pub fn get(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Whether an event goes to the window. A hidden window gets no live data (stats rounds and
/// live samples: they are stored all the same, and the UI reloads them from the store when
/// it is shown again); inventory and device events always go, they are rare and keep the
/// UI's cache right. The end of a live stream goes too, so that a drawer never waits for it.
pub fn should_forward(event: &DomainEvent, visible: bool) -> bool {
    visible
        || !matches!(
            event,
            DomainEvent::StatsRecorded { .. } | DomainEvent::LiveStats { .. }
        )
}

/// Forwards the domain bus to the window until the bus closes, holding back live data
/// while the window is hidden.
pub async fn forward(app: AppHandle, bus: squirrel_core::EventBus, visibility: WindowVisibility) {
    let mut rx = bus.subscribe();
    loop {
        match rx.recv().await {
            Ok(e) if !should_forward(&e, visibility.get()) => {}
            Ok(e) => {
                if let Err(err) = InventoryEvent(e).emit(&app) {
                    tracing::warn!(error = %err, "could not emit an inventory event");
                }
            }
            Err(RecvError::Lagged(n)) => {
                tracing::warn!(missed = n, "UI event forwarder lagged");
                let _ = ResyncRequired.emit(&app);
            }
            Err(RecvError::Closed) => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use squirrel_core::model::{ContainerLoad, DeviceLoad, DeviceStatus, StatsSample};

    use super::*;

    fn events() -> Vec<DomainEvent> {
        vec![
            DomainEvent::ContainerRemoved {
                uuid: "c1".into(),
                device_uuid: "d1".into(),
            },
            DomainEvent::DeviceStatusChanged {
                device_uuid: "d1".into(),
                status: DeviceStatus::Connecting,
            },
            DomainEvent::DevicesChanged,
            DomainEvent::StatsRecorded {
                load: DeviceLoad {
                    device_uuid: "d1".into(),
                    ts: 1.0,
                    containers: 1.0,
                    cpu_total_percent: 1.0,
                    memory_total: 1.0,
                    memory_avg_percent: 1.0,
                },
                containers: vec![ContainerLoad {
                    container_uuid: "c1".into(),
                    ts: 1.0,
                    cpu_percent: 1.0,
                    memory_used: 1.0,
                    memory_percent: 1.0,
                }],
            },
            DomainEvent::LiveStats {
                subscription: 1,
                container_uuid: "c1".into(),
                sample: Box::new(StatsSample {
                    ts: 1.0,
                    cpu_percent: 1.0,
                    memory_used: 1.0,
                    memory_limit: 1.0,
                    memory_percent: 1.0,
                    net_rx_rate: 0.0,
                    net_tx_rate: 0.0,
                    block_read_rate: 0.0,
                    block_write_rate: 0.0,
                    pids: 1.0,
                    net_rx_bytes: None,
                    net_tx_bytes: None,
                    block_read_bytes: None,
                    block_write_bytes: None,
                }),
            },
            DomainEvent::LiveStatsEnded {
                subscription: 1,
                container_uuid: "c1".into(),
                reason: "stopped".into(),
            },
        ]
    }

    #[test]
    fn a_shown_window_gets_every_event() {
        assert!(events().iter().all(|e| should_forward(e, true)));
    }

    #[test]
    fn a_hidden_window_gets_no_live_data_but_every_inventory_change() {
        let kept: Vec<_> = events()
            .into_iter()
            .filter(|e| should_forward(e, false))
            .collect();
        assert!(!kept.iter().any(|e| matches!(
            e,
            DomainEvent::StatsRecorded { .. } | DomainEvent::LiveStats { .. }
        )));
        assert_eq!(kept.len(), 4, "{kept:?}");
        assert!(kept
            .iter()
            .any(|e| matches!(e, DomainEvent::ContainerRemoved { .. })));
        assert!(kept
            .iter()
            .any(|e| matches!(e, DomainEvent::DeviceStatusChanged { .. })));
        assert!(kept
            .iter()
            .any(|e| matches!(e, DomainEvent::LiveStatsEnded { .. })));
    }

    #[test]
    fn visibility_is_shared_between_clones() {
        let v = WindowVisibility::default();
        assert!(v.get());
        let forwarder = v.clone();
        v.set(false);
        assert!(!forwarder.get());
        v.set(true);
        assert!(forwarder.get());
    }
}
