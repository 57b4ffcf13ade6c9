//! Typed events pushed to the UI.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use specta::Type;
use squirrel_core::DomainEvent;
use tauri::AppHandle;
use tauri_specta::Event;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::broadcast::Receiver;

/// Changes in the inventory or in devices' statuses, in the order they happened. The UI never
/// polls: it listens. One message carries every event queued when it is sent: a burst (a first
/// sync of thousands of containers) is a few messages, not one script evaluation per event.
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
pub struct InventoryEvents(pub Vec<DomainEvent>);

/// The most events in one message to the window.
pub const MAX_BATCH: usize = 2_000;

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

/// What one drain of the bus gave: the events, in order, how many were lost to an overflow,
/// and whether the bus closed.
#[derive(Debug, Default)]
pub struct Drained {
    pub events: Vec<DomainEvent>,
    pub missed: u64,
    pub closed: bool,
}

/// Waits for the next event, then takes every event already queued behind it, up to
/// [`MAX_BATCH`].
pub async fn drain(rx: &mut Receiver<DomainEvent>) -> Drained {
    let mut out = Drained::default();
    loop {
        match rx.recv().await {
            Ok(e) => {
                out.events.push(e);
                break;
            }
            Err(RecvError::Lagged(n)) => out.missed += n,
            Err(RecvError::Closed) => {
                out.closed = true;
                return out;
            }
        }
    }
    while out.events.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(e) => out.events.push(e),
            Err(TryRecvError::Lagged(n)) => out.missed += n,
            Err(TryRecvError::Empty) => break,
            Err(TryRecvError::Closed) => {
                out.closed = true;
                break;
            }
        }
    }
    out
}

/// Forwards the domain bus to the window until the bus closes, in batches, holding back live
/// data while the window is hidden. After an overflow the window reloads everything.
pub async fn forward(app: AppHandle, bus: squirrel_core::EventBus, visibility: WindowVisibility) {
    let mut rx = bus.subscribe();
    loop {
        let Drained {
            mut events,
            missed,
            closed,
        } = drain(&mut rx).await;
        if missed > 0 {
            tracing::warn!(missed, "UI event forwarder lagged; the window reloads");
            let _ = ResyncRequired.emit(&app);
        }
        let visible = visibility.get();
        events.retain(|e| should_forward(e, visible));
        if !events.is_empty() {
            if let Err(err) = InventoryEvents(events).emit(&app) {
                tracing::warn!(error = %err, "could not emit inventory events");
            }
        }
        if closed {
            break;
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

    #[tokio::test]
    async fn a_burst_reaches_the_window_in_a_few_messages_in_order() {
        let bus = squirrel_core::EventBus::new(8_192);
        let mut rx = bus.subscribe();
        for i in 0..5_000 {
            bus.publish(DomainEvent::ContainerRemoved {
                uuid: format!("c{i}"),
                device_uuid: "d1".into(),
            });
        }
        let mut messages = Vec::new();
        let mut total = 0;
        while total < 5_000 {
            let d = drain(&mut rx).await;
            assert_eq!(d.missed, 0);
            total += d.events.len();
            messages.push(d.events);
        }
        assert_eq!(messages.len(), 3, "2,000 + 2,000 + 1,000");
        let order: Vec<String> = messages
            .concat()
            .into_iter()
            .map(|e| match e {
                DomainEvent::ContainerRemoved { uuid, .. } => uuid,
                _ => String::new(),
            })
            .collect();
        assert_eq!(order[0], "c0");
        assert_eq!(order[4_999], "c4999");
    }

    #[tokio::test]
    async fn an_overflow_is_counted_and_the_newest_events_still_come() {
        let bus = squirrel_core::EventBus::new(16);
        let mut rx = bus.subscribe();
        for _ in 0..40 {
            bus.publish(DomainEvent::DevicesChanged);
        }
        let d = drain(&mut rx).await;
        assert_eq!(d.missed, 24);
        assert_eq!(d.events.len(), 16);
        drop(bus);
        assert!(drain(&mut rx).await.closed);
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
