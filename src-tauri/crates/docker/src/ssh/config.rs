//! `~/.ssh/config` as OpenSSH reads it, for what Squirrel needs to reach a host.
//!
//! Supported: `Host`, `Match` (`all`, `host`, `originalhost`, `user`, `localuser`, `final`;
//! any other criterion makes the block non-matching, logged once), `Include` (globs, relative
//! to the main file's folder, allowed inside blocks), `HostName`, `User`, `Port`,
//! `IdentityFile`, `HostKeyAlias`, `ProxyJump` (several hops, `none`), `UserKnownHostsFile`,
//! `GlobalKnownHostsFile`, `RevokedHostKeys`, and the tokens `%h %p %r %u %n %d %k %%` and
//! `~`. `ProxyCommand` is refused: Squirrel runs no local commands. The first obtained value
//! wins, as in OpenSSH; the device's own port and user come first. A file that exists but
//! cannot be read stops the connection (it may hold the host's jump host or host key).
//!
//! The crates we looked at (ssh2-config, ssh_cfg) query static `Host` blocks by name and do
//! not evaluate `Match` against the connection or `Include` inside blocks, hence this resolver.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// How deep `Include`s may nest (OpenSSH's limit).
const MAX_INCLUDE_DEPTH: usize = 16;
/// Files one reading of the config may read, the main file included.
const MAX_CONFIG_FILES: usize = 64;
/// Hosts in one route, jump hosts and target together.
const MAX_HOPS: usize = 8;

/// Where and as whom to connect, after the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedHost {
    /// The name the connection was asked for (`%n`).
    pub alias: String,
    pub hostname: String,
    pub port: u16,
    pub user: String,
    pub identity_files: Vec<PathBuf>,
    /// `identity_files` come from `IdentityFile` lines, not the default key names.
    pub identity_from_config: bool,
    /// The name looked up in `known_hosts` instead of the host name.
    pub host_key_alias: Option<String>,
    /// Jump hosts, first to last (`ProxyJump`).
    pub proxy_jump: Vec<JumpHop>,
    /// The host-key files the config names for this host.
    pub host_key_files: HostKeyFiles,
}

/// The host-key files of `UserKnownHostsFile`, `GlobalKnownHostsFile` (each replaces the
/// default files, `none`: no file) and `RevokedHostKeys`; `None`: not set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostKeyFiles {
    pub user: Option<Vec<PathBuf>>,
    pub global: Option<Vec<PathBuf>>,
    pub revoked: Option<PathBuf>,
}

impl ResolvedHost {
    /// The host and port whose key `known_hosts` must hold: OpenSSH records a `HostKeyAlias`
    /// without a port.
    pub fn known_hosts_name(&self) -> (&str, u16) {
        match &self.host_key_alias {
            Some(alias) => (alias, 22),
            None => (&self.hostname, self.port),
        }
    }
}

/// One `[user@]host[:port]` of a `ProxyJump` list; `host` is itself resolved with the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JumpHop {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

/// The user's SSH client configuration: the main file and the local user it is read for.
#[derive(Debug, Clone)]
pub struct SshConfig {
    /// The main file (`~/.ssh/config`); `None`: no config.
    path: Option<PathBuf>,
    home: PathBuf,
    local_user: String,
}

impl SshConfig {
    /// `path` is the main file, normally `~/.ssh/config`; relative `Include`s are looked up
    /// in its folder (`~/.ssh`, as OpenSSH does for the user's file).
    pub fn new(path: Option<PathBuf>, home: PathBuf) -> Self {
        let local_user = std::env::var("USER").unwrap_or_else(|_| "root".into());
        Self {
            path,
            home,
            local_user,
        }
    }

    /// The file at `path` read for the user running Squirrel (`$HOME`, `$USER`).
    pub fn at(path: Option<&Path>) -> Self {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default();
        Self::new(path.map(Path::to_path_buf), home)
    }

    /// Every host to connect to, in order: jump hosts first, `alias` last. Each hop is
    /// resolved with the config; the first hop's own `ProxyJump` is followed, as OpenSSH does.
    pub fn route(
        &self,
        alias: &str,
        port: Option<u16>,
        user: Option<&str>,
    ) -> Result<Vec<ResolvedHost>, String> {
        let mut route = Vec::new();
        self.push_route(alias, port, user, 0, &mut route)?;
        Ok(route)
    }

    /// Appends the route to `alias`; `after` hosts, already resolved, will follow it.
    fn push_route(
        &self,
        alias: &str,
        port: Option<u16>,
        user: Option<&str>,
        after: usize,
        route: &mut Vec<ResolvedHost>,
    ) -> Result<(), String> {
        if route.len() + after >= MAX_HOPS {
            return Err(format!(
                "{} chains more than {MAX_HOPS} ProxyJump hosts to reach {alias}: does a jump host jump through itself? Give it `ProxyJump none`",
                self.shown_path()
            ));
        }
        let host = self.resolve(alias, port, user)?;
        if let Some((first, rest)) = host.proxy_jump.split_first() {
            let (u, a) = (first.user.as_deref(), after + 1 + rest.len());
            self.push_route(&first.host, first.port, u, a, route)?;
            for hop in rest {
                let mut hop = self.resolve(&hop.host, hop.port, hop.user.as_deref())?;
                hop.proxy_jump.clear();
                route.push(hop);
            }
        }
        route.push(host);
        Ok(())
    }

