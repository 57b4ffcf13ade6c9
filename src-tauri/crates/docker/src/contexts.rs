//! The Docker CLI's contexts and `DOCKER_HOST`, as device candidates.
//!
//! The CLI keeps each context in `$DOCKER_CONFIG/contexts/meta/<id>/meta.json`
//! (`{"Name": …, "Endpoints": {"docker": {"Host": …}}}`) and its TLS files in
//! `$DOCKER_CONFIG/contexts/tls/<id>/docker/{ca,cert,key}.pem`.

use std::path::{Path, PathBuf};

use serde_json::Value;
use squirrel_core::model::{DeviceConnection, DiscoveredEngine, SshAuth, TlsFiles};

/// `$DOCKER_CONFIG`, else `~/.docker`.
pub fn docker_config_dir() -> Option<PathBuf> {
    std::env::var_os("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker")))
}

/// Every context in `config_dir`, plus `docker_host` (the `DOCKER_HOST` value) if set.
pub fn discover(config_dir: Option<&Path>, docker_host: Option<&str>) -> Vec<DiscoveredEngine> {
    let mut found = Vec::new();
    if let Some(host) = docker_host.filter(|h| !h.trim().is_empty()) {
        found.push(DiscoveredEngine {
            name: "DOCKER_HOST".into(),
            source: format!("DOCKER_HOST={host}"),
            connection: connection_for(host, None),
        });
    }
    let Some(dir) = config_dir else {
        return found;
    };
    let Ok(entries) = std::fs::read_dir(dir.join("contexts/meta")) else {
        return found;
    };
    let mut contexts: Vec<DiscoveredEngine> = entries
        .flatten()
        .filter_map(|entry| {
            let meta_path = entry.path().join("meta.json");
            let text = std::fs::read_to_string(&meta_path).ok()?;
            let meta: Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(e) => {
                    return Some(DiscoveredEngine {
                        name: entry.file_name().to_string_lossy().into_owned(),
                        source: meta_path.display().to_string(),
                        connection: Err(format!("unreadable context file: {e}")),
                    })
                }
            };
            let name = meta["Name"].as_str().unwrap_or("unnamed").to_string();
            let host = meta["Endpoints"]["docker"]["Host"]
                .as_str()
                .unwrap_or_default();
            let tls_dir = dir
                .join("contexts/tls")
                .join(entry.file_name())
                .join("docker");
            Some(DiscoveredEngine {
                source: format!("docker context \"{name}\""),
                connection: if host.is_empty() {
                    Err("the context has no Docker endpoint".into())
                } else {
                    connection_for(host, Some(&tls_dir))
                },
                name,
            })
        })
        .collect();
    contexts.sort_by(|a, b| a.name.cmp(&b.name));
    found.extend(contexts);
    found
}

/// A device connection for a Docker host URL, or why Squirrel cannot use it.
fn connection_for(host: &str, tls_dir: Option<&Path>) -> Result<DeviceConnection, String> {
    if let Some(path) = host.strip_prefix("unix://") {
        return Ok(DeviceConnection::LocalSocket { path: path.into() });
    }
    if let Some(addr) = host
        .strip_prefix("tcp://")
        .or_else(|| host.strip_prefix("https://"))
    {
        let (h, port) = split_host_port(addr.trim_end_matches('/'))?;
        let port = port.unwrap_or(2376);
        let tls = tls_dir
            .map(|d| TlsFiles {
                ca_path: d.join("ca.pem").display().to_string(),
                cert_path: d.join("cert.pem").display().to_string(),
                key_path: d.join("key.pem").display().to_string(),
            })
            .filter(|t| Path::new(&t.cert_path).is_file());
        if tls.is_none() {
            return Err(format!(
                "{host} uses plain TCP without TLS: add it by hand and confirm the risk"
            ));
        }
        return Ok(DeviceConnection::Tcp {
            host: h,
            port,
            tls,
            insecure_acknowledged: false,
        });
    }
    if let Some(rest) = host.strip_prefix("ssh://") {
        let rest = rest.trim_end_matches('/');
        let (user, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u.to_string()), h),
            None => (None, rest),
        };
        let (h, port) = split_host_port(hostport)?;
        // Like the Docker CLI's ssh: the agent when one runs, else the configured or default keys.
        let auth = if std::env::var_os("SSH_AUTH_SOCK").is_some() {
            SshAuth::Agent
        } else {
            SshAuth::KeyFile {
                path: String::new(),
                passphrase: None,
            }
        };
        return Ok(DeviceConnection::Ssh {
            host: h,
            port,
            user,
            socket_path: "/var/run/docker.sock".into(),
            auth,
        });
    }
    Err(format!("{host}: unknown kind of Docker host"))
}

