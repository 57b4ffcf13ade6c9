//! Thin Tauri commands, one module per area. Each resolves the services and delegates.

pub mod containers;
pub mod devices;
pub mod files;
pub mod history;
pub mod inventory;
pub mod logs;
pub mod registries;
pub mod stats;
pub mod templates;
pub mod terminal;
pub mod updates;
pub mod window;