    /// Resolves `alias`; the explicit `port`/`user` win over the config.
    pub fn resolve(
        &self,
        alias: &str,
        port: Option<u16>,
        user: Option<&str>,
    ) -> Result<ResolvedHost, String> {
        let text = match &self.path {
            Some(path) => read_config(path, &self.home)?.unwrap_or_default(),
            None => String::new(),
        };
        self.resolve_text(&text, alias, port, user)
    }

    /// [`resolve`](Self::resolve) with `text` as the main file's content.
    fn resolve_text(
        &self,
        text: &str,
        alias: &str,
        port: Option<u16>,
        user: Option<&str>,
    ) -> Result<ResolvedHost, String> {
        let mut eval = Eval {
            cfg: self,
            alias,
            final_pass: false,
            wants_final: false,
            hostname: None,
            user: user.map(str::to_string),
            port,
            identity_files: Vec::new(),
            host_key_alias: None,
            proxy: None,
            known_hosts_user: None,
            known_hosts_global: None,
            revoked_host_keys: None,
            files_read: 1,
        };
        let file = self.main_file();
        eval.read(text, &file, &mut vec![identity(&file)])?;
        if eval.wants_final {
            // `Match final` blocks apply in a second reading; earlier values still win.
            eval.final_pass = true;
            eval.files_read = 1;
            eval.read(text, &file, &mut vec![identity(&file)])?;
        }
        eval.finish()
    }

    fn main_file(&self) -> PathBuf {
        self.path
            .clone()
            .unwrap_or_else(|| self.home.join(".ssh/config"))
    }

    /// The main file as the user would name it (`~/.ssh/config`).
    fn shown_path(&self) -> String {
        shown(&self.main_file(), &self.home)
    }
}

fn shown(path: &Path, home: &Path) -> String {
    match path.strip_prefix(home) {
        Ok(rest) if !home.as_os_str().is_empty() => format!("~/{}", rest.display()),
        _ => path.display().to_string(),
    }
}

enum Proxy {
    Jump(String),
    Command { file: PathBuf },
    None,
}

/// One reading of the config for one host: the values obtained so far.
struct Eval<'a> {
    cfg: &'a SshConfig,
    alias: &'a str,
    final_pass: bool,
    wants_final: bool,
    hostname: Option<String>,
    user: Option<String>,
    port: Option<u16>,
    identity_files: Vec<String>,
    host_key_alias: Option<String>,
    proxy: Option<Proxy>,
    known_hosts_user: Option<Vec<String>>,
    known_hosts_global: Option<Vec<String>>,
    revoked_host_keys: Option<String>,
    /// Files read so far in this reading, the main file included.
    files_read: usize,
}