/// `host`, `host:port`, `[v6]` or `[v6]:port` (a bare IPv6 literal has no port).
fn split_host_port(addr: &str) -> Result<(String, Option<u16>), String> {
    let port = |p: &str| {
        p.parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("\"{p}\" is not a port number"))
    };
    if let Some(rest) = addr.strip_prefix('[') {
        let (h, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("\"{addr}\": an IPv6 address needs its closing ]"))?;
        return match after.strip_prefix(':') {
            Some(p) => Ok((h.to_string(), Some(port(p)?))),
            None if after.is_empty() => Ok((h.to_string(), None)),
            None => Err(format!("\"{addr}\" is not a host and port")),
        };
    }
    match addr.split_once(':') {
        // Two colons or more: a bare IPv6 literal.
        Some((_, rest)) if rest.contains(':') => Ok((addr.to_string(), None)),
        Some((h, p)) => Ok((h.to_string(), Some(port(p)?))),
        None => Ok((addr.to_string(), None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, id: &str, meta: &str) {
        let d = dir.join("contexts/meta").join(id);
        std::fs::create_dir_all(&d).unwrap_or_default();
        std::fs::write(d.join("meta.json"), meta).unwrap_or_default();
    }

    #[test]
    fn reads_the_cli_context_store_and_docker_host() {
        let base = std::env::temp_dir().join(format!("sq-contexts-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        write(
            &base,
            "a1",
            r#"{"Name":"nas","Endpoints":{"docker":{"Host":"unix:///run/user/1000/docker.sock"}}}"#,
        );
        write(
            &base,
            "b2",
            r#"{"Name":"tls-box","Endpoints":{"docker":{"Host":"tcp://10.0.0.5:2376","SkipTLSVerify":false}}}"#,
        );
        let tls = base.join("contexts/tls/b2/docker");
        std::fs::create_dir_all(&tls).unwrap_or_default();
        for f in ["ca.pem", "cert.pem", "key.pem"] {
            std::fs::write(tls.join(f), "x").unwrap_or_default();
        }
        write(
            &base,
            "c3",
            r#"{"Name":"plain","Endpoints":{"docker":{"Host":"tcp://10.0.0.6:2375"}}}"#,
        );
        write(&base, "d4", r#"not json"#);
        write(
            &base,
            "e5",
            r#"{"Name":"pi","Endpoints":{"docker":{"Host":"ssh://pi@10.0.0.7:2222"}}}"#,
        );

        let found = discover(Some(&base), Some("unix:///var/run/docker.sock"));
        let names: Vec<&str> = found.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["DOCKER_HOST", "d4", "nas", "pi", "plain", "tls-box"]
        );
        assert_eq!(
            found[0].connection,
            Ok(DeviceConnection::LocalSocket {
                path: "/var/run/docker.sock".into()
            })
        );
        assert!(found[1].connection.is_err());
        assert_eq!(
            found[2].connection,
            Ok(DeviceConnection::LocalSocket {
                path: "/run/user/1000/docker.sock".into()
            })
        );
        match &found[3].connection {
            Ok(DeviceConnection::Ssh {
                host,
                port,
                user,
                socket_path,
                ..
            }) => {
                assert_eq!(
                    (host.as_str(), *port, user.as_deref()),
                    ("10.0.0.7", Some(2222), Some("pi"))
                );
                assert_eq!(socket_path, "/var/run/docker.sock");
            }
            other => panic!("{other:?}"),
        }
        assert!(found[4]
            .connection
            .as_ref()
            .is_err_and(|e| e.contains("plain TCP")));
        match &found[5].connection {
            Ok(DeviceConnection::Tcp {
                host,
                port,
                tls: Some(t),
                ..
            }) => {
                assert_eq!((host.as_str(), *port), ("10.0.0.5", 2376));
                assert!(t.ca_path.ends_with("contexts/tls/b2/docker/ca.pem"));
            }
            other => panic!("{other:?}"),
        }
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn hosts_and_ports_split_like_urls() {
        let ok = |a: &str| split_host_port(a).unwrap_or_default();
        assert_eq!(ok("nas:2222"), ("nas".into(), Some(2222)));
        assert_eq!(ok("nas"), ("nas".into(), None));
        assert_eq!(ok("[::1]:2376"), ("::1".into(), Some(2376)));
        assert_eq!(ok("[fe80::1]"), ("fe80::1".into(), None));
        assert_eq!(ok("fe80::1"), ("fe80::1".into(), None));
        assert!(split_host_port("nas:0").is_err());
        assert!(split_host_port("nas:99999").is_err());
        assert!(split_host_port("[::1").is_err());
        assert!(split_host_port("[::1]x").is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_docker_host_gives_a_connection_or_a_reason(host in "\\PC{0,60}") {
            let _ = connection_for(&host, None);
        }

        #[test]
        fn url_shaped_docker_hosts_never_panic(
            host in "(tcp|ssh|https|unix)://([a-z0-9@.:\\[\\]-]{0,30})(/[a-z]{0,5})?"
        ) {
            let _ = connection_for(&host, None);
        }

        #[test]
        fn any_context_file_is_read_or_reported(meta in "\\PC{0,200}", json in proptest::option::of("[{}\\[\\]\"a-zA-Z:, ]{0,80}")) {
            let base = tempfile::tempdir().map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            write(base.path(), "a", &meta);
            if let Some(j) = json {
                write(base.path(), "b", &format!("{{\"Name\":\"b\",\"Endpoints\":{{\"docker\":{{\"Host\":{j}}}}}}}"));
            }
            let found = discover(Some(base.path()), None);
            proptest::prop_assert!(!found.is_empty());
        }
    }
}
