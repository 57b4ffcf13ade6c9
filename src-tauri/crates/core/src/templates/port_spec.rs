//! The text form of a published port, `[host-ip:][host-port:]container-port[/protocol]`,
//! as templates write it and as `docker run -p` takes it.
//!
//! Templates publish one port per entry: ranges are refused rather than expanded, since a
//! template that asks for a hundred ports is more likely a mistake than a wish.

use std::fmt;
use std::net::IpAddr;

use super::model::{PortSpec, Protocol};

impl PortSpec {
    /// Reads `8080:80/tcp`, `443/tcp`, `53:53/udp`, `127.0.0.1:8080:80`, `[::1]:8080:80`
    /// or `127.0.0.1::80` (host port chosen by Docker). The protocol defaults to tcp.
    pub fn parse(text: &str) -> Result<Self, String> {
        let whole = text.trim();
        if whole.is_empty() {
            return Err("the port is empty".into());
        }
        let (spec, protocol) = match whole.rsplit_once('/') {
            Some((spec, proto)) => (spec, parse_protocol(proto).map_err(|e| quoted(whole, &e))?),
            None => (whole, Protocol::Tcp),
        };
        if spec.contains('-') {
            return Err(format!(
                "\"{whole}\" is a port range; templates take one port"
            ));
        }
        let (host_ip, ports) = split_host_ip(spec).map_err(|e| quoted(whole, &e))?;
        let (host, container) = match ports.split_once(':') {
            Some((host, container)) => (Some(host), container),
            None if host_ip.is_some() => {
                return Err(quoted(
                    whole,
                    "a host address needs a host port after it (leave it empty, as in 127.0.0.1::80, to let Docker choose)",
                ))
            }
            None => (None, ports),
        };
        let host_port = match host {
            Some("") | None => None,
            Some(h) => Some(port_number(h, PortRole::Host).map_err(|e| quoted(whole, &e))?),
        };
        let container_port =
            port_number(container, PortRole::Container).map_err(|e| quoted(whole, &e))?;
        Ok(Self {
            host_ip,
            host_port,
            container_port,
            protocol,
        })
    }

    /// Whether two specs would ask the host for the same port: same protocol and host port,
    /// and addresses that overlap (equal, or either one binding every address).
    pub fn clashes_with(&self, other: &Self) -> bool {
        let wildcard = |ip: &Option<String>| match ip.as_deref() {
            None => true,
            Some(ip) => ip
                .parse::<IpAddr>()
                .map(|a| a.is_unspecified())
                .unwrap_or(false),
        };
        self.protocol == other.protocol
            && self.host_port.is_some()
            && self.host_port == other.host_port
            && (self.host_ip == other.host_ip
                || wildcard(&self.host_ip)
                || wildcard(&other.host_ip))
    }
}

/// The `-p` form: `[ip:][host:]container/protocol`, IPv6 addresses in brackets.
impl fmt::Display for PortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ip) = &self.host_ip {
            if ip.contains(':') {
                write!(f, "[{ip}]:")?;
            } else {
                write!(f, "{ip}:")?;
            }
            if self.host_port.is_none() {
                f.write_str(":")?;
            }
        }
        if let Some(host) = self.host_port {
            write!(f, "{host}:")?;
        }
        write!(f, "{}/{}", self.container_port, self.protocol.as_str())
    }
}

/// Which side of a mapping a number is for, so the messages can say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PortRole {
    Host,
    Container,
}

/// One port number, 1 to 65535, as decimal digits.
pub(crate) fn port_number(text: &str, role: PortRole) -> Result<u16, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(match role {
            PortRole::Host => "the host port is empty".into(),
            PortRole::Container => "the container port is missing".into(),
        });
    }
    if text.contains('-') {
        return Err(format!(
            "\"{text}\" is a port range; templates take one port"
        ));
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("\"{text}\" is not a port number"));
    }
    let digits = text.trim_start_matches('0');
    if digits.is_empty() {
        return Err(match role {
            PortRole::Host => {
                "host port 0 is not a port; leave the host port out to let Docker choose".into()
            }
            PortRole::Container => "container port 0 is not a port".into(),
        });
    }
    digits
        .parse::<u16>()
        .map_err(|_| format!("{text} is above 65535, the highest port"))
}

/// `tcp` or `udp`, in any case; an empty protocol means tcp.
pub(crate) fn parse_protocol(text: &str) -> Result<Protocol, String> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("tcp") {
        Ok(Protocol::Tcp)
    } else if text.eq_ignore_ascii_case("udp") {
        Ok(Protocol::Udp)
    } else {
        Err(format!("protocol \"{text}\" is not tcp or udp"))
    }
}