impl Eval<'_> {
    /// Reads `file`'s `text`; `chain` holds the files being read, `file` last (the include
    /// chain, to refuse a file that includes itself).
    fn read(&mut self, text: &str, file: &Path, chain: &mut Vec<PathBuf>) -> Result<(), String> {
        let mut active = true; // lines before the first Host or Match apply to every host
        for (n, line) in text.lines().enumerate() {
            let Some((key, args)) = split_line(line) else {
                continue;
            };
            let at = || format!("{} line {}", shown(file, &self.cfg.home), n + 1);
            match key.as_str() {
                "host" => active = host_matches(self.alias, &args),
                "match" => active = self.match_line(&args, &at),
                "include" if active => {
                    for pattern in &args {
                        self.include(pattern, chain, &at)?;
                    }
                }
                _ if !active => {}
                "hostname" => set_once(&mut self.hostname, args.first()),
                "user" => set_once(&mut self.user, args.first()),
                "hostkeyalias" => set_once(&mut self.host_key_alias, args.first()),
                "userknownhostsfile" if self.known_hosts_user.is_none() && !args.is_empty() => {
                    self.known_hosts_user = Some(args);
                }
                "globalknownhostsfile" if self.known_hosts_global.is_none() && !args.is_empty() => {
                    self.known_hosts_global = Some(args);
                }
                "revokedhostkeys" => set_once(&mut self.revoked_host_keys, args.first()),
                "port" if self.port.is_none() => {
                    let value = args.first().map(String::as_str).unwrap_or_default();
                    self.port =
                        Some(parse_port(value).ok_or_else(|| {
                            format!("{}: Port {value:?} is not a port number", at())
                        })?);
                }
                "identityfile" => {
                    if let Some(f) = args.first() {
                        if !self.identity_files.contains(f) {
                            self.identity_files.push(f.clone());
                        }
                    }
                }
                "proxyjump" if self.proxy.is_none() => {
                    self.proxy = args.first().map(|v| match v.eq_ignore_ascii_case("none") {
                        true => Proxy::None,
                        false => Proxy::Jump(v.clone()),
                    });
                }
                "proxycommand" if self.proxy.is_none() => {
                    self.proxy = args.first().map(|v| match v.eq_ignore_ascii_case("none") {
                        true => Proxy::None,
                        false => Proxy::Command {
                            file: file.to_path_buf(),
                        },
                    });
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn include(
        &mut self,
        pattern: &str,
        chain: &mut Vec<PathBuf>,
        at: &dyn Fn() -> String,
    ) -> Result<(), String> {
        if chain.len() > MAX_INCLUDE_DEPTH {
            return Err(format!(
                "{}: Includes nest more than {MAX_INCLUDE_DEPTH} deep: does a file include itself?",
                at()
            ));
        }
        let expanded = expand_path(
            &self.expand(pattern, &self.current_hostname()),
            &self.cfg.home,
        );
        let main = self.cfg.main_file();
        let base = main.parent().unwrap_or(Path::new("/"));
        for path in glob_files(&base.join(expanded)) {
            let id = identity(&path);
            if chain.contains(&id) {
                return Err(format!(
                    "{}: Include reads {} again while it is being read: a file includes itself, \
                     directly or through another",
                    at(),
                    shown(&path, &self.cfg.home)
                ));
            }
            if self.files_read >= MAX_CONFIG_FILES {
                return Err(format!(
                    "{}: Includes read more than {MAX_CONFIG_FILES} files: Squirrel stops there; \
                     include fewer files",
                    at()
                ));
            }
            self.files_read += 1;
            let Some(text) = read_config(&path, &self.cfg.home)? else {
                continue;
            };
            chain.push(id);
            let read = self.read(&text, &path, chain);
            chain.pop();
            read?;
        }
        Ok(())
    }

    /// Whether every criterion of a `Match` line holds (`!` negates one).
    fn match_line(&mut self, args: &[String], at: &dyn Fn() -> String) -> bool {
        let mut result = true;
        let mut args = args.iter();
        while let Some(word) = args.next() {
            let (negate, criterion) = match word.strip_prefix('!') {
                Some(c) => (true, c.to_ascii_lowercase()),
                None => (false, word.to_ascii_lowercase()),
            };
            let holds = match criterion.as_str() {
                "all" => true,
                // Squirrel does not canonicalise host names: there is no canonical pass.
                "canonical" => false,
                "final" => {
                    self.wants_final = true;
                    self.final_pass
                }
                "host" | "originalhost" | "user" | "localuser" => {
                    let Some(patterns) = args.next() else {
                        warn_once(&format!("{}: Match {criterion} needs patterns", at()));
                        return false;
                    };
                    let (subject, fold) = match criterion.as_str() {
                        "host" => (self.current_hostname(), true),
                        "originalhost" => (self.alias.to_string(), true),
                        "user" => (self.current_user(), false),
                        _ => (self.cfg.local_user.clone(), false),
                    };
                    pattern_list_matches(&subject, patterns, fold)
                }
                other => {
                    warn_once(&format!(
                        "Squirrel does not evaluate `Match {other}` ({}): that block is skipped",
                        at()
                    ));
                    return false;
                }
            };
            result &= holds != negate;
        }
        result
    }

    fn current_hostname(&self) -> String {
        match &self.hostname {
            Some(h) => self.expand(h, self.alias),
            None => self.alias.to_string(),
        }
    }

    fn current_user(&self) -> String {
        self.user
            .clone()
            .unwrap_or_else(|| self.cfg.local_user.clone())
    }

    /// `%` tokens with `host` as `%h` and the values obtained so far.
    fn expand(&self, text: &str, host: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('%') => out.push('%'),
                Some('h') => out.push_str(host),
                Some('n') => out.push_str(self.alias),
                Some('p') => out.push_str(&self.port.unwrap_or(22).to_string()),
                Some('r') => out.push_str(&self.current_user()),
                Some('u') => out.push_str(&self.cfg.local_user),
                Some('d') => out.push_str(&self.cfg.home.display().to_string()),
                Some('k') => out.push_str(self.host_key_alias.as_deref().unwrap_or(self.alias)),
                Some(other) => {
                    warn_once(&format!(
                        "Squirrel does not expand the token %{other} in the SSH config: it is kept as is"
                    ));
                    out.push('%');
                    out.push(other);
                }
                None => out.push('%'),
            }
        }
        out
    }

    fn finish(self) -> Result<ResolvedHost, String> {
        let hostname = self.current_hostname();
        let home = &self.cfg.home;
        let identity_from_config = !self.identity_files.is_empty();
        let identity_files = if identity_from_config {
            self.identity_files
                .iter()
                .map(|f| expand_path(&self.expand(f, &hostname), home))
                .collect()
        } else {
            ["id_ed25519", "id_ecdsa", "id_rsa"]
                .iter()
                .map(|f| home.join(".ssh").join(f))
                .collect()
        };
        let proxy_jump = match &self.proxy {
            Some(Proxy::Jump(spec)) => parse_jumps(spec).map_err(|e| {
                format!(
                    "{} sets ProxyJump for {}: {e}",
                    self.cfg.shown_path(),
                    self.alias
                )
            })?,
            Some(Proxy::Command { file }) => {
                return Err(format!(
                    "{} sets ProxyCommand for {}: Squirrel does not run proxy commands; use ProxyJump instead",
                    shown(file, home),
                    self.alias
                ))
            }
            Some(Proxy::None) | None => Vec::new(),
        };
        let path = |f: &String| expand_path(&self.expand(f, &hostname), home);
        let paths = |files: &Option<Vec<String>>| {
            files.as_ref().map(|files| match files.as_slice() {
                [none] if none.eq_ignore_ascii_case("none") => Vec::new(),
                files => files.iter().map(path).collect(),
            })
        };
        let host_key_files = HostKeyFiles {
            user: paths(&self.known_hosts_user),
            global: paths(&self.known_hosts_global),
            revoked: self
                .revoked_host_keys
                .as_ref()
                .filter(|f| !f.eq_ignore_ascii_case("none"))
                .map(path),
        };
        Ok(ResolvedHost {
            alias: self.alias.to_string(),
            port: self.port.unwrap_or(22),
            user: self.current_user(),
            identity_files,
            identity_from_config,
            host_key_alias: self.host_key_alias,
            proxy_jump,
            host_key_files,
            hostname,
        })
    }
}

/// A config file's text, bytes that are not UTF-8 replaced (OpenSSH reads bytes); `None`: no
/// such file. A file that exists but cannot be read is an error: without it, Squirrel could
/// connect straight to a host meant to be reached through a jump host.
fn read_config(path: &Path, home: &Path) -> Result<Option<String>, String> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!(
            "cannot read the SSH config {} ({e}): Squirrel does not connect without it, as it \
             may name the device's jump host, host name or host keys; check the file's permissions",
            shown(path, home)
        )),
    }
}

