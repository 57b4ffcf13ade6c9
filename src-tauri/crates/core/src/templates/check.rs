//! The checks on a deploy plan that need no engine: names, image reference, required
//! variables, mount paths and port clashes within the plan. Checks that do need one (is
//! the name taken, is the port already published, does the network exist) belong to the
//! deploy service.

use std::collections::HashSet;

use super::image_ref::ImageRef;
use super::model::{PortSpec, VolumeSource, VolumeSpec};
use super::plan::{DeployPlan, PlanProblem};

/// Docker refuses memory limits below this (6 MiB).
pub const MIN_MEMORY_BYTES: u64 = 6 * 1024 * 1024;

/// Every problem found without asking an engine; empty when the plan may be sent.
pub fn check_plan(plan: &DeployPlan) -> Vec<PlanProblem> {
    let mut out = Vec::new();
    if plan.name.trim().is_empty() {
        out.push(PlanProblem::new("name", "give the container a name"));
    } else if !docker_name_ok(plan.name.strip_prefix('/').unwrap_or(&plan.name)) {
        out.push(PlanProblem::new(
            "name",
            format!(
                "\"{}\" is not a container name: use at least two characters, starting with a letter or digit, then letters, digits, '_', '.' or '-'",
                plan.name
            ),
        ));
    }
    if let Err(message) = ImageRef::parse(&plan.image) {
        out.push(PlanProblem::new("image", message));
    }
    for (i, var) in plan.env.iter().enumerate() {
        if var.name.trim().is_empty() || var.name.contains('=') {
            out.push(PlanProblem::new(
                format!("env[{i}].name"),
                format!(
                    "\"{}\" is not a variable name (it must be non-empty and hold no '=')",
                    var.name
                ),
            ));
        }
    }
    for required in &plan.required_env {
        let filled = plan
            .env
            .iter()
            .any(|v| &v.name == required && !v.value.trim().is_empty());
        if !filled {
            out.push(PlanProblem::new(
                format!("env.{required}"),
                format!("{required} needs a value; the template does not supply one"),
            ));
        }
    }
    check_volumes(&plan.volumes, &mut out);
    check_ports(&plan.ports, &mut out);
    for (i, label) in plan.labels.iter().enumerate() {
        if label.name.trim().is_empty() {
            out.push(PlanProblem::new(
                format!("labels[{i}].name"),
                "a label needs a name",
            ));
        }
    }
    for (i, cap) in plan.cap_add.iter().enumerate() {
        if cap.is_empty() || !cap.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            out.push(PlanProblem::new(
                format!("capAdd[{i}]"),
                format!("\"{cap}\" is not a capability name, such as NET_ADMIN"),
            ));
        }
    }
    if let Some(command) = plan.command.as_deref() {
        if let Err(message) = super::words::split_words(command) {
            out.push(PlanProblem::new("command", message));
        }
    }
    if let Some(bytes) = plan.memory_bytes.filter(|&b| b < MIN_MEMORY_BYTES) {
        out.push(PlanProblem::new(
            "memoryBytes",
            format!("{bytes} bytes is below Docker's smallest memory limit, 6 MiB"),
        ));
    }
    if let Some(cpus) = plan.cpus.filter(|c| !c.is_finite() || *c <= 0.0) {
        out.push(PlanProblem::new(
            "cpus",
            format!("{cpus} is not a CPU limit; give a positive number of cores, such as 1.5"),
        ));
    }
    out
}

fn check_volumes(volumes: &[VolumeSpec], out: &mut Vec<PlanProblem>) {
    let mut targets = HashSet::new();
    for (i, volume) in volumes.iter().enumerate() {
        let field = format!("volumes[{i}]");
        if !is_absolute(&volume.container) {
            out.push(PlanProblem::new(
                &field,
                format!(
                    "the container path \"{}\" must be absolute",
                    volume.container
                ),
            ));
        } else if !targets.insert(volume.container.trim_end_matches('/')) {
            out.push(PlanProblem::new(
                &field,
                format!("\"{}\" is mounted twice", volume.container),
            ));
        }
        match &volume.source {
            VolumeSource::Bind(path) if !is_absolute(path) => out.push(PlanProblem::new(
                &field,
                format!("the host path \"{path}\" must be absolute"),
            )),
            VolumeSource::Named(name) if !docker_name_ok(name) => out.push(PlanProblem::new(
                &field,
                format!(
                    "\"{name}\" is not a volume name: use at least two characters, starting with a letter or digit, then letters, digits, '_', '.' or '-'"
                ),
            )),
            _ => {}
        }
    }
}

