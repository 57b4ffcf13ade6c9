//! "Save as template": a container template drafted from an existing container's inspect
//! data, for the user to review in the template editor before it is saved.
//!
//! What the engine adds on its own is left out (the image's `PATH`, the default hostname,
//! labels of compose and of the image), and values of variables that look secret are
//! emptied: a template is shared and exported, a password is not.

use std::collections::HashSet;

use super::model::{
    EnvInput, Label, PortSpec, Protocol, RestartPolicy, Template, TemplateKind, VolumeSource,
    VolumeSpec,
};
use super::run_line::shell_quote;
use crate::ports::ContainerDetails;

/// Words in a variable name that mark its value as a secret.
const SECRET_WORDS: [&str; 6] = ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "PASS"];

/// Label prefixes the engine, compose or the image set, not the user.
const FOREIGN_LABELS: [&str; 4] = [
    "com.docker.compose.",
    "org.opencontainers.",
    "org.label-schema.",
    "maintainer",
];

/// A draft template that would create a container like `details`.
pub fn template_from_container(details: &ContainerDetails) -> Template {
    let env = details
        .env
        .iter()
        .filter(|e| e.name != "PATH")
        .map(|e| {
            let secret = looks_secret(&e.name);
            EnvInput {
                name: e.name.clone(),
                label: None,
                description: secret.then(|| "Secret: type it when deploying".to_owned()),
                default: (!secret).then(|| e.value.clone()),
                preset: false,
                fixed: None,
                select: Vec::new(),
            }
        })
        .collect();
    let volumes = details
        .mounts
        .iter()
        .filter_map(|m| {
            let source = match m.kind.as_str() {
                "bind" => VolumeSource::Bind(m.source.clone()),
                "volume" if is_anonymous_volume(&m.source) => VolumeSource::Anonymous,
                "volume" => VolumeSource::Named(m.source.clone()),
                _ => return None,
            };
            Some(VolumeSpec {
                container: m.destination.clone(),
                source,
                readonly: m.read_only,
            })
        })
        .collect();
    let mut seen = HashSet::new();
    let ports = details
        .ports
        .iter()
        .filter_map(|p| {
            let protocol = match p.protocol.as_str() {
                "udp" => Protocol::Udp,
                "tcp" => Protocol::Tcp,
                _ => return None,
            };
            // The engine lists a binding once per address family; one spec covers both.
            let host_ip =
                p.ip.clone()
                    .filter(|ip| !matches!(ip.as_str(), "0.0.0.0" | "::" | ""));
            let spec = PortSpec {
                host_ip,
                host_port: p.public_port,
                container_port: p.private_port,
                protocol,
            };
            seen.insert(spec.clone()).then_some(spec)
        })
        .collect();
    let labels = details
        .labels
        .iter()
        .filter(|(k, _)| !FOREIGN_LABELS.iter().any(|f| k.starts_with(f)))
        .map(|(k, v)| Label {
            name: k.clone(),
            value: v.clone(),
        })
        .collect();
    let command = (!details.command.is_empty()).then(|| {
        details
            .command
            .iter()
            .map(|w| shell_quote(w))
            .collect::<Vec<_>>()
            .join(" ")
    });
    let default_hostname = details.engine_id.get(..12).unwrap_or(&details.engine_id);
    let network = details
        .networks
        .iter()
        .map(|n| n.name.clone())
        .find(|n| n != "bridge");
    Template {
        id: None,
        kind: TemplateKind::Container,
        title: details.name.clone(),
        description: format!("Saved from the container {}", details.name),
        name: Some(details.name.clone()),
        logo: None,
        note: None,
        platform: Some("linux".into()),
        categories: Vec::new(),
        env,
        image: Some(details.image.clone()),
        registry: None,
        command,
        network,
        volumes,
        ports,
        labels,
        privileged: false,
        interactive: false,
        restart_policy: details
            .restart_policy
            .as_deref()
            .and_then(RestartPolicy::parse),
        hostname: details
            .hostname
            .clone()
            .filter(|h| h.as_str() != default_hostname),
        repository: None,
        administrator_only: false,
    }
}

fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper
        .split(['_', '-', '.'])
        .any(|word| SECRET_WORDS.contains(&word))
}

