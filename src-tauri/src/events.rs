//! Typed events pushed to the UI.

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

/// Forwards the domain bus to the window until the bus closes.
pub async fn forward(app: AppHandle, bus: squirrel_core::EventBus) {
    let mut rx = bus.subscribe();
    loop {
        match rx.recv().await {
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
