//! Engine API models → domain entities.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bollard::models::{
    ContainerInspectResponse, ContainerSummary, HostConfig, ImageSummary, MountPoint as ApiMount,
    Network as ApiNetwork, Volume as ApiVolume,
};
use squirrel_core::model::{
    ContainerKind, ContainerObservation, ContainerState, Image, MountPoint, Network, PortMapping,
    Volume,
};
use squirrel_core::ports::{ContainerDetails, EnvVar, NetworkAttachment, ResourceLimits};

/// What the engine's status line (`Exited (137) 2 minutes ago`, `Up 3 minutes (healthy)`)
/// says about the exit code and health.
pub fn parse_status_line(status: &str) -> (Option<i32>, Option<String>) {
    let exit_code = status
        .strip_prefix("Exited (")
        .and_then(|rest| rest.split_once(')'))
        .and_then(|(code, _)| code.parse().ok());
    let health = if status.contains("(healthy)") {
        Some("healthy")
    } else if status.contains("(unhealthy)") {
        Some("unhealthy")
    } else if status.contains("(health: starting)") {
        Some("starting")
    } else {
        None
    };
    (exit_code, health.map(str::to_string))
}

/// `None` for "every address" (`0.0.0.0`, `::` or empty), so that one mapping published on
/// both address families shows once.
fn host_ip(ip: Option<String>) -> Option<String> {
    ip.filter(|ip| !matches!(ip.as_str(), "" | "0.0.0.0" | "::"))
}

/// The engine's `Command` column: the path, then the arguments, quoted when they hold spaces.
fn command_line(path: Option<String>, args: Option<Vec<String>>) -> String {
    let mut line = path.unwrap_or_default();
    for arg in args.unwrap_or_default() {
        line.push(' ');
        if arg.contains(' ') {
            line.push_str(&format!("'{arg}'"));
        } else {
            line.push_str(&arg);
        }
    }
    line
}

/// Published and exposed ports from inspect's `NetworkSettings.Ports`, deduplicated.
fn port_map(map: Option<bollard::models::PortMap>) -> Vec<PortMapping> {
    let mut ports: BTreeSet<(u16, Option<u16>, String, Option<String>)> = BTreeSet::new();
    for (key, bindings) in map.unwrap_or_default() {
        let (port, protocol) = key.split_once('/').unwrap_or((key.as_str(), "tcp"));
        let Ok(private_port) = port.parse::<u16>() else {
            continue;
        };
        let bindings = bindings.unwrap_or_default();
        if bindings.is_empty() {
            ports.insert((private_port, None, protocol.to_string(), None));
        }
        for b in bindings {
            let public = b.host_port.and_then(|p| p.parse().ok());
            ports.insert((
                private_port,
                public,
                protocol.to_string(),
                host_ip(b.host_ip),
            ));
        }
    }
    ports
        .into_iter()
        .map(|(private_port, public_port, protocol, ip)| PortMapping {
            ip,
            private_port,
            public_port,
            protocol,
        })
        .collect()
}

/// The same observation as [`container`], from an inspect (which reflects an event at once,
/// while the engine's list can lag behind it).
pub(crate) fn container_from_inspect(i: ContainerInspectResponse) -> Option<ContainerObservation> {
    let engine_id = i.id?;
    let config = i.config.unwrap_or_default();
    let state = i.state.unwrap_or_default();
    let status = state
        .status
        .map(|s| ContainerState::parse(s.as_ref()))
        .unwrap_or(ContainerState::Unknown);
    let network_settings = i.network_settings.unwrap_or_default();
    let mut networks: Vec<String> = network_settings
        .networks
        .map(|n| n.into_keys().collect())
        .unwrap_or_default();
    networks.sort();
    Some(ContainerObservation {
        name: i
            .name
            .map(|n| n.trim_start_matches('/').to_string())
            .unwrap_or_else(|| engine_id.chars().take(12).collect()),
        engine_id,
        image: config.image.unwrap_or_default(),
        image_id: i.image.unwrap_or_default(),
        command: command_line(i.path, i.args),
        state: status,
        exit_code: if status == ContainerState::Exited {
            state.exit_code.and_then(|c| i32::try_from(c).ok())
        } else {
            None
        },
        health: state
            .health
            .and_then(|h| h.status)
            .map(|s| s.to_string())
            .filter(|s| !s.is_empty() && s != "none"),
        created: i
            .created
            .as_deref()
            .and_then(crate::rfc3339::parse_unix_secs)
            .unwrap_or_default(),
        ports: port_map(network_settings.ports),
        labels: sorted_labels(config.labels),
        networks,
        mounts: i
            .mounts
            .unwrap_or_default()
            .into_iter()
            .map(mount)
            .collect(),
        kind: ContainerKind::Docker,
        guest: None,
    })
}

fn sorted_labels(labels: Option<HashMap<String, String>>) -> BTreeMap<String, String> {
    labels.unwrap_or_default().into_iter().collect()
}