/// The engine names anonymous volumes with 64 hex digits.
fn is_anonymous_volume(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MountPoint, PortMapping};
    use crate::ports::{EnvVar, NetworkAttachment, ResourceLimits};

    fn details() -> ContainerDetails {
        ContainerDetails {
            engine_id: "0123456789abcdef0123".into(),
            name: "vault".into(),
            image: "vaultwarden/server:1.32".into(),
            command: vec!["/start.sh".into(), "--log level".into()],
            entrypoint: vec![],
            working_dir: None,
            env: vec![
                EnvVar {
                    name: "PATH".into(),
                    value: "/usr/bin".into(),
                },
                EnvVar {
                    name: "ADMIN_TOKEN".into(),
                    value: "hunter2".into(),
                },
                EnvVar {
                    name: "DOMAIN".into(),
                    value: "https://vault.lan".into(),
                },
            ],
            labels: [
                ("com.docker.compose.project".to_owned(), "x".to_owned()),
                ("traefik.enable".to_owned(), "true".to_owned()),
            ]
            .into_iter()
            .collect(),
            mounts: vec![
                MountPoint {
                    kind: "volume".into(),
                    source: "vault-data".into(),
                    destination: "/data".into(),
                    read_only: false,
                },
                MountPoint {
                    kind: "bind".into(),
                    source: "/etc/localtime".into(),
                    destination: "/etc/localtime".into(),
                    read_only: true,
                },
                MountPoint {
                    kind: "volume".into(),
                    source: "a".repeat(64),
                    destination: "/cache".into(),
                    read_only: false,
                },
            ],
            ports: vec![
                PortMapping {
                    ip: Some("0.0.0.0".into()),
                    private_port: 80,
                    public_port: Some(8080),
                    protocol: "tcp".into(),
                },
                PortMapping {
                    ip: Some("::".into()),
                    private_port: 80,
                    public_port: Some(8080),
                    protocol: "tcp".into(),
                },
            ],
            networks: vec![NetworkAttachment {
                name: "proxy".into(),
                ip_address: None,
                gateway: None,
                mac_address: None,
            }],
            restart_policy: Some("unless-stopped".into()),
            started_at: None,
            finished_at: None,
            restart_count: None,
            hostname: Some("0123456789ab".into()),
            resources: ResourceLimits::default(),
        }
    }

    #[test]
    fn drafts_what_the_user_set_and_hides_secrets() {
        let t = template_from_container(&details());
        assert_eq!(t.image.as_deref(), Some("vaultwarden/server:1.32"));
        let env: Vec<(&str, Option<&str>)> = t
            .env
            .iter()
            .map(|e| (e.name.as_str(), e.default.as_deref()))
            .collect();
        assert_eq!(
            env,
            [("ADMIN_TOKEN", None), ("DOMAIN", Some("https://vault.lan"))]
        );
        assert!(t.env[0].required(), "a secret is typed at deploy time");
        assert_eq!(t.ports.len(), 1, "one spec for both address families");
        assert_eq!(t.ports[0].to_string(), "8080:80/tcp");
        assert_eq!(
            t.volumes.iter().map(|v| &v.source).collect::<Vec<_>>(),
            [
                &VolumeSource::Named("vault-data".into()),
                &VolumeSource::Bind("/etc/localtime".into()),
                &VolumeSource::Anonymous
            ]
        );
        assert_eq!(t.labels.len(), 1);
        assert_eq!(t.labels[0].name, "traefik.enable");
        assert_eq!(t.command.as_deref(), Some("/start.sh '--log level'"));
        assert_eq!(t.restart_policy, Some(RestartPolicy::UnlessStopped));
        assert_eq!(
            t.hostname, None,
            "the engine's default hostname is left out"
        );
        assert_eq!(t.network.as_deref(), Some("proxy"));
    }

    #[test]
    fn secret_names_are_told_by_whole_words() {
        assert!(looks_secret("DB_PASSWORD"));
        assert!(looks_secret("api-key"));
        assert!(!looks_secret("KEYBOARD_LAYOUT"));
        assert!(!looks_secret("MONKEY"));
    }
}
