//! Just enough of `~/.ssh/config` to resolve a host alias: `HostName`, `User`, `Port` and
//! `IdentityFile`, first value wins, `Host` patterns with `*`, `?` and `!`.

use std::path::{Path, PathBuf};

/// Where and as whom to connect, after `~/.ssh/config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedHost {
    pub hostname: String,
    pub port: u16,
    pub user: String,
    pub identity_files: Vec<PathBuf>,
}

/// Resolves `alias` with the config text (if any); explicit `port`/`user` win over it.
pub fn resolve(
    alias: &str,
    port: Option<u16>,
    user: Option<&str>,
    config: Option<&str>,
    home: &Path,
) -> ResolvedHost {
    let mut hostname: Option<String> = None;
    let mut cfg_port: Option<u16> = None;
    let mut cfg_user: Option<String> = None;
    let mut identity_files = Vec::new();
    let mut active = true; // lines before the first Host apply to every host
    for line in config.unwrap_or_default().lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = match line.split_once(|c: char| c.is_whitespace() || c == '=') {
            Some((k, v)) => (
                k.to_ascii_lowercase(),
                v.trim().trim_start_matches('=').trim(),
            ),
            None => continue,
        };
        let value = value.trim_matches('"');
        match key.as_str() {
            "host" => active = host_matches(alias, value),
            // Conditional blocks need more than this resolver knows: skip them.
            "match" => active = false,
            "hostname" if active && hostname.is_none() => hostname = Some(value.to_string()),
            "port" if active && cfg_port.is_none() => cfg_port = value.parse().ok(),
            "user" if active && cfg_user.is_none() => cfg_user = Some(value.to_string()),
            "identityfile" if active => identity_files.push(expand(value, home)),
            _ => {}
        }
    }
    if identity_files.is_empty() {
        identity_files = ["id_ed25519", "id_ecdsa", "id_rsa"]
            .iter()
            .map(|f| home.join(".ssh").join(f))
            .collect();
    }
    ResolvedHost {
        hostname: hostname
            .map(|h| h.replace("%h", alias))
            .unwrap_or_else(|| alias.to_string()),
        port: port.or(cfg_port).unwrap_or(22),
        user: user
            .map(str::to_string)
            .or(cfg_user)
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "root".into()),
        identity_files,
    }
}

/// `~/.ssh/config` of the user running Squirrel.
pub fn user_config(home: &Path) -> Option<String> {
    std::fs::read_to_string(home.join(".ssh/config")).ok()
}

fn expand(path: &str, home: &Path) -> PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None => PathBuf::from(path),
    }
}

/// OpenSSH's `Host` matching: any positive pattern matches and no negated one does.
fn host_matches(alias: &str, patterns: &str) -> bool {
    let mut matched = false;
    for p in patterns.split_whitespace() {
        if let Some(negated) = p.strip_prefix('!') {
            if glob(negated, alias) {
                return false;
            }
        } else if glob(p, alias) {
            matched = true;
        }
    }
    matched
}

fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi].eq_ignore_ascii_case(&t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "
# global
Host nas
    HostName 192.168.1.20
    User admin
    Port 2222
    IdentityFile ~/.ssh/nas_key

Host *.lab !bad.lab
    User labuser
    IdentityFile=/keys/lab

Host *
    User fallback
    Port 22
";

    #[test]
    fn an_alias_resolves_to_its_host_user_port_and_key() {
        let home = Path::new("/home/me");
        let r = resolve("nas", None, None, Some(CONFIG), home);
        assert_eq!(r.hostname, "192.168.1.20");
        assert_eq!(r.port, 2222);
        assert_eq!(r.user, "admin");
        assert_eq!(
            r.identity_files,
            vec![PathBuf::from("/home/me/.ssh/nas_key")]
        );

        let r = resolve("pi.lab", Some(2200), None, Some(CONFIG), home);
        assert_eq!(
            (r.hostname.as_str(), r.port, r.user.as_str()),
            ("pi.lab", 2200, "labuser")
        );
        assert_eq!(r.identity_files, vec![PathBuf::from("/keys/lab")]);

        let r = resolve("bad.lab", None, Some("me"), Some(CONFIG), home);
        assert_eq!((r.port, r.user.as_str()), (22, "me"));
        assert_eq!(
            r.identity_files[0],
            PathBuf::from("/home/me/.ssh/id_ed25519")
        );
    }

    #[test]
    fn globs() {
        assert!(glob("*.lab", "a.lab"));
        assert!(glob("h?st", "host"));
        assert!(!glob("*.lab", "a.labs"));
        assert!(glob("*", ""));
    }
}