/// The file `path` names, to compare include chains (the path itself if it has none).
fn identity(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn set_once(slot: &mut Option<String>, value: Option<&String>) {
    if slot.is_none() {
        *slot = value.cloned();
    }
}

fn parse_port(text: &str) -> Option<u16> {
    text.parse().ok().filter(|p| *p != 0)
}

/// `[user@]host[:port]` hops separated by commas, `ssh://` allowed; `none`: no jump.
pub fn parse_jumps(spec: &str) -> Result<Vec<JumpHop>, String> {
    if spec.eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    spec.split(',').map(|hop| parse_hop(hop.trim())).collect()
}

fn parse_hop(text: &str) -> Result<JumpHop, String> {
    let bad = || format!("{text:?} is not [user@]host[:port]");
    let rest = text.strip_prefix("ssh://").unwrap_or(text);
    let (user, rest) = match rest.rsplit_once('@') {
        Some((u, r)) if !u.is_empty() => (Some(u.to_string()), r),
        Some(_) => return Err(bad()),
        None => (None, rest),
    };
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or_else(bad)?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').and_then(parse_port).ok_or_else(bad)?),
        };
        (host, port)
    } else {
        match rest.split_once(':') {
            Some((host, p)) => (host, Some(parse_port(p).ok_or_else(bad)?)),
            None => (rest, None),
        }
    };
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '/') {
        return Err(bad());
    }
    Ok(JumpHop {
        user,
        host: host.to_string(),
        port,
    })
}

/// The lowercased keyword and the arguments of a config line; `None` for blanks and comments.
fn split_line(line: &str) -> Option<(String, Vec<String>)> {
    let line = line.trim_start();
    if line.starts_with('#') {
        return None;
    }
    let end = line
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(line.len());
    let (key, rest) = line.split_at(end);
    if key.is_empty() {
        return None;
    }
    let rest = rest.trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest);
    Some((key.to_ascii_lowercase(), split_args(rest)))
}

/// Whitespace-separated words; `"…"` and `'…'` group, `\` escapes a quote, a backslash or a
/// blank; a word starting with `#` begins a comment.
fn split_args(text: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.peek() {
            None | Some('#') => return args,
            Some(_) => {}
        }
        let mut arg = String::new();
        let mut quote: Option<char> = None;
        while let Some(&c) = chars.peek() {
            if quote.is_none() && c.is_whitespace() {
                break;
            }
            chars.next();
            match c {
                '"' | '\'' if quote.is_none() => quote = Some(c),
                c if Some(c) == quote => quote = None,
                '\\' => match chars.peek() {
                    Some(&n) if matches!(n, '\\' | '"' | '\'') || n.is_whitespace() => {
                        arg.push(n);
                        chars.next();
                    }
                    _ => arg.push('\\'),
                },
                c => arg.push(c),
            }
        }
        args.push(arg);
    }
}

/// `~` and `~/…` to the home folder.
fn expand_path(path: &str, home: &Path) -> PathBuf {
    if path == "~" {
        return home.to_path_buf();
    }
    match path.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None => PathBuf::from(path),
    }
}

