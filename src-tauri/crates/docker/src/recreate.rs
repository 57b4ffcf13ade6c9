//! Recreating a container as `docker compose up` would after a pull: the create body is the
//! old container's own (its inspect: config, host settings, networks), on the new image,
//! less what the old container only had from its old image, so that the new image's
//! defaults apply. Anonymous volumes are mounted again by name, so no data stays behind
//! with the old container.

use std::collections::{HashMap, HashSet};

use bollard::models::{
    ContainerCreateBody, ContainerInspectResponse, ContainerStateStatusEnum, EndpointSettings,
    HealthStatusEnum, ImageConfig, MountType, NetworkConnectRequest, NetworkingConfig, PortBinding,
    RestartPolicy, RestartPolicyNameEnum,
};
use bollard::query_parameters::{CreateContainerOptions, InspectContainerOptions};
use bollard::Docker;
use squirrel_core::templates::{PortSpec, Protocol, RestartPolicy as Policy};
use squirrel_core::updates::{ContainerEdits, HealthState, RecreateSource, RunState};
use squirrel_core::EngineError;

use crate::client::engine_error;

/// The body of the new container, and the networks it joins once created (older engines
/// take one network at create).
#[derive(Debug)]
pub(crate) struct Recreated {
    pub body: ContainerCreateBody,
    pub more_networks: Vec<(String, EndpointSettings)>,
}

pub(crate) async fn source(docker: &Docker, id: &str) -> Result<RecreateSource, EngineError> {
    let c = docker
        .inspect_container(id, None::<InspectContainerOptions>)
        .await
        .map_err(engine_error)?;
    let name = c
        .name
        .as_deref()
        .unwrap_or_default()
        .trim_start_matches('/')
        .to_owned();
    let image_id = c.image.clone().unwrap_or_default();
    let image = c
        .config
        .as_ref()
        .and_then(|cfg| cfg.image.clone())
        .unwrap_or_else(|| image_id.clone());
    let state = c.state.as_ref();
    Ok(RecreateSource {
        engine_id: c.id.clone().unwrap_or_else(|| id.to_owned()),
        name,
        image,
        image_id,
        running: state.and_then(|s| s.running).unwrap_or(false),
        auto_remove: c
            .host_config
            .as_ref()
            .and_then(|h| h.auto_remove)
            .unwrap_or(false),
        stop_timeout_secs: c
            .config
            .as_ref()
            .and_then(|cfg| cfg.stop_timeout)
            .and_then(|t| u32::try_from(t).ok()),
    })
}

pub(crate) async fn run_state(docker: &Docker, id: &str) -> Result<RunState, EngineError> {
    let c = docker
        .inspect_container(id, None::<InspectContainerOptions>)
        .await
        .map_err(engine_error)?;
    Ok(state_of(&c))
}

fn state_of(c: &ContainerInspectResponse) -> RunState {
    let Some(s) = c.state.as_ref() else {
        return RunState::default();
    };
    RunState {
        running: s.running.unwrap_or(false) && s.status != Some(ContainerStateStatusEnum::EXITED),
        restarting: s.restarting.unwrap_or(false),
        exit_code: s.exit_code,
        restart_count: c.restart_count.unwrap_or(0),
        health: s.health.as_ref().and_then(|h| match h.status? {
            HealthStatusEnum::STARTING => Some(HealthState::Starting),
            HealthStatusEnum::HEALTHY => Some(HealthState::Healthy),
            HealthStatusEnum::UNHEALTHY => Some(HealthState::Unhealthy),
            HealthStatusEnum::NONE | HealthStatusEnum::EMPTY => None,
        }),
        oom_killed: s.oom_killed.unwrap_or(false),
        error: s.error.clone().filter(|e| !e.trim().is_empty()),
    }
}