fn mount(m: ApiMount) -> MountPoint {
    MountPoint {
        kind: m.typ.unwrap_or_default(),
        source: m
            .name
            .filter(|n| !n.is_empty())
            .or(m.source)
            .unwrap_or_default(),
        destination: m.destination.unwrap_or_default(),
        read_only: !m.rw.unwrap_or(true),
    }
}

pub(crate) fn container(c: ContainerSummary) -> Option<ContainerObservation> {
    let engine_id = c.id?;
    let status = c.status.unwrap_or_default();
    let (exit_code, status_health) = parse_status_line(&status);
    let health = c
        .health
        .and_then(|h| h.status)
        .map(|s| s.to_string())
        .filter(|s| !s.is_empty() && s != "none")
        .or(status_health);
    let state = c
        .state
        .map(|s| ContainerState::parse(s.as_ref()))
        .unwrap_or(ContainerState::Unknown);
    // The engine lists one entry per address family; keep each mapping once.
    let ports: BTreeSet<(u16, Option<u16>, String, Option<String>)> = c
        .ports
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            (
                p.private_port,
                p.public_port,
                p.typ.map(|t| t.to_string()).unwrap_or_else(|| "tcp".into()),
                host_ip(p.ip),
            )
        })
        .collect();
    let mut networks: Vec<String> = c
        .network_settings
        .and_then(|n| n.networks)
        .map(|n| n.into_keys().collect())
        .unwrap_or_default();
    networks.sort();
    Some(ContainerObservation {
        name: c
            .names
            .and_then(|n| n.into_iter().next())
            .map(|n| n.trim_start_matches('/').to_string())
            .unwrap_or_else(|| engine_id.chars().take(12).collect()),
        engine_id,
        image: c.image.unwrap_or_default(),
        image_id: c.image_id.unwrap_or_default(),
        command: c.command.unwrap_or_default(),
        state,
        exit_code: if state == ContainerState::Exited {
            exit_code
        } else {
            None
        },
        health,
        created: c.created.unwrap_or_default(),
        ports: ports
            .into_iter()
            .map(|(private_port, public_port, protocol, ip)| PortMapping {
                ip,
                private_port,
                public_port,
                protocol,
            })
            .collect(),
        labels: sorted_labels(c.labels),
        networks,
        mounts: c
            .mounts
            .unwrap_or_default()
            .into_iter()
            .map(mount)
            .collect(),
        kind: ContainerKind::Docker,
        guest: None,
    })
}

pub(crate) fn image(device_uuid: &str, i: ImageSummary) -> Image {
    let mut repo_tags: Vec<String> = i
        .repo_tags
        .into_iter()
        .filter(|t| t != "<none>:<none>")
        .collect();
    repo_tags.sort();
    let mut repo_digests: Vec<String> = i
        .repo_digests
        .into_iter()
        .filter(|d| d != "<none>@<none>")
        .collect();
    repo_digests.sort();
    Image {
        device_uuid: device_uuid.to_string(),
        id: i.id,
        repo_tags,
        repo_digests,
        size: i.size,
        created: i.created,
    }
}

pub(crate) fn volume(device_uuid: &str, v: ApiVolume) -> Volume {
    Volume {
        device_uuid: device_uuid.to_string(),
        name: v.name,
        driver: v.driver,
        mountpoint: v.mountpoint,
        labels: v.labels.into_iter().collect(),
    }
}

pub(crate) fn network(device_uuid: &str, n: ApiNetwork) -> Network {
    Network {
        device_uuid: device_uuid.to_string(),
        id: n.id.unwrap_or_default(),
        name: n.name.unwrap_or_default(),
        driver: n.driver.unwrap_or_default(),
        scope: n.scope.unwrap_or_default(),
        internal: n.internal.unwrap_or(false),
    }
}

/// CPU and memory limits from a container's host config. `--cpus` is stored as `NanoCpus`;
/// `--cpu-quota` with `--cpu-period` (default 100 ms) says the same in another way.
pub(crate) fn resource_limits(h: Option<&HostConfig>) -> ResourceLimits {
    let Some(h) = h else {
        return ResourceLimits::default();
    };
    let cpus = match (h.nano_cpus, h.cpu_quota, h.cpu_period) {
        (Some(nano), _, _) if nano > 0 => Some(nano as f64 / 1e9),
        (_, Some(quota), period) if quota > 0 => {
            let period = period.filter(|p| *p > 0).unwrap_or(100_000);
            Some(quota as f64 / period as f64)
        }
        _ => None,
    };
    ResourceLimits {
        cpus,
        memory_bytes: h.memory.filter(|m| *m > 0).map(|m| m as f64),
    }
}