/// The files matching `pattern` (`*` and `?` in any component), sorted as glob(3) does.
fn glob_files(pattern: &Path) -> Vec<PathBuf> {
    let mut found = vec![PathBuf::new()];
    for part in pattern.components() {
        let part_text = part.as_os_str().to_string_lossy();
        if !part_text.contains(['*', '?']) {
            found.iter_mut().for_each(|p| p.push(part));
            continue;
        }
        let mut next = Vec::new();
        for dir in &found {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| !n.starts_with('.') || part_text.starts_with('.'))
                .filter(|n| wildcard(&part_text, n, false))
                .collect();
            names.sort();
            next.extend(names.into_iter().map(|n| dir.join(n)));
        }
        found = next;
    }
    found.retain(|p| p.is_file());
    found
}

/// OpenSSH's `Host` line: some positive pattern matches and no negated one does.
fn host_matches(alias: &str, patterns: &[String]) -> bool {
    let mut matched = false;
    for p in patterns {
        if let Some(negated) = p.strip_prefix('!') {
            if wildcard(negated, alias, true) {
                return false;
            }
        } else if wildcard(p, alias, true) {
            matched = true;
        }
    }
    matched
}

/// A `Match` argument: comma-separated patterns, `!` negates.
fn pattern_list_matches(subject: &str, list: &str, fold_case: bool) -> bool {
    let mut matched = false;
    for p in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(negated) = p.strip_prefix('!') {
            if wildcard(negated, subject, fold_case) {
                return false;
            }
        } else if wildcard(p, subject, fold_case) {
            matched = true;
        }
    }
    matched
}