fn check_ports(ports: &[PortSpec], out: &mut Vec<PlanProblem>) {
    for (i, port) in ports.iter().enumerate() {
        let field = format!("ports[{i}]");
        if port.container_port == 0 {
            out.push(PlanProblem::new(&field, "container port 0 is not a port"));
        }
        if port.host_port == Some(0) {
            out.push(PlanProblem::new(
                &field,
                "host port 0 is not a port; leave it empty to let Docker choose",
            ));
        }
        if let Some(earlier) = ports[..i].iter().position(|p| p.clashes_with(port)) {
            out.push(PlanProblem::new(
                &field,
                format!(
                    "host port {} ({}) is already used by ports[{earlier}]",
                    port.host_port.unwrap_or_default(),
                    port.protocol.as_str()
                ),
            ));
        }
    }
}

/// Docker's rule for container and volume names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
pub(crate) fn docker_name_ok(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() >= 2
        && bytes[0].is_ascii_alphanumeric()
        && bytes[1..]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

/// `/…`, or a Windows drive path for Windows hosts.
fn is_absolute(path: &str) -> bool {
    let b = path.as_bytes();
    path.starts_with('/')
        || (b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && matches!(b[2], b'\\' | b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::model::Protocol;
    use crate::templates::plan::tests::plan;

    fn fields(plan: &DeployPlan) -> Vec<String> {
        check_plan(plan).into_iter().map(|p| p.field).collect()
    }

    fn port(host: u16, container: u16) -> PortSpec {
        PortSpec {
            host_ip: None,
            host_port: Some(host),
            container_port: container,
            protocol: Protocol::Tcp,
        }
    }

    #[test]
    fn checks_name_image_env_volumes_and_ports() {
        let mut p = plan(&[]);
        assert_eq!(fields(&p), ["env.ADMIN_EMAIL"]);

        p.env[0].value = "x".into();
        p.name = "-bad name".into();
        p.image = "Acorn".into();
        p.volumes.push(VolumeSpec {
            container: "data".into(),
            source: VolumeSource::Bind("srv/data".into()),
            readonly: true,
        });
        p.volumes.push(VolumeSpec {
            container: "/var/lib/acorn/".into(),
            source: VolumeSource::Named("x".into()),
            readonly: false,
        });
        p.ports.push(port(8085, 9000));
        p.ports.push(PortSpec {
            host_port: None,
            container_port: 0,
            ..port(1, 0)
        });
        p.cap_add.push("NET ADMIN".into());
        p.memory_bytes = Some(1024);
        p.cpus = Some(0.0);
        assert_eq!(
            fields(&p),
            [
                "name",
                "image",
                "volumes[1]",
                "volumes[1]",
                "volumes[2]",
                "volumes[2]",
                "ports[1]",
                "ports[2]",
                "capAdd[0]",
                "memoryBytes",
                "cpus",
            ]
        );
        let messages: Vec<String> = check_plan(&p).into_iter().map(|p| p.message).collect();
        assert!(messages.contains(&"host port 8085 (tcp) is already used by ports[0]".to_owned()));
        assert!(messages.contains(&"the host path \"srv/data\" must be absolute".to_owned()));
    }

    #[test]
    fn names_follow_dockers_rule() {
        for ok in ["ab", "/web", "a_b.c-d", "9x"] {
            let p = DeployPlan {
                name: ok.into(),
                ..plan(&[("ADMIN_EMAIL", "x")])
            };
            assert_eq!(fields(&p), Vec::<String>::new(), "{ok}");
        }
        for bad in ["a", "", "_x", "a b", "a/b", "é1"] {
            let p = DeployPlan {
                name: bad.into(),
                ..plan(&[("ADMIN_EMAIL", "x")])
            };
            assert_eq!(fields(&p), ["name"], "{bad}");
        }
    }
}