pub(crate) async fn create_like(
    docker: &Docker,
    source_id: &str,
    name: &str,
    image: &str,
    edits: &ContainerEdits,
) -> Result<String, EngineError> {
    let old = docker
        .inspect_container(source_id, None::<InspectContainerOptions>)
        .await
        .map_err(engine_error)?;
    // Without its image (removed since), nothing can be told apart: all is kept.
    let old_image = match old.image.as_deref() {
        Some(id) => docker.inspect_image(id).await.ok().and_then(|i| i.config),
        None => None,
    };
    let Recreated {
        body,
        more_networks,
    } = plan(&old, old_image.as_ref(), image, edits)?;
    let options = CreateContainerOptions {
        name: Some(name.to_owned()),
        ..Default::default()
    };
    let created = docker
        .create_container(Some(options), body)
        .await
        .map_err(engine_error)?;
    for (network, endpoint) in more_networks {
        let joined = docker
            .connect_network(
                &network,
                NetworkConnectRequest {
                    container: created.id.clone(),
                    endpoint_config: Some(endpoint),
                },
            )
            .await;
        if let Err(e) = joined {
            // A container that lacks a network must not replace the old one.
            let _ = docker
                .remove_container(
                    &created.id,
                    Some(bollard::query_parameters::RemoveContainerOptions {
                        force: true,
                        ..Default::default()
                    }),
                )
                .await;
            return Err(EngineError::Other(format!(
                "the new container could not join network {network}: {}",
                engine_error(e)
            )));
        }
    }
    Ok(created.id)
}

