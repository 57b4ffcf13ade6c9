//! Image update detection: which tag a container may move to, and what its labels ask.

pub mod labels;
pub mod version;

pub use labels::WatchLabels;
pub use version::{newest_tag, TagVersion, UpdatePolicy};
