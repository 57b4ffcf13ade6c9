//! Proxmox VE for Squirrel: the API client (an API token, or a password and a renewed
//! ticket; the certificate pinned by its fingerprint, or checked against a CA), every guest
//! of a cluster in one call, lifecycle actions as tasks followed to their end, a guest's
//! configuration and snapshots, and its recorded load to fill the history. Protocol facts: `shared/reference/proxmox.md`.

mod client;
mod details;
mod driver;
mod known;
mod mapping;
mod tls;
mod wire;

pub use client::{
    api_base, check_token_id, is_token_id, PveClient, PveError, DEFAULT_PORT, TICKET_RENEWAL,
};
pub use details::{guest_details, rrd_samples};
pub use driver::{ProxmoxDriver, PveDeps, POLL_PERIOD};
pub use known::KnownCertificates;
pub use mapping::{engine_id, observation, parse_engine_id};
pub use tls::{Fingerprint, Trust};
pub use wire::{split_tags, Guest, GuestType, Node, TaskStatus, Upid, Version};
