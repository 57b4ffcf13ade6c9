//! Engines found on this computer: the local socket and the Docker CLI's contexts.

use squirrel_core::model::DiscoveredEngine;
use squirrel_core::rules::DEFAULT_DOCKER_SOCKET;

/// The local engine's socket: `DOCKER_HOST` when it names a unix socket, else the default.
pub fn local_docker_socket() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .and_then(|h| h.strip_prefix("unix://").map(str::to_string))
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| DEFAULT_DOCKER_SOCKET.into())
}

/// The Docker CLI's contexts and `DOCKER_HOST`, as candidates for import.
pub fn discover_engines() -> Vec<DiscoveredEngine> {
    let host = std::env::var("DOCKER_HOST").ok();
    squirrel_docker::contexts::discover(
        squirrel_docker::contexts::docker_config_dir().as_deref(),
        host.as_deref(),
    )
}
