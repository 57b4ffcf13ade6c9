//! Proxmox VE for Squirrel: the API client (an API token; the certificate pinned by its
//! fingerprint, or checked against a CA), every guest of a cluster in one call, lifecycle
//! actions as tasks followed to their end. Protocol facts: `shared/reference/proxmox.md`.

mod client;
mod driver;
mod known;
mod mapping;
mod tls;
mod wire;

pub use client::{api_base, check_token_id, PveClient, PveError, DEFAULT_PORT};
pub use driver::{ProxmoxDriver, PveDeps, POLL_PERIOD};
pub use known::KnownCertificates;
pub use mapping::{engine_id, observation, parse_engine_id};
pub use tls::{Fingerprint, Trust};
pub use wire::{split_tags, Guest, GuestType, Node, TaskStatus, Upid, Version};
