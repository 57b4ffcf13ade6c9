//! The checks of a plan against what one engine already has: a taken name, a host port
//! another container publishes, a network that is not there. Pure: the engine's facts are
//! read by the caller.

use super::plan::{DeployPlan, PlanProblem};
use crate::ports::EngineFacts;

/// Networks every engine has, or that name another container's stack.
fn builtin_network(name: &str) -> bool {
    matches!(name, "host" | "bridge" | "none") || name.starts_with("container:")
}

/// Problems (the deploy would fail) and warnings (it would work, with a catch) of `plan`
/// on an engine holding `facts`.
pub fn check_on_engine(plan: &DeployPlan, facts: &EngineFacts) -> (Vec<PlanProblem>, Vec<String>) {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let name = plan.name.trim().trim_start_matches('/');
    if facts.containers.iter().any(|c| c.name == name) {
        problems.push(PlanProblem::new(
            "name",
            format!("a container named \"{name}\" already exists there; pick another name"),
        ));
    }
    for (i, port) in plan.ports.iter().enumerate() {
        if port.host_port.is_none() {
            continue;
        }
        for other in &facts.containers {
            if let Some(theirs) = other.ports.iter().find(|p| p.clashes_with(port)) {
                let what = format!(
                    "host port {}/{} is already published by \"{}\"",
                    theirs.host_port.unwrap_or_default(),
                    theirs.protocol.as_str(),
                    other.name
                );
                if other.running {
                    problems.push(PlanProblem::new(
                        format!("ports[{i}]"),
                        format!("{what}, which is running; choose another host port"),
                    ));
                } else {
                    warnings.push(format!(
                        "{what} (stopped): the two containers cannot run at the same time"
                    ));
                }
            }
        }
    }
    if let Some(network) = plan.network.as_deref().map(str::trim) {
        if !network.is_empty()
            && !builtin_network(network)
            && !facts.networks.iter().any(|n| n == network)
        {
            problems.push(PlanProblem::new(
                "network",
                format!("there is no network named \"{network}\" there; create it first or pick another"),
            ));
        }
    }
    for volume in named_volumes(plan) {
        if facts.volumes.iter().any(|v| v == volume) {
            warnings.push(format!(
                "the volume \"{volume}\" already exists and will be used as it is, with its data"
            ));
        }
    }
    (problems, warnings)
}

/// The named volumes a plan mounts (the engine creates those that do not exist).
pub fn named_volumes(plan: &DeployPlan) -> impl Iterator<Item = &str> {
    plan.volumes.iter().filter_map(|v| match &v.source {
        super::model::VolumeSource::Named(n) => Some(n.as_str()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::ExistingContainer;
    use crate::templates::model::{PortSpec, Protocol, VolumeSource, VolumeSpec};

    fn port(host: u16) -> PortSpec {
        PortSpec {
            host_ip: None,
            host_port: Some(host),
            container_port: 80,
            protocol: Protocol::Tcp,
        }
    }

    fn plan() -> DeployPlan {
        DeployPlan {
            name: "web".into(),
            image: "nginx".into(),
            env: vec![],
            ports: vec![port(8080), port(9090)],
            volumes: vec![VolumeSpec {
                container: "/data".into(),
                source: VolumeSource::Named("web-data".into()),
                readonly: false,
            }],
            network: Some("proxy".into()),
            restart_policy: None,
            labels: vec![],
            command: None,
            hostname: None,
            privileged: false,
            interactive: false,
            cap_add: vec![],
            memory_bytes: None,
            cpus: None,
            required_env: vec![],
        }
    }

    #[test]
    fn a_taken_name_a_running_port_and_a_missing_network_are_problems() {
        let facts = EngineFacts {
            containers: vec![
                ExistingContainer {
                    name: "web".into(),
                    running: false,
                    ports: vec![port(9090)],
                },
                ExistingContainer {
                    name: "proxy".into(),
                    running: true,
                    ports: vec![port(8080)],
                },
            ],
            networks: vec!["bridge".into()],
            volumes: vec!["web-data".into()],
        };
        let (problems, warnings) = check_on_engine(&plan(), &facts);
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["name", "ports[0]", "network"]);
        assert!(problems[1].message.contains("\"proxy\""), "{problems:?}");
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("9090/tcp") && warnings[0].contains("stopped"));
        assert!(warnings[1].contains("web-data"));
    }

    #[test]
    fn an_empty_engine_has_nothing_to_say() {
        let facts = EngineFacts {
            networks: vec!["proxy".into()],
            ..Default::default()
        };
        assert_eq!(check_on_engine(&plan(), &facts), (vec![], vec![]));
        let mut host = plan();
        host.network = Some("host".into());
        assert_eq!(check_on_engine(&host, &EngineFacts::default()).0, vec![]);
    }
}