/// The new container's body: the old one's, on `image`, with `edits`.
pub(crate) fn plan(
    old: &ContainerInspectResponse,
    old_image: Option<&ImageConfig>,
    image: &str,
    edits: &ContainerEdits,
) -> Result<Recreated, EngineError> {
    let config = old.config.clone().ok_or_else(|| {
        EngineError::Other("the engine did not say how the container is configured".into())
    })?;
    let mut host = old.host_config.clone().unwrap_or_default();
    let short_id: String = old
        .id
        .as_deref()
        .unwrap_or_default()
        .chars()
        .take(12)
        .collect();
    let from_image = old_image.cloned().unwrap_or_default();
    let same_entrypoint = config.entrypoint == from_image.entrypoint;

    let image_env: HashSet<&String> = from_image.env.iter().flatten().collect();
    let env: Vec<String> = match &edits.env {
        Some(edited) => edited
            .iter()
            .filter(|e| !e.name.trim().is_empty())
            .map(|e| format!("{}={}", e.name.trim(), e.value))
            .collect(),
        None => config.env.clone().unwrap_or_default(),
    };
    let env: Vec<String> = env.into_iter().filter(|e| !image_env.contains(e)).collect();

    let image_labels = from_image.labels.clone().unwrap_or_default();
    let labels: HashMap<String, String> = config
        .labels
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, v)| image_labels.get(k) != Some(v))
        .collect();

    let image_ports: HashSet<&String> = from_image.exposed_ports.iter().flatten().collect();
    let mut exposed: Vec<String> = config
        .exposed_ports
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|p| !image_ports.contains(p))
        .collect();

    // Anonymous volumes go with their data: mounted again by name where they were, whether
    // given with `-v /path` (binds below) or `--mount type=volume,dst=/path` (a mount with
    // no source, which would otherwise make a fresh, empty volume).
    for mount in host.mounts.iter_mut().flatten() {
        let anonymous = mount.typ == Some(MountType::VOLUME)
            && mount.source.as_deref().is_none_or(str::is_empty);
        if !anonymous {
            continue;
        }
        let name = old
            .mounts
            .iter()
            .flatten()
            .find(|m| m.destination.is_some() && m.destination == mount.target)
            .and_then(|m| m.name.clone());
        if let Some(name) = name {
            mount.source = Some(name);
        }
    }
    let mut taken: HashSet<String> = host
        .binds
        .iter()
        .flatten()
        .filter_map(|b| b.split(':').nth(1).map(str::to_owned))
        .collect();
    taken.extend(
        host.mounts
            .iter()
            .flatten()
            .filter_map(|m| m.target.clone()),
    );
    let mut binds = host.binds.clone().unwrap_or_default();
    for m in old.mounts.iter().flatten() {
        let (Some("volume"), Some(name), Some(dest)) = (
            m.typ.as_deref(),
            m.name.as_deref(),
            m.destination.as_deref(),
        ) else {
            continue;
        };
        if taken.contains(dest) {
            continue;
        }
        taken.insert(dest.to_owned());
        let ro = if m.rw == Some(false) { ":ro" } else { "" };
        binds.push(format!("{name}:{dest}{ro}"));
    }
    host.binds = (!binds.is_empty()).then_some(binds);
    // Links read back as `/other:/this/alias`; create takes `other:alias`.
    host.links = host.links.map(|links| {
        links
            .into_iter()
            .filter_map(|l| {
                let (target, alias) = l.split_once(':')?;
                let alias = alias.rsplit('/').next().unwrap_or(alias);
                Some(format!("{}:{alias}", target.trim_start_matches('/')))
            })
            .collect()
    });
    // The engine's own defaults, recomputed for the new container.
    host.masked_paths = None;
    host.readonly_paths = None;
    host.container_id_file = None;

    if let Some(ports) = &edits.ports {
        let mut map: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
        for p in ports {
            let key = port_key(p);
            map.entry(key.clone())
                .or_insert_with(|| Some(Vec::new()))
                .get_or_insert_with(Vec::new)
                .push(PortBinding {
                    host_ip: p.host_ip.clone().filter(|ip| !ip.trim().is_empty()),
                    host_port: p.host_port.map(|h| h.to_string()),
                });
            if !exposed.contains(&key) && !image_ports.contains(&key) {
                exposed.push(key);
            }
        }
        host.port_bindings = Some(map);
    }
    if let Some(limits) = &edits.limits {
        host.memory = Some(limits.memory_bytes.map_or(0, |b| b.round() as i64));
        host.memory_swap = None;
        host.nano_cpus = Some(limits.cpus.map_or(0, |c| (c * 1e9).round() as i64));
        host.cpu_quota = None;
        host.cpu_period = None;
    }
    if let Some(policy) = edits.restart_policy {
        host.restart_policy = Some(RestartPolicy {
            name: Some(match policy {
                Policy::No => RestartPolicyNameEnum::NO,
                Policy::Always => RestartPolicyNameEnum::ALWAYS,
                Policy::OnFailure => RestartPolicyNameEnum::ON_FAILURE,
                Policy::UnlessStopped => RestartPolicyNameEnum::UNLESS_STOPPED,
            }),
            maximum_retry_count: None,
        });
    }

    // Networks: the primary one at create, the others joined after.
    let mode = host.network_mode.clone().unwrap_or_default();
    let shares = matches!(mode.as_str(), "host" | "none") || mode.starts_with("container:");
    let primary = if mode == "default" {
        "bridge".to_owned()
    } else {
        mode.clone()
    };
    let mut endpoints = HashMap::new();
    let mut more_networks = Vec::new();
    if !shares {
        let mut networks: Vec<(&String, &EndpointSettings)> = old
            .network_settings
            .as_ref()
            .and_then(|n| n.networks.as_ref())
            .map(|n| n.iter().collect())
            .unwrap_or_default();
        networks.sort_by(|a, b| a.0.cmp(b.0));
        for (name, settings) in networks {
            let endpoint = EndpointSettings {
                ipam_config: settings.ipam_config.clone(),
                links: settings.links.clone(),
                aliases: settings.aliases.clone().map(|aliases| {
                    aliases
                        .into_iter()
                        .filter(|a| a != &short_id && old.id.as_deref().is_none_or(|id| id != a))
                        .collect()
                }),
                driver_opts: settings.driver_opts.clone(),
                gw_priority: settings.gw_priority,
                ..Default::default()
            };
            if *name == primary || (primary.is_empty() && endpoints.is_empty()) {
                endpoints.insert(name.clone(), endpoint);
            } else {
                more_networks.push((name.clone(), endpoint));
            }
        }
    }

    let keep_if_own =
        |own: Option<String>, from: &Option<String>| own.filter(|v| Some(v) != from.as_ref());
    let hostname = config
        .hostname
        .clone()
        .filter(|h| !h.is_empty() && *h != short_id);
    let (entrypoint, cmd) = if same_entrypoint {
        (
            None,
            config
                .cmd
                .clone()
                .filter(|c| Some(c) != from_image.cmd.as_ref()),
        )
    } else {
        (config.entrypoint.clone(), config.cmd.clone())
    };
    let body = ContainerCreateBody {
        hostname,
        domainname: config.domainname.clone().filter(|d| !d.is_empty()),
        user: keep_if_own(config.user.clone(), &from_image.user),
        attach_stdin: config.attach_stdin,
        attach_stdout: config.attach_stdout,
        attach_stderr: config.attach_stderr,
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        tty: config.tty,
        open_stdin: config.open_stdin,
        stdin_once: config.stdin_once,
        env: Some(env),
        cmd,
        healthcheck: config
            .healthcheck
            .clone()
            .filter(|h| Some(h) != from_image.healthcheck.as_ref()),
        image: Some(image.to_owned()),
        working_dir: keep_if_own(config.working_dir.clone(), &from_image.working_dir)
            .filter(|w| !w.is_empty()),
        entrypoint,
        network_disabled: config.network_disabled,
        labels: Some(labels),
        stop_signal: keep_if_own(config.stop_signal.clone(), &from_image.stop_signal),
        stop_timeout: config.stop_timeout,
        shell: config
            .shell
            .clone()
            .filter(|s| Some(s) != from_image.shell.as_ref()),
        host_config: Some(host),
        networking_config: (!endpoints.is_empty()).then_some(NetworkingConfig {
            endpoints_config: Some(endpoints),
        }),
        ..Default::default()
    };
    Ok(Recreated {
        body,
        more_networks,
    })
}

