//! The `docker run` line equivalent to a deploy plan, shown in the wizard so a user can see
//! (and copy) exactly what will be created.
//!
//! Every value is quoted for a POSIX shell, except the command: a template's `command` is
//! shell-like text (`--api.insecure=true --providers.docker`), and is appended after the
//! image as written, so the line reads the way the template's author wrote it. Splitting it
//! into words for the engine is the deploy service's job, not this display's.

use super::model::{VolumeSource, VolumeSpec};
use super::plan::DeployPlan;

/// `docker run -d --name … IMAGE [COMMAND]` for a plan, options in a stable order.
pub fn docker_run_line(plan: &DeployPlan) -> String {
    let mut words: Vec<String> = vec!["docker".into(), "run".into(), "-d".into()];
    let mut option = |flag: &str, value: &str| {
        words.push(flag.to_owned());
        words.push(shell_quote(value));
    };
    if !plan.name.is_empty() {
        option("--name", &plan.name);
    }
    for port in &plan.ports {
        option("-p", &port.to_string());
    }
    for volume in &plan.volumes {
        match volume_arg(volume) {
            VolumeArg::Volume(v) => option("-v", &v),
            VolumeArg::Mount(m) => option("--mount", &m),
        }
    }
    for var in &plan.env {
        option("-e", &format!("{}={}", var.name, var.value));
    }
    if let Some(policy) = plan.restart_policy {
        option("--restart", policy.as_str());
    }
    for label in &plan.labels {
        option("--label", &format!("{}={}", label.name, label.value));
    }
    if let Some(network) = &plan.network {
        option("--network", network);
    }
    if let Some(hostname) = &plan.hostname {
        option("--hostname", hostname);
    }
    for cap in &plan.cap_add {
        option("--cap-add", cap);
    }
    if let Some(bytes) = plan.memory_bytes {
        option("--memory", &memory_arg(bytes));
    }
    if let Some(cpus) = plan.cpus {
        option("--cpus", &cpus.to_string());
    }
    if plan.privileged {
        words.push("--privileged".into());
    }
    if plan.interactive {
        words.push("-i".into());
        words.push("-t".into());
    }
    words.push(shell_quote(&plan.image));
    if let Some(command) = plan
        .command
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        words.push(command.to_owned());
    }
    words.join(" ")
}

/// A word a POSIX shell reads back as exactly `text`: bare when it holds only characters
/// no shell treats specially, else in single quotes with each `'` written as `'\''`.
pub fn shell_quote(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

enum VolumeArg {
    Volume(String),
    Mount(String),
}

/// `-v source:target[:ro]`, or `--mount` for a read-only anonymous volume, which `-v`
/// cannot say without a source.
fn volume_arg(volume: &VolumeSpec) -> VolumeArg {
    let ro = if volume.readonly { ":ro" } else { "" };
    match &volume.source {
        VolumeSource::Anonymous if volume.readonly => VolumeArg::Mount(format!(
            "type=volume,destination={},readonly",
            volume.container
        )),
        VolumeSource::Anonymous => VolumeArg::Volume(volume.container.clone()),
        VolumeSource::Named(source) | VolumeSource::Bind(source) => {
            VolumeArg::Volume(format!("{source}:{}{ro}", volume.container))
        }
    }
}

/// Bytes in the unit the docker CLI would take most naturally: `512m`, `2g`, or plain bytes.
fn memory_arg(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    const GIB: u64 = 1024 * MIB;
    if bytes >= GIB && bytes.is_multiple_of(GIB) {
        format!("{}g", bytes / GIB)
    } else if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{}m", bytes / MIB)
    } else {
        bytes.to_string()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::templates::model::{Label, PortSpec, Protocol, RestartPolicy};
    use crate::templates::plan::EnvVar;

    fn plan() -> DeployPlan {
        DeployPlan {
            name: "web".into(),
            image: "nginx:latest".into(),
            env: vec![EnvVar {
                name: "GREETING".into(),
                value: "it's here".into(),
            }],
            ports: vec![
                PortSpec {
                    host_ip: None,
                    host_port: Some(8080),
                    container_port: 80,
                    protocol: Protocol::Tcp,
                },
                PortSpec {
                    host_ip: Some("::1".into()),
                    host_port: Some(53),
                    container_port: 53,
                    protocol: Protocol::Udp,
                },
            ],
            volumes: vec![
                VolumeSpec {
                    container: "/usr/share/nginx/html".into(),
                    source: VolumeSource::Bind("/srv/my site".into()),
                    readonly: true,
                },
                VolumeSpec {
                    container: "/cache".into(),
                    source: VolumeSource::Anonymous,
                    readonly: false,
                },
                VolumeSpec {
                    container: "/seed".into(),
                    source: VolumeSource::Anonymous,
                    readonly: true,
                },
            ],
            network: Some("host".into()),
            restart_policy: Some(RestartPolicy::UnlessStopped),
            labels: vec![Label {
                name: "team".into(),
                value: "a b".into(),
            }],
            command: Some("nginx -g 'daemon off;'".into()),
            hostname: Some("web".into()),
            privileged: true,
            interactive: false,
            cap_add: vec!["NET_ADMIN".into()],
            memory_bytes: Some(512 * 1024 * 1024),
            cpus: Some(1.5),
            required_env: vec![],
        }
    }

    #[test]
    fn writes_every_option_quoted_and_the_command_as_given() {
        assert_eq!(
            docker_run_line(&plan()),
            "docker run -d --name web -p 8080:80/tcp -p '[::1]:53:53/udp' \
             -v '/srv/my site:/usr/share/nginx/html:ro' -v /cache \
             --mount type=volume,destination=/seed,readonly -e 'GREETING=it'\\''s here' \
             --restart unless-stopped --label 'team=a b' --network host --hostname web \
             --cap-add NET_ADMIN --memory 512m --cpus 1.5 --privileged \
             nginx:latest nginx -g 'daemon off;'"
        );
    }

    #[test]
    fn quoting_leaves_safe_words_bare() {
        assert_eq!(shell_quote("a-b_c.d/e:f=g"), "a-b_c.d/e:f=g");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("$HOME"), "'$HOME'");
        assert_eq!(shell_quote("~x"), "'~x'");
        assert_eq!(memory_arg(3 * 1024 * 1024 * 1024), "3g");
        assert_eq!(memory_arg(7_000_000), "7000000");
    }

    /// Reads one word as a POSIX shell would, for the quoting forms `shell_quote` writes:
    /// single-quoted runs (taken literally), backslash escapes and bare characters.
    fn unquote(word: &str) -> Option<String> {
        let mut out = String::new();
        let mut chars = word.chars();
        while let Some(c) = chars.next() {
            match c {
                '\'' => loop {
                    match chars.next()? {
                        '\'' => break,
                        inner => out.push(inner),
                    }
                },
                '\\' => out.push(chars.next()?),
                ' ' | '\t' | '\n' | '$' | '`' | '"' | '*' | '?' | '[' | '#' | '~' | '(' | ')'
                | '&' | ';' | '|' | '<' | '>' | '{' | '}' | '!' => return None,
                other => out.push(other),
            }
        }
        Some(out)
    }

    proptest! {
        #[test]
        fn quoted_words_read_back_as_the_original(
            text in prop_oneof![any::<String>(), "[ '\\\\$\"`a-z=/]*"]
        ) {
            prop_assert_eq!(unquote(&shell_quote(&text)), Some(text));
        }
    }
}