/// `*` and `?` wildcards.
fn wildcard(pattern: &str, text: &str, fold_case: bool) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let same = |a: char, b: char| a == b || (fold_case && a.eq_ignore_ascii_case(&b));
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if pi < p.len() && (p[pi] == '?' || same(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
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

/// Logs `message` the first time only: a config is read at every connection.
fn warn_once(message: &str) {
    static SEEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    if let Ok(mut seen) = SEEN.lock() {
        if seen.len() < 256 && seen.insert(message.to_string()) {
            tracing::warn!("{message}");
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

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

    fn cfg(home: &Path) -> SshConfig {
        SshConfig {
            path: Some(home.join(".ssh/config")),
            home: home.to_path_buf(),
            local_user: "me".into(),
        }
    }

    fn resolve(text: &str, alias: &str) -> ResolvedHost {
        cfg(Path::new("/home/me"))
            .resolve_text(text, alias, None, None)
            .unwrap()
    }

    #[test]
    fn an_alias_resolves_to_its_host_user_port_and_key() {
        let c = cfg(Path::new("/home/me"));
        let r = c.resolve_text(CONFIG, "nas", None, None).unwrap();
        assert_eq!(r.hostname, "192.168.1.20");
        assert_eq!(r.port, 2222);
        assert_eq!(r.user, "admin");
        assert_eq!(
            r.identity_files,
            vec![PathBuf::from("/home/me/.ssh/nas_key")]
        );
        assert!(r.identity_from_config);

        let r = c.resolve_text(CONFIG, "pi.lab", Some(2200), None).unwrap();
        assert_eq!(
            (r.hostname.as_str(), r.port, r.user.as_str()),
            ("pi.lab", 2200, "labuser")
        );
        assert_eq!(r.identity_files, vec![PathBuf::from("/keys/lab")]);

        let r = c.resolve_text(CONFIG, "bad.lab", None, Some("me")).unwrap();
        assert_eq!((r.port, r.user.as_str()), (22, "me"));
        assert_eq!(
            r.identity_files[0],
            PathBuf::from("/home/me/.ssh/id_ed25519")
        );
        assert!(!r.identity_from_config);
    }

    #[test]
    fn no_config_means_the_alias_itself_as_the_local_user() {
        let r = resolve("", "box");
        assert_eq!(
            (r.hostname.as_str(), r.port, r.user.as_str()),
            ("box", 22, "me")
        );
        assert!(r.proxy_jump.is_empty() && r.host_key_alias.is_none());
    }

    #[test]
    fn match_host_sees_the_host_name_and_originalhost_the_alias() {
        let text = "
Host web
    HostName web.internal.example
Match host *.internal.example
    User ops
Match originalhost web
    Port 2022
Match host web
    IdentityFile /never
";
        let r = resolve(text, "web");
        assert_eq!(r.user, "ops");
        assert_eq!(r.port, 2022);
        assert!(!r.identity_from_config, "Match host compares the HostName");
    }

    #[test]
    fn match_user_sees_the_explicit_user_then_the_config_user() {
        let text = "
Match user deploy
    Port 2200
Host box
    User admin
Match user admin,!root
    IdentityFile /keys/admin
Match !user admin
    HostKeyAlias not-admin
";
        let c = cfg(Path::new("/home/me"));
        let r = c.resolve_text(text, "box", None, Some("deploy")).unwrap();
        assert_eq!((r.port, r.user.as_str()), (2200, "deploy"));
        assert!(!r.identity_from_config);
        assert_eq!(r.host_key_alias.as_deref(), Some("not-admin"));
        let r = c.resolve_text(text, "box", None, None).unwrap();
        assert_eq!((r.port, r.user.as_str()), (22, "admin"));
        assert_eq!(r.identity_files, vec![PathBuf::from("/keys/admin")]);
        assert_eq!(r.host_key_alias, None);
    }

    #[test]
    fn match_all_final_and_unsupported_criteria() {
        let text = "
Match exec \"true\"
    User from-exec
Match !exec \"false\"
    User from-negated-exec
Match canonical all
    User from-canonical
Match final all
    Port 2201
Match all
    User everyone
";
        let r = resolve(text, "box");
        assert_eq!(r.user, "everyone", "unsupported criteria never match");
        assert_eq!(r.port, 2201, "Match final applies in the final reading");
        let r = resolve("Match all\n  Port 2\nMatch final\n  Port 3\n", "box");
        assert_eq!(r.port, 2, "values of the first reading win");
    }

    #[test]
    fn tokens_and_tilde_are_expanded() {
        let text = "
Host box
    HostName %h.example.com
    User alice
    IdentityFile ~/.ssh/%r@%h-%p
    IdentityFile %d/keys/%n_%u_100%%
    IdentityFile ~
";
        let r = resolve(text, "box");
        assert_eq!(r.hostname, "box.example.com");
        assert_eq!(
            r.identity_files,
            vec![
                PathBuf::from("/home/me/.ssh/alice@box.example.com-22"),
                PathBuf::from("/home/me/keys/box_me_100%"),
                PathBuf::from("/home/me"),
            ]
        );
    }

    #[test]
    fn host_key_alias_replaces_the_name_in_known_hosts() {
        let text = "Host box\n HostName 10.0.0.5\n Port 2222\n HostKeyAlias box-key\n";
        let r = resolve(text, "box");
        assert_eq!(r.known_hosts_name(), ("box-key", 22));
        assert_eq!(resolve("", "box").known_hosts_name(), ("box", 22));
        let r = resolve("Host box\n Port 2222\n", "box");
        assert_eq!(r.known_hosts_name(), ("box", 2222));
    }

    #[test]
    fn proxy_jump_lists_parse() {
        assert_eq!(parse_jumps("none").unwrap(), vec![]);
        assert_eq!(
            parse_jumps("alice@bastion:2222, gw,ssh://bob@[fe80::1]:22,[::1]").unwrap(),
            vec![
                JumpHop {
                    user: Some("alice".into()),
                    host: "bastion".into(),
                    port: Some(2222)
                },
                JumpHop {
                    user: None,
                    host: "gw".into(),
                    port: None
                },
                JumpHop {
                    user: Some("bob".into()),
                    host: "fe80::1".into(),
                    port: Some(22)
                },
                JumpHop {
                    user: None,
                    host: "::1".into(),
                    port: None
                },
            ]
        );
        for bad in [
            "", "a,,b", "host:0", "host:ssh", "@host", "[::1", "[::1]x", "a b",
        ] {
            assert!(parse_jumps(bad).is_err(), "{bad:?}");
        }
        let err = cfg(Path::new("/home/me"))
            .resolve_text("Host x\n ProxyJump host:99999\n", "x", None, None)
            .unwrap_err();
        assert!(
            err.contains("~/.ssh/config sets ProxyJump for x") && err.contains("host:99999"),
            "{err}"
        );
    }

    #[test]
    fn a_route_resolves_every_hop_and_follows_the_first_hops_own_jump() {
        let text = "
Host target
    HostName 10.1.0.9
    ProxyJump ops@mid:2200,last
Host mid
    HostName mid.example
    User nobody
    ProxyJump edge
Host last
    ProxyJump never-followed
Host edge
    HostName edge.example
    ProxyJump none
Host *
    ProxyJump edge
";
        let c = cfg(Path::new("/home/me"));
        let dir = tempfile::tempdir().unwrap();
        let c = SshConfig {
            path: Some(dir.path().join("config")),
            ..c
        };
        let file = dir.path().join("config");
        std::fs::write(&file, text).unwrap();
        let route = c.route("target", None, Some("root")).unwrap();
        let names: Vec<(&str, u16, &str)> = route
            .iter()
            .map(|h| (h.hostname.as_str(), h.port, h.user.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("edge.example", 22, "me"),
                ("mid.example", 2200, "ops"),
                ("last", 22, "me"),
                ("10.1.0.9", 22, "root"),
            ]
        );
        // `Host *` jumps through edge, and edge has no `ProxyJump none` in this file: a loop.
        std::fs::write(&file, "Host *\n ProxyJump edge\n").unwrap();
        let err = c.route("target", None, None).unwrap_err();
        assert!(err.contains("more than 8 ProxyJump hosts"), "{err}");
        std::fs::write(&file, "Host other\n ProxyJump edge\n").unwrap();
        assert_eq!(c.route("target", None, None).unwrap().len(), 1);
    }

    #[test]
    fn proxy_command_is_refused_unless_none_or_after_proxy_jump() {
        let c = cfg(Path::new("/home/me"));
        let err = c
            .resolve_text(
                "Host box\n  ProxyCommand ssh -W %h:%p gw\n",
                "box",
                None,
                None,
            )
            .unwrap_err();
        assert_eq!(
            err,
            "~/.ssh/config sets ProxyCommand for box: Squirrel does not run proxy commands; use ProxyJump instead"
        );
        let r = resolve("Host box\n ProxyCommand none\n ProxyJump gw\n", "box");
        assert!(r.proxy_jump.is_empty());
        let r = resolve("Host box\n ProxyJump gw\n ProxyCommand nc %h %p\n", "box");
        assert_eq!(r.proxy_jump[0].host, "gw");
        assert!(resolve("Host other\n ProxyCommand nc %h %p\n", "box")
            .proxy_jump
            .is_empty());
    }

    #[test]
    fn includes_are_read_in_place_with_globs_and_inside_blocks() {
        let home = tempfile::tempdir().unwrap();
        let ssh = home.path().join(".ssh");
        std::fs::create_dir_all(ssh.join("conf.d")).unwrap();
        std::fs::write(
            ssh.join("config"),
            "Include conf.d/*.conf\nHost box\n  Include ~/.ssh/box-only\n  Port 2000\nHost *\n  User fallback\n",
        )
        .unwrap();
        // Sorted: 10-hosts before 20-late; the hidden and non-matching files are not read.
        std::fs::write(
            ssh.join("conf.d/10-hosts.conf"),
            "Host box\n  HostName box.lan\nHost other\n  Port 1\n",
        )
        .unwrap();
        std::fs::write(
            ssh.join("conf.d/20-late.conf"),
            "HostName too-late\nUser from-include\n",
        )
        .unwrap();
        std::fs::write(ssh.join("conf.d/.hidden.conf"), "Port 3\n").unwrap();
        std::fs::write(ssh.join("conf.d/readme"), "Port 4\n").unwrap();
        std::fs::write(ssh.join("box-only"), "HostKeyAlias box-alias\nPort 2100\n").unwrap();
        let c = SshConfig::new(Some(ssh.join("config")), home.path().to_path_buf());
        let r = c.resolve("box", None, None).unwrap();
        assert_eq!(r.hostname, "box.lan");
        assert_eq!(r.user, "from-include", "an include starts active again");
        assert_eq!(r.port, 2100);
        assert_eq!(r.host_key_alias.as_deref(), Some("box-alias"));
        let r = c.resolve("elsewhere", None, None).unwrap();
        assert_eq!(
            (r.hostname.as_str(), r.port, r.user.as_str()),
            ("too-late", 22, "from-include")
        );
        assert!(r.host_key_alias.is_none(), "box-only is read for box only");

        std::fs::write(ssh.join("config"), "Include config\n").unwrap();
        let err = c.resolve("box", None, None).unwrap_err();
        assert!(
            err.contains("line 1: Include reads ~/.ssh/config again while it is being read"),
            "{err}"
        );
    }

    #[test]
    fn includes_that_loop_or_read_too_many_files_stop_at_once() {
        let home = tempfile::tempdir().unwrap();
        let ssh = home.path().join(".ssh");
        std::fs::create_dir_all(ssh.join("d")).unwrap();
        std::fs::write(ssh.join("config"), "Include d/*.conf\n").unwrap();
        // Each file includes the glob again: without the chain check, 2^16 files are read.
        for name in ["a.conf", "b.conf"] {
            std::fs::write(ssh.join("d").join(name), "Include d/*.conf\n").unwrap();
        }
        let c = SshConfig::new(Some(ssh.join("config")), home.path().to_path_buf());
        let err = c.resolve("box", None, None).unwrap_err();
        assert_eq!(
            err,
            "~/.ssh/d/a.conf line 1: Include reads ~/.ssh/d/a.conf again while it is being \
             read: a file includes itself, directly or through another"
        );

        // A file may be read twice, just not inside itself.
        std::fs::write(ssh.join("d/a.conf"), "Include d/b.inc\n").unwrap();
        std::fs::write(ssh.join("d/b.conf"), "Include d/b.inc\n").unwrap();
        std::fs::write(ssh.join("d/b.inc"), "Port 2022\n").unwrap();
        assert_eq!(c.resolve("box", None, None).unwrap().port, 2022);

        for i in 0..70 {
            std::fs::write(ssh.join(format!("d/{i:02}.conf")), "User u\n").unwrap();
        }
        let err = c.resolve("box", None, None).unwrap_err();
        assert!(
            err.starts_with("~/.ssh/config line 1: Includes read more than 64 files"),
            "{err}"
        );
    }

    #[test]
    fn a_config_file_that_cannot_be_read_stops_the_connection() {
        let home = tempfile::tempdir().unwrap();
        let ssh = home.path().join(".ssh");
        std::fs::create_dir_all(&ssh).unwrap();
        let c = SshConfig::new(Some(ssh.join("config")), home.path().to_path_buf());
        // No file: no config.
        assert_eq!(c.resolve("box", None, None).unwrap().hostname, "box");
        // A folder where the file should be exists but cannot be read (even as root).
        std::fs::create_dir(ssh.join("config")).unwrap();
        let err = c.resolve("box", None, None).unwrap_err();
        assert!(
            err.starts_with("cannot read the SSH config ~/.ssh/config (")
                && err.contains("may name the device's jump host"),
            "{err}"
        );
        std::fs::remove_dir(ssh.join("config")).unwrap();

        // Bytes that are not UTF-8 do not hide the rest of the file.
        let mut text = b"# caf\xe9\nHost box\n  HostName box.lan\n".to_vec();
        text.extend_from_slice(b"  ProxyJump gw # \xff\n");
        std::fs::write(ssh.join("included"), &text).unwrap();
        std::fs::write(ssh.join("config"), "Include included\n").unwrap();
        let r = c.resolve("box", None, None).unwrap();
        assert_eq!(
            (r.hostname.as_str(), r.proxy_jump[0].host.as_str()),
            ("box.lan", "gw")
        );

        // An included file that exists but cannot be read: a regular file whose read fails.
        #[cfg(target_os = "linux")]
        {
            std::fs::write(ssh.join("config"), "Host box\n  Include /proc/self/mem\n").unwrap();
            let err = c.resolve("box", None, None).unwrap_err();
            assert!(
                err.starts_with("cannot read the SSH config /proc/self/mem ("),
                "{err}"
            );
            assert!(c.resolve("other", None, None).is_ok(), "read for box only");
        }
    }

    #[test]
    fn host_key_files_of_the_config_are_resolved() {
        let text = "
Host box
    HostName box.lan
    UserKnownHostsFile ~/.ssh/kh-%h /etc/team_known_hosts
    GlobalKnownHostsFile none
    RevokedHostKeys ~/.ssh/revoked
Host *
    UserKnownHostsFile /never
    RevokedHostKeys /never
Host other
    RevokedHostKeys none
";
        let r = resolve(text, "box");
        assert_eq!(
            r.host_key_files,
            HostKeyFiles {
                user: Some(vec![
                    PathBuf::from("/home/me/.ssh/kh-box.lan"),
                    PathBuf::from("/etc/team_known_hosts"),
                ]),
                global: Some(vec![]),
                revoked: Some(PathBuf::from("/home/me/.ssh/revoked")),
            }
        );
        assert_eq!(resolve("", "box").host_key_files, HostKeyFiles::default());
        let r = resolve(
            "Host other\n  RevokedHostKeys none\n  UserKnownHostsFile\n",
            "other",
        );
        assert_eq!(r.host_key_files, HostKeyFiles::default());
    }

    #[test]
    fn line_syntax() {
        assert_eq!(
            split_line("  HostName = \"my host\"  # comment"),
            Some(("hostname".into(), vec!["my host".into()]))
        );
        assert_eq!(
            split_line("IdentityFile=/a\\ b 'c d' e\\x"),
            Some((
                "identityfile".into(),
                vec!["/a b".into(), "c d".into(), "e\\x".into()]
            ))
        );
        assert_eq!(split_line("   # only a comment"), None);
        assert_eq!(split_line("=x"), None);
        let r = resolve("HOST box\nhOsTnAmE=Box.Example\nPORT=2\n", "BOX");
        assert_eq!((r.hostname.as_str(), r.port), ("Box.Example", 2));
        let err = cfg(Path::new("/home/me"))
            .resolve_text("Host box\n\n  Port twenty\n", "box", None, None)
            .unwrap_err();
        assert_eq!(
            err,
            "~/.ssh/config line 3: Port \"twenty\" is not a port number"
        );
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("*.lab", "a.lab", true));
        assert!(wildcard("h?st", "HOST", true));
        assert!(!wildcard("h?st", "HOST", false));
        assert!(!wildcard("*.lab", "a.labs", true));
        assert!(wildcard("*", "", true));
        assert!(wildcard("a*b*c", "axxbyyc", false));
        assert!(!wildcard("a*b*c", "axxbyy", false));
    }

    proptest! {
        #[test]
        fn any_config_text_resolves_or_explains_without_panicking(
            text in "(?s)[ -~\t\n=\"'\\\\#%!*?,@:\\[\\]]{0,400}",
            alias in "[a-z0-9.*%-]{0,12}",
        ) {
            let c = cfg(Path::new("/nonexistent-home"));
            if let Ok(r) = c.resolve_text(&text, &alias, None, None) {
                prop_assert!(r.port != 0);
                prop_assert!(!r.identity_files.is_empty());
            }
        }

        #[test]
        fn keywords_of_real_lines_always_apply(
            host in "[a-z][a-z0-9.-]{0,20}",
            port in 1u16..,
            user in "[a-z_][a-z0-9_]{0,10}",
            sep in prop::sample::select(vec![" ", "=", " = ", "\t"]),
        ) {
            let text = format!("Host {host}\n HostName{sep}{host}.x\n Port{sep}{port}\n User{sep}\"{user}\"\n");
            let r = resolve(&text, &host);
            prop_assert_eq!(r.hostname, format!("{host}.x"));
            prop_assert_eq!(r.port, port);
            prop_assert_eq!(r.user, user);
        }
    }
}
