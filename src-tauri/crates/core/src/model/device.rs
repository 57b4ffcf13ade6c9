//! Devices: how Squirrel reaches an engine, its status, connection tests and imports.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::factory::WatcherKind;

/// Files for mutual TLS with a Docker engine (`dockerd --tlsverify`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TlsFiles {
    /// The CA that signed the engine's certificate.
    pub ca_path: String,
    /// The client certificate.
    pub cert_path: String,
    /// The client key (unencrypted PEM).
    pub key_path: String,
}

/// How Squirrel authenticates to an SSH server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "method", rename_all = "camelCase")]
pub enum SshAuth {
    /// Keys held by the running ssh-agent (`SSH_AUTH_SOCK`).
    Agent,
    /// A private key file; its passphrase, if any, lives in the OS keyring.
    #[serde(rename_all = "camelCase")]
    KeyFile {
        /// Empty: the `IdentityFile` of `~/.ssh/config`, else `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`.
        path: String,
        passphrase: Option<SecretRef>,
    },
    /// A password from the OS keyring (`None` until Squirrel has stored it).
    Password { secret: Option<SecretRef> },
}

/// Where a secret lives in the OS keyring. The database holds only this reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SecretRef {
    pub service: String,
    pub account: String,
}

/// How Squirrel reaches a device's engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum DeviceConnection {
    /// A Docker engine on a local unix socket.
    LocalSocket { path: String },
    /// A Docker engine on TCP: with mutual TLS, or plain only when the user accepted the risk.
    #[serde(rename_all = "camelCase")]
    Tcp {
        host: String,
        port: u16,
        tls: Option<TlsFiles>,
        /// The user's explicit acknowledgement that plain TCP is unauthenticated.
        insecure_acknowledged: bool,
    },
    /// A Docker engine on another machine, reached over SSH without any agent there: each
    /// connection is a channel to the remote socket.
    #[serde(rename_all = "camelCase")]
    Ssh {
        /// A host name, address, or a `Host` alias of `~/.ssh/config`.
        host: String,
        /// `None`: from `~/.ssh/config`, else 22.
        port: Option<u16>,
        /// `None`: from `~/.ssh/config`, else the local user name.
        user: Option<String>,
        /// The engine's socket on the remote machine.
        socket_path: String,
        auth: SshAuth,
    },
    /// A Proxmox VE cluster, through the API of any one of its nodes (all are found).
    #[serde(rename_all = "camelCase")]
    Proxmox {
        /// `https://pve.lan:8006`; the port defaults to 8006.
        url: String,
        /// The API token's id, `user@realm!tokenid`; or, for a login with a password, the
        /// user, `user@realm` (Proxmox tells them apart by the `!`).
        token_id: String,
        /// The token's secret, or the user's password, in the OS keyring (`None` until
        /// Squirrel has stored it).
        secret: Option<SecretRef>,
        /// How the node's certificate is trusted.
        trust: PveTrust,
    },
}

/// A node of a Proxmox VE cluster and its health, as the Devices screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ClusterNode {
    pub name: String,
    pub online: bool,
    /// Its load, in percent of all its CPUs (whole percents).
    pub cpu_percent: Option<f64>,
    pub cpus: Option<u32>,
    #[specta(type = Option<f64>)]
    pub memory_used: Option<u64>,
    #[specta(type = Option<f64>)]
    pub memory_total: Option<u64>,
    #[specta(type = Option<f64>)]
    pub uptime_secs: Option<u64>,
}

/// How a Proxmox VE node's TLS certificate is trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "mode", rename_all = "camelCase")]
pub enum PveTrust {
    /// Proxmox's own self-signed certificate: its SHA-256 fingerprint, given here or shown
    /// to the user and approved on first use; a changed one is refused, as SSH host keys are.
    #[serde(rename_all = "camelCase")]
    Fingerprint { fingerprint: Option<String> },
    /// A certificate signed by this CA (PEM file).
    #[serde(rename_all = "camelCase")]
    Ca { ca_path: String },
    /// A certificate the system's roots accept.
    System,
}

impl DeviceConnection {
    pub fn watcher_kind(&self) -> WatcherKind {
        match self {
            DeviceConnection::LocalSocket { .. }
            | DeviceConnection::Tcp { .. }
            | DeviceConnection::Ssh { .. } => WatcherKind::Docker,
            DeviceConnection::Proxmox { .. } => WatcherKind::Proxmox,
        }
    }

    /// A short human description, e.g. `unix:///var/run/docker.sock`.
    pub fn describe(&self) -> String {
        match self {
            DeviceConnection::LocalSocket { path } => format!("unix://{path}"),
            DeviceConnection::Tcp { host, port, .. } => format!("tcp://{}", authority(host, *port)),
            DeviceConnection::Ssh {
                host, port, user, ..
            } => {
                let user = user.as_deref().map(|u| format!("{u}@")).unwrap_or_default();
                let port = port.map(|p| format!(":{p}")).unwrap_or_default();
                format!("ssh://{user}{host}{port}")
            }
            DeviceConnection::Proxmox { url, token_id, .. } => format!("{token_id} at {url}"),
        }
    }
}

/// A Proxmox VE token id as PVE writes it: `user@realm!name`.
pub fn check_pve_token_id(token_id: &str) -> Result<(), String> {
    let ok = token_id.split_once('@').is_some_and(|(user, rest)| {
        !user.is_empty()
            && rest
                .split_once('!')
                .is_some_and(|(realm, name)| !realm.is_empty() && !name.is_empty())
    }) && token_id.len() <= 256
        && !token_id
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '=');
    if ok {
        Ok(())
    } else {
        // Not repeated: a secret pasted in the wrong field must not be shown back.
        Err("That is not a token id: write it as user@realm!name, e.g. root@pam!squirrel".into())
    }
}

