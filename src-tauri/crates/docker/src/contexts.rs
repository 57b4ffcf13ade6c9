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
        let addr = addr.trim_end_matches('/');
        let (h, port) = match addr.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse::<u16>()
                    .map_err(|_| format!("\"{p}\" is not a port number"))?,
            ),
            None => (addr, 2376),
        };
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
            host: h.trim_matches(['[', ']']).to_string(),
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
        let (h, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(':') => (
                h,
                Some(
                    p.parse::<u16>()
                        .map_err(|_| format!("\"{p}\" is not a port number"))?,
                ),
            ),
            _ => (hostport, None),
        };
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
            host: h.trim_matches(['[', ']']).to_string(),
            port,
            user,
            socket_path: "/var/run/docker.sock".into(),
            auth,
        });
    }
    Err(format!("{host}: unknown kind of Docker host"))
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
}