fn port_key(p: &PortSpec) -> String {
    format!(
        "{}/{}",
        p.container_port,
        match p.protocol {
            Protocol::Udp => "udp",
            _ => "tcp",
        }
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use squirrel_core::ports::{EnvVar, ResourceLimits};

    /// An inspect as a real engine answers it (Docker 28), trimmed to what matters here.
    fn inspect() -> ContainerInspectResponse {
        serde_json::from_value(serde_json::json!({
            "Id": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "Name": "/web",
            "Image": "sha256:aaaa",
            "RestartCount": 0,
            "State": {"Status": "running", "Running": true, "ExitCode": 0},
            "Config": {
                "Hostname": "0123456789ab",
                "Env": ["PATH=/usr/bin", "TZ=Europe/Paris", "APP_MODE=prod"],
                "Cmd": ["nginx", "-g", "daemon off;"],
                "Entrypoint": ["/entry.sh"],
                "Image": "nginx:1.25",
                "WorkingDir": "/srv",
                "Labels": {"maintainer": "nginx", "team": "home"},
                "ExposedPorts": {"80/tcp": {}, "9000/tcp": {}},
                "Volumes": {"/cache": {}},
                "StopSignal": "SIGQUIT"
            },
            "HostConfig": {
                "Binds": ["/srv/site:/usr/share/nginx/html:ro"],
                "PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]},
                "RestartPolicy": {"Name": "unless-stopped", "MaximumRetryCount": 0},
                "NetworkMode": "front",
                "Links": ["/db:/web/database"],
                "Memory": 268435456,
                "MaskedPaths": ["/proc/kcore"],
                "ContainerIDFile": ""
            },
            "Mounts": [
                {"Type": "bind", "Source": "/srv/site", "Destination": "/usr/share/nginx/html", "RW": false},
                {"Type": "volume", "Name": "f00d", "Source": "/var/lib/docker/volumes/f00d/_data", "Destination": "/cache", "RW": true}
            ],
            "NetworkSettings": {"Networks": {
                "front": {"Aliases": ["web", "0123456789ab"], "IPAMConfig": {"IPv4Address": "172.30.0.9"}, "IPAddress": "172.30.0.9", "MacAddress": "02:42:ac:1e:00:09"},
                "back": {"Aliases": null, "IPAddress": "172.31.0.2"}
            }}
        }))
        .unwrap()
    }

    fn image_config() -> ImageConfig {
        serde_json::from_value(serde_json::json!({
            "Env": ["PATH=/usr/bin", "NGINX_VERSION=1.25.0"],
            "Cmd": ["nginx", "-g", "daemon off;"],
            "Entrypoint": ["/entry.sh"],
            "WorkingDir": "/srv",
            "Labels": {"maintainer": "nginx"},
            "ExposedPorts": {"80/tcp": {}},
            "Volumes": {"/cache": {}},
            "StopSignal": "SIGQUIT"
        }))
        .unwrap()
    }

    #[test]
    fn the_old_containers_own_settings_go_to_the_new_image_and_its_images_do_not() {
        let r = plan(
            &inspect(),
            Some(&image_config()),
            "nginx:1.26",
            &ContainerEdits::default(),
        )
        .unwrap();
        let b = r.body;
        assert_eq!(b.image.as_deref(), Some("nginx:1.26"));
        // The image's own values are left for the new image to give.
        assert_eq!(b.env.unwrap(), ["TZ=Europe/Paris", "APP_MODE=prod"]);
        assert_eq!(b.cmd, None);
        assert_eq!(b.entrypoint, None);
        assert_eq!(b.working_dir, None);
        assert_eq!(b.stop_signal, None);
        assert_eq!(
            b.labels.unwrap(),
            HashMap::from([("team".to_string(), "home".to_string())])
        );
        assert_eq!(b.exposed_ports.unwrap(), ["9000/tcp"]);
        // The hostname the engine chose (the short id) is not carried over.
        assert_eq!(b.hostname, None);
        let host = b.host_config.unwrap();
        assert_eq!(
            host.binds.unwrap(),
            ["/srv/site:/usr/share/nginx/html:ro", "f00d:/cache"],
            "the anonymous volume follows by name"
        );
        assert_eq!(host.links.unwrap(), ["db:database"]);
        assert_eq!(host.memory, Some(268_435_456));
        assert_eq!(host.masked_paths, None);
        assert_eq!(
            host.restart_policy.unwrap().name,
            Some(RestartPolicyNameEnum::UNLESS_STOPPED)
        );
        let endpoints = b.networking_config.unwrap().endpoints_config.unwrap();
        let front = &endpoints["front"];
        assert_eq!(front.aliases.as_deref(), Some(&["web".to_string()][..]));
        assert_eq!(
            front.ipam_config.as_ref().unwrap().ipv4_address.as_deref(),
            Some("172.30.0.9")
        );
        assert_eq!(front.mac_address, None);
        assert_eq!(r.more_networks.len(), 1);
        assert_eq!(r.more_networks[0].0, "back");
    }

    #[test]
    fn an_overridden_entrypoint_keeps_its_command() {
        let mut image = image_config();
        image.entrypoint = Some(vec!["/other".into()]);
        let b = plan(
            &inspect(),
            Some(&image),
            "nginx:1.26",
            &ContainerEdits::default(),
        )
        .unwrap()
        .body;
        assert_eq!(b.entrypoint.unwrap(), ["/entry.sh"]);
        assert_eq!(b.cmd.unwrap(), ["nginx", "-g", "daemon off;"]);
    }

    #[test]
    fn without_the_old_image_everything_is_kept() {
        let b = plan(&inspect(), None, "nginx:1.26", &ContainerEdits::default())
            .unwrap()
            .body;
        assert_eq!(b.env.unwrap().len(), 3);
        assert_eq!(b.cmd.unwrap().len(), 3);
    }

    #[test]
    fn edits_replace_env_ports_limits_and_policy() {
        let edits = ContainerEdits {
            env: Some(vec![
                EnvVar {
                    name: "PATH".into(),
                    value: "/usr/bin".into(),
                },
                EnvVar {
                    name: "TZ".into(),
                    value: "UTC".into(),
                },
            ]),
            ports: Some(vec![PortSpec {
                host_ip: Some("127.0.0.1".into()),
                host_port: Some(8443),
                container_port: 443,
                protocol: Protocol::Tcp,
            }]),
            limits: Some(ResourceLimits {
                cpus: Some(1.5),
                memory_bytes: None,
            }),
            restart_policy: Some(Policy::Always),
        };
        let b = plan(&inspect(), Some(&image_config()), "nginx:1.25", &edits)
            .unwrap()
            .body;
        assert_eq!(b.env.unwrap(), ["TZ=UTC"]);
        assert!(b.exposed_ports.unwrap().contains(&"443/tcp".to_string()));
        let host = b.host_config.unwrap();
        let ports = host.port_bindings.unwrap();
        assert_eq!(ports.len(), 1);
        let bound = ports["443/tcp"].as_ref().unwrap();
        assert_eq!(bound[0].host_port.as_deref(), Some("8443"));
        assert_eq!(bound[0].host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(host.memory, Some(0), "unlimited");
        assert_eq!(host.nano_cpus, Some(1_500_000_000));
        assert_eq!(
            host.restart_policy.unwrap().name,
            Some(RestartPolicyNameEnum::ALWAYS)
        );
    }

    #[test]
    fn an_anonymous_volume_given_as_a_mount_is_mounted_again_by_name() {
        let mut old = inspect();
        old.host_config.as_mut().unwrap().mounts = Some(vec![serde_json::from_value(
            serde_json::json!({"Type": "volume", "Target": "/cache"}),
        )
        .unwrap()]);
        let b = plan(&old, None, "nginx:1.26", &ContainerEdits::default())
            .unwrap()
            .body;
        let host = b.host_config.unwrap();
        let mounts = host.mounts.unwrap();
        assert_eq!(mounts[0].source.as_deref(), Some("f00d"));
        // Not bound a second time.
        assert!(!host
            .binds
            .unwrap_or_default()
            .iter()
            .any(|b| b.contains("/cache")));
    }

    #[test]
    fn a_shared_network_stack_takes_no_endpoint() {
        let mut old = inspect();
        old.host_config.as_mut().unwrap().network_mode = Some("container:vpn".into());
        let r = plan(&old, None, "x:1", &ContainerEdits::default()).unwrap();
        assert!(r.body.networking_config.is_none());
        assert!(r.more_networks.is_empty());
    }

    proptest! {
        /// Whatever the environments, the new container gets exactly the old one's entries
        /// that its image did not give, in their order.
        #[test]
        fn only_the_images_env_is_left_out(
            own in proptest::collection::vec("[A-Z]{1,3}=[a-z0-9]{0,3}", 0..8),
            given in proptest::collection::vec("[A-Z]{1,3}=[a-z0-9]{0,3}", 0..8),
        ) {
            let mut old = inspect();
            let mut env = given.clone();
            env.extend(own.iter().cloned());
            old.config.as_mut().unwrap().env = Some(env.clone());
            let image = ImageConfig { env: Some(given.clone()), ..Default::default() };
            let b = plan(&old, Some(&image), "x:1", &ContainerEdits::default()).unwrap().body;
            let expected: Vec<String> = env.into_iter().filter(|e| !given.contains(e)).collect();
            prop_assert_eq!(b.env.unwrap(), expected);
        }

        /// An inspect of any shape (fields missing, odd links and mounts) gives a body or an
        /// error, never a panic.
        #[test]
        fn any_inspect_is_read_without_panicking(
            links in proptest::collection::vec(".{0,12}", 0..4),
            mode in prop_oneof![Just(""), Just("default"), Just("host"), Just("container:x"), Just("front")],
            dest in proptest::option::of("/[a-z]{0,6}"),
            no_config in any::<bool>(),
        ) {
            let mut old = inspect();
            let host = old.host_config.as_mut().unwrap();
            host.links = Some(links);
            host.network_mode = Some(mode.to_string());
            if let Some(mounts) = old.mounts.as_mut() {
                mounts[1].destination = dest;
            }
            if no_config {
                old.config = None;
            }
            let _ = plan(&old, Some(&image_config()), "x:1", &ContainerEdits::default());
        }
    }
}