/// A Proxmox VE user as PVE writes it for a password login: `user@realm`.
pub fn check_pve_user(user: &str) -> Result<(), String> {
    let ok = user
        .split_once('@')
        .is_some_and(|(name, realm)| !name.is_empty() && !realm.is_empty() && !realm.contains('@'))
        && user.len() <= 256
        && !user
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '=' | '!' | ':'));
    if ok {
        Ok(())
    } else {
        Err("That is not a Proxmox user: write it as user@realm, e.g. root@pam".into())
    }
}

/// The address of a Proxmox VE node as the user may write it (`pve.lan`, `10.0.0.5:8006`,
/// `https://pve.lan:8006/`): what can be said without parsing it as a URL (the client does).
pub fn check_pve_url(text: &str) -> Result<(), String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(
            "Give the address of a Proxmox VE node, as pve.lan or https://pve.lan:8006.".into(),
        );
    }
    if text.starts_with("http://") {
        return Err(
            "The Proxmox VE API is served over HTTPS only: write https:// (or no scheme).".into(),
        );
    }
    if text.contains("://") && !text.starts_with("https://") {
        return Err(format!("\"{text}\" is not an https:// address of a node."));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "\"{text}\" is not an address: it has spaces in it."
        ));
    }
    if text.contains('@') {
        return Err("Put the user in the token id, not in the address.".into());
    }
    Ok(())
}

/// A SHA-256 fingerprint written with or without colons, in either case.
pub fn parse_sha256_fingerprint(text: &str) -> Option<[u8; 32]> {
    let hex: Vec<u8> = text.trim().bytes().filter(|b| *b != b':').collect();
    if hex.len() != 64 || !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (byte, pair) in bytes.iter_mut().zip(hex.chunks(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(bytes)
}

/// `host:port`, with an IPv6 literal in brackets (`[::1]:2376`).
pub fn authority(host: &str, port: u16) -> String {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// A host whose containers Squirrel manages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    pub uuid: String,
    pub name: String,
    pub connection: DeviceConnection,
    pub enabled: bool,
    /// Seconds between full resyncs of the inventory (events keep it current in between).
    pub resync_interval_secs: u32,
    /// Seconds between stats rounds of the running containers; 0 turns collection off.
    pub stats_interval_secs: u32,
    /// Unix seconds.
    #[specta(type = f64)]
    pub created_at: i64,
}

/// Input for creating a device.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct NewDevice {
    pub name: String,
    pub connection: DeviceConnection,
    pub resync_interval_secs: Option<u32>,
    pub stats_interval_secs: Option<u32>,
}

/// Changes to a device; `None` keeps the current value.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DevicePatch {
    pub name: Option<String>,
    pub connection: Option<DeviceConnection>,
    pub resync_interval_secs: Option<u32>,
    pub stats_interval_secs: Option<u32>,
    pub enabled: Option<bool>,
}

/// What a connection test found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EngineProbe {
    pub engine_version: String,
    pub api_version: String,
    pub os: String,
    pub architecture: String,
    pub containers: u32,
    pub running: u32,
    pub images: u32,
    /// Things the user should know, e.g. that an SSH fallback is in use.
    pub notes: Vec<String>,
}

/// Whether Squirrel currently talks to the device's engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum DeviceStatus {
    Online {
        #[serde(rename = "engineVersion")]
        engine_version: String,
    },
    Connecting,
    Unreachable {
        reason: String,
    },
    /// The SSH server showed a host key nobody has approved yet: the user must compare the
    /// fingerprint and approve it (trust on first use).
    #[serde(rename_all = "camelCase")]
    HostKeyUnknown {
        prompt: HostKeyPrompt,
    },
    Disabled,
}

/// An SSH host key waiting for the user's approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HostKeyPrompt {
    /// The kind of device whose connection showed the key (it approves it).
    pub kind: WatcherKind,
    pub host: String,
    pub port: u16,
    /// `ssh-ed25519`, `ecdsa-sha2-nistp256`, ...
    pub algorithm: String,
    /// As OpenSSH prints it: `SHA256:…`.
    pub fingerprint: String,
}

impl DeviceStatus {
    pub fn is_online(&self) -> bool {
        matches!(self, DeviceStatus::Online { .. })
    }
}

/// An engine found on this computer (a Docker CLI context, `DOCKER_HOST`), offered for import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DiscoveredEngine {
    pub name: String,
    /// Where it was found, e.g. `docker context "nas"`.
    pub source: String,
    /// How to reach it, or why Squirrel cannot.
    #[serde(with = "connection_or_reason")]
    #[specta(type = ConnectionOrReason)]
    pub connection: Result<DeviceConnection, String>,
}

/// The serialised form of a discovered engine's connection.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionOrReason {
    pub connection: Option<DeviceConnection>,
    pub reason: Option<String>,
}

mod connection_or_reason {
    use super::{ConnectionOrReason, DeviceConnection};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(
        v: &Result<DeviceConnection, String>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        ConnectionOrReason {
            connection: v.as_ref().ok().cloned(),
            reason: v.as_ref().err().cloned(),
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Result<DeviceConnection, String>, D::Error> {
        let v = ConnectionOrReason::deserialize(d)?;
        Ok(v.connection.ok_or_else(|| v.reason.unwrap_or_default()))
    }
}

/// What importing one discovered engine did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum ImportOutcome {
    #[serde(rename_all = "camelCase")]
    Added {
        device_uuid: String,
    },
    #[serde(rename_all = "camelCase")]
    AlreadyPresent {
        device_uuid: String,
    },
    Skipped {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportResult {
    pub name: String,
    pub source: String,
    pub outcome: ImportOutcome,
}
