//! Typed events pushed to the UI.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use squirrel_core::model::ContainerLoad;

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
/// Shown until told otherwise. Every report (and every page load) also starts a new
/// generation: the window then reloads what it shows from the store, so the forwarder
/// forgets what it sent before.
#[derive(Debug, Clone)]
pub struct WindowVisibility {
    visible: Arc<AtomicBool>,
    generation: Arc<AtomicU64>,
}

impl Default for WindowVisibility {
    fn default() -> Self {
        Self {
            visible: Arc::new(AtomicBool::new(true)),
            generation: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl WindowVisibility {
    pub fn set(&self, visible: bool) {
        self.visible.store(visible, Ordering::Relaxed);
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    pub fn get(&self) -> bool {
        self.visible.load(Ordering::Relaxed)
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }
}

/// A container's load as the window shows it, at the precision the UI formats it with
/// (`formatPercent`, `formatBytes` in `ui/src/lib/format.ts`): equal keys look the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shown {
    cpu: (i64, u8),
    memory_percent: (i64, u8),
    memory: (i64, u8),
}

/// A percentage rounded as the UI prints it: two decimals under 1, one under 100, none above.
fn percent_key(p: f64) -> (i64, u8) {
    let abs = p.abs();
    let digits: u8 = if abs < 1.0 {
        2
    } else if abs < 100.0 {
        1
    } else {
        0
    };
    ((p * 10f64.powi(i32::from(digits))).round() as i64, digits)
}

/// Bytes rounded as the UI prints them: in steps of 1000, no decimals in bytes or from 100
/// up, one from 10, two below.
fn bytes_key(b: f64) -> (i64, u8) {
    let mut value = b.max(0.0);
    let mut unit: u8 = 0;
    while value >= 1000.0 && unit < 5 {
        value /= 1000.0;
        unit += 1;
    }
    let digits: i32 = if unit == 0 || value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    (
        (value * 10f64.powi(digits)).round() as i64,
        unit * 4 + digits as u8,
    )
}

impl From<&ContainerLoad> for Shown {
    fn from(l: &ContainerLoad) -> Self {
        Self {
            cpu: percent_key(l.cpu_percent),
            memory_percent: percent_key(l.memory_percent),
            memory: bytes_key(l.memory_used),
        }
    }
}

/// What the window was last sent of each device's stats round, so that a round sends only
/// what would look different: idle containers cost the window nothing.
///
/// Every [`FULL_ROUND_EVERY`]th round of a device is sent whole all the same: a reload of the
/// window's loads that raced a round can leave a value behind, and this bounds how long.
#[derive(Debug, Default)]
pub struct ShownLoads {
    devices: HashMap<String, (u32, HashMap<String, Shown>)>,
}

/// Rounds between two whole rounds of a device (5 minutes at the default 10 s).
pub const FULL_ROUND_EVERY: u32 = 30;

impl ShownLoads {
    /// Forgets everything: the next round of each device is sent whole.
    pub fn reset(&mut self) {
        self.devices.clear();
    }

    /// The event the window gets for `event`: a stats round becomes
    /// [`DomainEvent::StatsChanged`]; anything else goes as it is.
    pub fn apply(&mut self, event: DomainEvent) -> DomainEvent {
        let DomainEvent::StatsRecorded { load, containers } = event else {
            return event;
        };
        let (count, mut before) = self.devices.remove(&load.device_uuid).unwrap_or_default();
        if count % FULL_ROUND_EVERY == FULL_ROUND_EVERY - 1 {
            before.clear();
        }
        let mut now = HashMap::with_capacity(containers.len());
        let mut changed = Vec::new();
        for c in containers {
            let shown = Shown::from(&c);
            if before.get(&c.container_uuid) != Some(&shown) {
                changed.push(c.clone());
            }
            now.insert(c.container_uuid, shown);
        }
        let gone: Vec<String> = before
            .into_keys()
            .filter(|uuid| !now.contains_key(uuid))
            .collect();
        tracing::debug!(
            device = %load.device_uuid,
            changed = changed.len(),
            of = now.len(),
            gone = gone.len(),
            "stats round to the window"
        );
        self.devices
            .insert(load.device_uuid.clone(), (count.wrapping_add(1), now));
        DomainEvent::StatsChanged {
            load,
            changed,
            gone,
        }
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
/// data while the window is hidden and sending of each stats round only what changed on
/// screen. After an overflow the window reloads everything.
pub async fn forward(app: AppHandle, bus: squirrel_core::EventBus, visibility: WindowVisibility) {
    let mut rx = bus.subscribe();
    let mut shown = ShownLoads::default();
    let mut generation = visibility.generation();
    loop {
        let Drained {
            mut events,
            missed,
            closed,
        } = drain(&mut rx).await;
        if missed > 0 {
            tracing::warn!(missed, "UI event forwarder lagged; the window reloads");
            let _ = ResyncRequired.emit(&app);
            shown.reset();
        }
        // A page load or a change of visibility: the window reloads from the store.
        let now = visibility.generation();
        if now != generation {
            generation = now;
            shown.reset();
        }
        let visible = visibility.get();
        events.retain(|e| should_forward(e, visible));
        let events: Vec<DomainEvent> = events.into_iter().map(|e| shown.apply(e)).collect();
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

    fn round(device: &str, loads: &[(&str, f64, f64)]) -> DomainEvent {
        DomainEvent::StatsRecorded {
            load: DeviceLoad {
                device_uuid: device.into(),
                ts: 1.0,
                containers: loads.len() as f64,
                cpu_total_percent: 0.0,
                memory_total: 0.0,
                memory_avg_percent: 0.0,
            },
            containers: loads
                .iter()
                .map(|(uuid, cpu, mem)| ContainerLoad {
                    container_uuid: (*uuid).into(),
                    ts: 1.0,
                    cpu_percent: *cpu,
                    memory_used: *mem,
                    memory_percent: 1.0,
                })
                .collect(),
        }
    }

    fn changes(event: DomainEvent) -> (Vec<String>, Vec<String>) {
        match event {
            DomainEvent::StatsChanged { changed, gone, .. } => (
                changed.into_iter().map(|c| c.container_uuid).collect(),
                gone,
            ),
            other => panic!("not a stats change: {other:?}"),
        }
    }

    #[test]
    fn a_round_sends_only_what_would_look_different() {
        let mut shown = ShownLoads::default();
        let first = shown.apply(round("d1", &[("a", 0.0, 4e6), ("b", 12.34, 5e6)]));
        assert_eq!(changes(first).0, ["a", "b"], "a first round is sent whole");
        // 12.34 % and 12.31 % both print "12.3%"; 4.001 MB and 4.0 MB both print "4 MB".
        let same = shown.apply(round("d1", &[("a", 0.0, 4.001e6), ("b", 12.31, 5e6)]));
        assert_eq!(changes(same), (vec![], vec![]));
        // 0.004 % prints "0%" as 0 does; 0.02 % does not.
        let still = shown.apply(round("d1", &[("a", 0.004, 4e6), ("b", 12.31, 5e6)]));
        assert_eq!(changes(still), (vec![], vec![]));
        let moved = shown.apply(round("d1", &[("a", 0.02, 4e6), ("b", 12.31, 5.1e6)]));
        assert_eq!(changes(moved).0, ["a", "b"]);
        let stopped = shown.apply(round("d1", &[("b", 12.31, 5.1e6)]));
        assert_eq!(changes(stopped), (vec![], vec!["a".to_string()]));
        // Another device's round is its own.
        assert_eq!(
            changes(shown.apply(round("d2", &[("c", 1.0, 1.0)]))).0,
            ["c"]
        );
        shown.reset();
        assert_eq!(
            changes(shown.apply(round("d1", &[("b", 12.31, 5.1e6)]))).0,
            ["b"],
            "after a reset, whole again"
        );
        assert!(matches!(
            shown.apply(DomainEvent::DevicesChanged),
            DomainEvent::DevicesChanged
        ));
        // Unchanged rounds are empty, except one whole round every FULL_ROUND_EVERY.
        let sent: Vec<usize> = (0..FULL_ROUND_EVERY * 2)
            .map(|_| {
                changes(shown.apply(round("d1", &[("b", 12.31, 5.1e6)])))
                    .0
                    .len()
            })
            .collect();
        assert_eq!(sent.iter().sum::<usize>(), 2, "{sent:?}");
    }

    #[test]
    fn keys_follow_the_ui_formats() {
        assert_eq!(percent_key(0.004), percent_key(0.0));
        assert_ne!(percent_key(0.006), percent_key(0.0));
        assert_eq!(percent_key(99.94), percent_key(99.9));
        assert_ne!(percent_key(99.96), percent_key(99.9));
        assert_eq!(bytes_key(999.0), (999, 0));
        assert_eq!(bytes_key(1_234_000.0), bytes_key(1_230_000.0));
        assert_ne!(bytes_key(1_240_000.0), bytes_key(1_230_000.0));
        assert_eq!(bytes_key(123_400_000.0), bytes_key(123_000_000.0));
    }

    #[test]
    fn every_report_starts_a_generation() {
        let v = WindowVisibility::default();
        let g = v.generation();
        v.set(true);
        assert_eq!(v.generation(), g + 1);
    }
}