pub(crate) fn details(i: ContainerInspectResponse) -> ContainerDetails {
    let resources = resource_limits(i.host_config.as_ref());
    let config = i.config.unwrap_or_default();
    let state = i.state.unwrap_or_default();
    let network_settings = i.network_settings.unwrap_or_default();
    let ports = port_map(network_settings.ports);
    let mut networks: Vec<NetworkAttachment> = network_settings
        .networks
        .unwrap_or_default()
        .into_iter()
        .map(|(name, e)| NetworkAttachment {
            name,
            ip_address: e.ip_address.filter(|s| !s.is_empty()),
            gateway: e.gateway.filter(|s| !s.is_empty()),
            mac_address: e.mac_address.filter(|s| !s.is_empty()),
        })
        .collect();
    networks.sort_by(|a, b| a.name.cmp(&b.name));
    let env = config
        .env
        .unwrap_or_default()
        .into_iter()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => EnvVar {
                name: k.to_string(),
                value: v.to_string(),
            },
            None => EnvVar {
                name: kv,
                value: String::new(),
            },
        })
        .collect();
    ContainerDetails {
        engine_id: i.id.unwrap_or_default(),
        name: i
            .name
            .map(|n| n.trim_start_matches('/').to_string())
            .unwrap_or_default(),
        image: config.image.unwrap_or_default(),
        command: config.cmd.unwrap_or_default(),
        entrypoint: config.entrypoint.unwrap_or_default(),
        working_dir: config.working_dir.filter(|s| !s.is_empty()),
        env,
        labels: sorted_labels(config.labels),
        mounts: i
            .mounts
            .unwrap_or_default()
            .into_iter()
            .map(mount)
            .collect(),
        ports,
        networks,
        restart_policy: i
            .host_config
            .and_then(|h| h.restart_policy)
            .and_then(|r| r.name)
            .map(|n| n.to_string())
            .filter(|n| !n.is_empty()),
        started_at: state.started_at.filter(|s| !s.starts_with("0001-")),
        finished_at: state.finished_at.filter(|s| !s.starts_with("0001-")),
        restart_count: i.restart_count.and_then(|n| i32::try_from(n).ok()),
        hostname: config.hostname.filter(|s| !s.is_empty()),
        resources,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_come_from_nano_cpus_or_quota_and_memory() {
        let cpus = HostConfig {
            nano_cpus: Some(1_500_000_000),
            memory: Some(64 << 20),
            ..Default::default()
        };
        assert_eq!(
            resource_limits(Some(&cpus)),
            ResourceLimits {
                cpus: Some(1.5),
                memory_bytes: Some((64u64 << 20) as f64)
            }
        );
        // --cpu-quota 50000 with the default period (reported as 0).
        let quota = HostConfig {
            nano_cpus: Some(0),
            cpu_quota: Some(50_000),
            cpu_period: Some(0),
            memory: Some(0),
            ..Default::default()
        };
        assert_eq!(resource_limits(Some(&quota)).cpus, Some(0.5));
        assert_eq!(resource_limits(Some(&quota)).memory_bytes, None);
        let unlimited = HostConfig {
            cpu_quota: Some(-1),
            ..Default::default()
        };
        assert_eq!(resource_limits(Some(&unlimited)), ResourceLimits::default());
        assert_eq!(resource_limits(None), ResourceLimits::default());
    }

    #[test]
    fn status_lines_give_exit_code_and_health() {
        assert_eq!(
            parse_status_line("Exited (137) 2 minutes ago"),
            (Some(137), None)
        );
        assert_eq!(
            parse_status_line("Up 3 minutes (healthy)"),
            (None, Some("healthy".into()))
        );
        assert_eq!(
            parse_status_line("Up 1 second (health: starting)"),
            (None, Some("starting".into()))
        );
        assert_eq!(
            parse_status_line("Up 5 hours (unhealthy)"),
            (None, Some("unhealthy".into()))
        );
        assert_eq!(parse_status_line("Created"), (None, None));
    }

    #[test]
    fn a_summary_from_the_engine_maps_to_an_observation() {
        let json = r#"{"Id":"abc","Names":["/web"],"Image":"nginx","ImageID":"sha256:1",
          "Command":"nginx -g","Created":1700000000,"State":"exited",
          "Status":"Exited (3) 1 minute ago",
          "Ports":[{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},
                   {"IP":"::","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},
                   {"PrivatePort":443,"Type":"tcp"}],
          "Labels":{"b":"2","a":"<script>"},
          "NetworkSettings":{"Networks":{"front":{},"back":{}}},
          "Mounts":[{"Type":"volume","Name":"data","Source":"/var/lib/x","Destination":"/d","RW":false}]}"#;
        let summary: ContainerSummary = serde_json::from_str(json).unwrap_or_default();
        let Some(o) = container(summary) else {
            panic!("summary with an id maps");
        };
        assert_eq!(o.name, "web");
        assert_eq!(o.state, ContainerState::Exited);
        assert_eq!(o.exit_code, Some(3));
        assert_eq!(
            o.ports.len(),
            2,
            "one entry per mapping, whatever the address family"
        );
        assert_eq!(o.networks, vec!["back", "front"]);
        assert_eq!(o.labels.get("a").map(String::as_str), Some("<script>"));
        assert_eq!(o.mounts[0].source, "data");
        assert!(o.mounts[0].read_only);
    }
}