/// Splits a leading host address off `ip:host:container`, `[v6]:host:container` or
/// `host:container` / `container` (no address).
fn split_host_ip(spec: &str) -> Result<(Option<String>, &str), String> {
    if let Some(rest) = spec.strip_prefix('[') {
        let (ip, after) = rest
            .split_once(']')
            .ok_or("the host address opens a bracket and never closes it")?;
        let ports = after
            .strip_prefix(':')
            .ok_or("a host address in brackets must be followed by a colon")?;
        return Ok((Some(host_address(ip)?), ports));
    }
    match spec.matches(':').count() {
        0 | 1 => Ok((None, spec)),
        2 => match spec.split_once(':') {
            Some((ip, ports)) => Ok((Some(host_address(ip)?), ports)),
            None => Ok((None, spec)),
        },
        _ => Err("there are too many colons; write an IPv6 host address in brackets, as in [::1]:8080:80".into()),
    }
}

fn host_address(ip: &str) -> Result<String, String> {
    ip.parse::<IpAddr>()
        .map(|_| ip.to_owned())
        .map_err(|_| format!("\"{ip}\" is not an IP address"))
}

fn quoted(whole: &str, message: &str) -> String {
    format!("\"{whole}\": {message}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(ip: Option<&str>, host: Option<u16>, container: u16, protocol: Protocol) -> PortSpec {
        PortSpec {
            host_ip: ip.map(str::to_owned),
            host_port: host,
            container_port: container,
            protocol,
        }
    }

    #[test]
    fn reads_the_documented_forms() {
        let cases = [
            ("8080:80/tcp", spec(None, Some(8080), 80, Protocol::Tcp)),
            ("443/tcp", spec(None, None, 443, Protocol::Tcp)),
            ("53:53/udp", spec(None, Some(53), 53, Protocol::Udp)),
            ("9000", spec(None, None, 9000, Protocol::Tcp)),
            ("8080:80/TCP", spec(None, Some(8080), 80, Protocol::Tcp)),
            (
                "127.0.0.1:8080:80",
                spec(Some("127.0.0.1"), Some(8080), 80, Protocol::Tcp),
            ),
            (
                "[::1]:53:53/udp",
                spec(Some("::1"), Some(53), 53, Protocol::Udp),
            ),
            (
                "127.0.0.1::80",
                spec(Some("127.0.0.1"), None, 80, Protocol::Tcp),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(PortSpec::parse(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn refuses_what_it_cannot_publish_as_one_port() {
        let cases = [
            ("8080-8090:80/tcp", "is a port range"),
            ("http:80", "\"http\" is not a port number"),
            ("0:80", "host port 0"),
            ("80:0", "container port 0"),
            ("70000:80", "above 65535"),
            ("80/sctp", "not tcp or udp"),
            ("::1:80:80", "too many colons"),
            ("300.1.1.1:80:80", "not an IP address"),
            ("[::1:80:80", "never closes"),
            ("", "empty"),
        ];
        for (text, needle) in cases {
            match PortSpec::parse(text) {
                Err(message) => assert!(message.contains(needle), "{text}: {message}"),
                Ok(p) => panic!("{text} parsed as {p:?}"),
            }
        }
        assert_eq!(
            PortSpec::parse("8080-8090:80/tcp"),
            Err("\"8080-8090:80/tcp\" is a port range; templates take one port".into())
        );
    }

    #[test]
    fn display_is_the_docker_run_form_and_reads_back() {
        for text in [
            "8080:80/tcp",
            "443/tcp",
            "53:53/udp",
            "127.0.0.1:8080:80/tcp",
            "[::1]:53:53/udp",
            "0.0.0.0::80/tcp",
        ] {
            let parsed = PortSpec::parse(text);
            assert_eq!(
                parsed.as_ref().map(ToString::to_string),
                Ok(text.to_owned())
            );
        }
    }

    #[test]
    fn clashes_need_the_same_port_protocol_and_overlapping_address() {
        let all = spec(None, Some(80), 80, Protocol::Tcp);
        let local = spec(Some("127.0.0.1"), Some(80), 8080, Protocol::Tcp);
        let other_local = spec(Some("127.0.0.2"), Some(80), 8080, Protocol::Tcp);
        let udp = spec(None, Some(80), 80, Protocol::Udp);
        let unpublished = spec(None, None, 80, Protocol::Tcp);
        assert!(all.clashes_with(&local));
        assert!(!local.clashes_with(&other_local));
        assert!(!all.clashes_with(&udp));
        assert!(!unpublished.clashes_with(&unpublished));
    }
}
