//! Limits and defaults of user input, in one place: the services enforce them and the UI
//! reads them from the generated bindings (`RULES`), so the two never disagree.

use serde::{Deserialize, Serialize};
use specta::Type;

/// A device's name: 1 to this many characters, after trimming.
pub const DEVICE_NAME_MAX: u32 = 64;
/// Seconds between full resyncs of a device's inventory.
pub const RESYNC_SECS_DEFAULT: u32 = 300;
pub const RESYNC_SECS_MIN: u32 = 10;
pub const RESYNC_SECS_MAX: u32 = 86_400;
/// Seconds between stats rounds; 0 turns collection off.
pub const STATS_SECS_DEFAULT: u32 = 10;
pub const STATS_SECS_MIN: u32 = 5;
pub const STATS_SECS_MAX: u32 = 3_600;
/// The Docker engine's socket where nothing else is said.
pub const DEFAULT_DOCKER_SOCKET: &str = "/var/run/docker.sock";
/// Docker's port for TCP with TLS.
pub const DEFAULT_TLS_PORT: u16 = 2376;
/// The name of the local engine's device, and of a device whose name was left empty.
pub const LOCAL_DEVICE_NAME: &str = "This computer";
/// A container's display name (Squirrel's own label): at most this many characters.
pub const DISPLAY_NAME_MAX: u32 = 128;

/// The same limits and defaults as one value, exported to the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Rules {
    pub device_name_max: u32,
    pub resync_secs_default: u32,
    pub resync_secs_min: u32,
    pub resync_secs_max: u32,
    pub stats_secs_default: u32,
    pub stats_secs_min: u32,
    pub stats_secs_max: u32,
    pub default_docker_socket: String,
    pub default_tls_port: u16,
    pub local_device_name: String,
    pub display_name_max: u32,
}

impl Rules {
    pub fn current() -> Self {
        Self {
            device_name_max: DEVICE_NAME_MAX,
            resync_secs_default: RESYNC_SECS_DEFAULT,
            resync_secs_min: RESYNC_SECS_MIN,
            resync_secs_max: RESYNC_SECS_MAX,
            stats_secs_default: STATS_SECS_DEFAULT,
            stats_secs_min: STATS_SECS_MIN,
            stats_secs_max: STATS_SECS_MAX,
            default_docker_socket: DEFAULT_DOCKER_SOCKET.into(),
            default_tls_port: DEFAULT_TLS_PORT,
            local_device_name: LOCAL_DEVICE_NAME.into(),
            display_name_max: DISPLAY_NAME_MAX,
        }
    }
}

/// A resync interval the watcher accepts, clamped into range.
pub fn resync_interval(secs: u32) -> u32 {
    secs.clamp(RESYNC_SECS_MIN, RESYNC_SECS_MAX)
}

/// A stats interval the collector accepts: 0 (off), else clamped into range.
pub fn stats_interval(secs: u32) -> u32 {
    if secs == 0 {
        0
    } else {
        secs.clamp(STATS_SECS_MIN, STATS_SECS_MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_clamped_and_zero_stats_means_off() {
        assert_eq!(resync_interval(1), RESYNC_SECS_MIN);
        assert_eq!(resync_interval(1_000_000), RESYNC_SECS_MAX);
        assert_eq!(stats_interval(0), 0);
        assert_eq!(stats_interval(1), STATS_SECS_MIN);
        assert_eq!(stats_interval(99_999), STATS_SECS_MAX);
        assert_eq!(stats_interval(30), 30);
    }

    #[test]
    fn the_exported_rules_are_the_constants() {
        let r = Rules::current();
        assert_eq!(r.device_name_max, DEVICE_NAME_MAX);
        assert_eq!(r.default_docker_socket, DEFAULT_DOCKER_SOCKET);
        assert_eq!(r.local_device_name, LOCAL_DEVICE_NAME);
    }
}
