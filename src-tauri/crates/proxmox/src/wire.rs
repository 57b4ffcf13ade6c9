//! What the Proxmox VE API sends, read leniently as its clients must: every payload in a
//! `{"data": …}` envelope, numbers that may come as strings, booleans as `0`/`1`, optional
//! fields absent. Field names follow the API (`../shared/reference/proxmox.md`, §4–§5).

use serde::de::{self, Deserializer};
use serde::Deserialize;

/// The envelope around every answer.
#[derive(Debug, Deserialize)]
pub struct Envelope<T> {
    pub data: T,
}

/// A number the API may send as a number or as a string; anything else reads as absent.
fn lenient_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(match value {
        serde_json::Value::Number(n) => n.as_f64().filter(|f| f.is_finite()),
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        serde_json::Value::Bool(b) => Some(if b { 1.0 } else { 0.0 }),
        _ => None,
    })
}

fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(lenient_f64(d)?
        .filter(|f| *f >= 0.0 && *f <= u64::MAX as f64)
        .map(|f| f as u64))
}

fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(lenient_f64(d)?.is_some_and(|f| f != 0.0))
}

/// A string field that must be there: a number is taken as its text (a VMID, say).
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(de::Error::custom(format!("expected text, got {other}"))),
    }
}

/// An optional text field: a number is taken as its text (a guest named `2024`), anything
/// else (an object, a list) as absent, never as a reason to refuse the whole answer.
fn lenient_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// `GET /version`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Version {
    #[serde(deserialize_with = "text")]
    pub version: String,
    #[serde(default)]
    pub release: Option<String>,
}

/// One node of `GET /nodes`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Node {
    #[serde(deserialize_with = "text")]
    pub node: String,
    /// `online`, `offline` or `unknown`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub cpu: Option<f64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub maxcpu: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub mem: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub maxmem: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub uptime: Option<u64>,
    #[serde(default)]
    pub ssl_fingerprint: Option<String>,
}

impl Node {
    pub fn is_online(&self) -> bool {
        self.status.as_deref() == Some("online")
    }
}

/// The two kinds of guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GuestType {
    Lxc,
    Qemu,
}

impl GuestType {
    pub fn as_str(self) -> &'static str {
        match self {
            GuestType::Lxc => "lxc",
            GuestType::Qemu => "qemu",
        }
    }
}

/// One item of `GET /cluster/resources?type=vm`: a guest of any node, with its counters.
/// Items of other types (a storage, a node) are read and left out by [`guests`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Resource {
    #[serde(rename = "type", deserialize_with = "text")]
    pub kind: String,
    #[serde(default, deserialize_with = "lenient_text")]
    pub node: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub vmid: Option<u64>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub status: Option<String>,
    /// A fraction of `maxcpu`.
    #[serde(default, deserialize_with = "lenient_f64")]
    pub cpu: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub maxcpu: Option<f64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub mem: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub maxmem: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub disk: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub maxdisk: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub diskread: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub diskwrite: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub netin: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub netout: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub uptime: Option<u64>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub template: bool,
    #[serde(default, deserialize_with = "lenient_text")]
    pub tags: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub lock: Option<String>,
}

/// A guest as Squirrel follows it: the cluster-wide listing's fields, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Guest {
    pub kind: GuestType,
    pub node: String,
    pub vmid: u64,
    pub name: String,
    /// `running`, `stopped`, `paused` (a suspended guest), or what the API said.
    pub status: String,
    pub cpu_fraction: f64,
    pub cpus: f64,
    pub mem: u64,
    pub maxmem: u64,
    pub disk: u64,
    pub maxdisk: u64,
    pub diskread: u64,
    pub diskwrite: u64,
    pub netin: u64,
    pub netout: u64,
    pub uptime: u64,
    pub template: bool,
    pub tags: Vec<String>,
    pub lock: Option<String>,
    /// When it started (Unix seconds), from its uptime; set by the watcher, which keeps it
    /// steady from poll to poll (uptime is whole seconds, the polls are not).
    pub started_at: Option<i64>,
}

/// VMIDs the API allows.
const VMID_MIN: u64 = 100;
const VMID_MAX: u64 = 999_999_999;

/// The guests among a cluster listing; an item without its node or a valid VMID is left out
/// (and said in the log), not guessed.
pub fn guests(resources: Vec<Resource>) -> Vec<Guest> {
    resources
        .into_iter()
        .filter_map(|r| {
            let kind = match r.kind.as_str() {
                "lxc" => GuestType::Lxc,
                "qemu" => GuestType::Qemu,
                _ => return None,
            };
            let (Some(node), Some(vmid)) = (r.node.filter(|n| !n.is_empty()), r.vmid) else {
                tracing::warn!(kind = %r.kind, "a guest without its node or VMID is left out");
                return None;
            };
            if !(VMID_MIN..=VMID_MAX).contains(&vmid) {
                tracing::warn!(vmid, "a guest with a VMID out of range is left out");
                return None;
            }
            let name = r
                .name
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| match kind {
                    GuestType::Lxc => format!("CT{vmid}"),
                    GuestType::Qemu => format!("VM{vmid}"),
                });
            Some(Guest {
                kind,
                node,
                vmid,
                name,
                status: r.status.unwrap_or_else(|| "unknown".into()),
                cpu_fraction: r.cpu.unwrap_or(0.0).clamp(0.0, 1.0),
                cpus: r.maxcpu.unwrap_or(0.0).max(0.0),
                mem: r.mem.unwrap_or(0),
                maxmem: r.maxmem.unwrap_or(0),
                disk: r.disk.unwrap_or(0),
                maxdisk: r.maxdisk.unwrap_or(0),
                diskread: r.diskread.unwrap_or(0),
                diskwrite: r.diskwrite.unwrap_or(0),
                netin: r.netin.unwrap_or(0),
                netout: r.netout.unwrap_or(0),
                uptime: r.uptime.unwrap_or(0),
                template: r.template,
                tags: split_tags(r.tags.as_deref().unwrap_or("")),
                lock: r.lock.filter(|l| !l.is_empty()),
                started_at: None,
            })
        })
        .collect()
}

/// Tags as PVE writes them: separated by `;`, `,` or spaces.
pub fn split_tags(text: &str) -> Vec<String> {
    text.split([';', ',', ' '])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// `POST /access/ticket`: a session for a user and password (or a ticket renewed).
#[derive(Debug, Clone, Deserialize)]
pub struct TicketAnswer {
    #[serde(default)]
    pub ticket: Option<String>,
    #[serde(rename = "CSRFPreventionToken", default)]
    pub csrf: Option<String>,
    /// Set when a second factor is asked for (then no usable ticket is given).
    #[serde(rename = "NeedTFA", default, deserialize_with = "lenient_bool")]
    pub need_tfa: bool,
}

/// One snapshot of `GET /nodes/{node}/{lxc|qemu}/{vmid}/snapshot`; the item named `current`
/// is the guest's present state, not a snapshot.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SnapshotItem {
    #[serde(deserialize_with = "text")]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub snaptime: Option<u64>,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub vmstate: bool,
}

/// One interface of `GET /nodes/{node}/lxc/{vmid}/interfaces` (a running container's).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct InterfaceItem {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub hwaddr: Option<String>,
    #[serde(default)]
    pub inet: Option<String>,
    #[serde(default)]
    pub inet6: Option<String>,
}

/// One point of `GET /nodes/{node}/{lxc|qemu}/{vmid}/rrddata`: the start of its step and
/// the data sources that have a value (the others are left out). Network and disk are
/// rates (bytes per second), CPU a fraction of `maxcpu`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RrdPoint {
    #[serde(default, deserialize_with = "lenient_u64")]
    pub time: Option<u64>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub cpu: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub maxcpu: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub mem: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub maxmem: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub netin: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub netout: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub diskread: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub diskwrite: Option<f64>,
}

/// `GET /nodes/{node}/tasks/{upid}/status`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TaskStatus {
    /// `running` or `stopped`.
    pub status: String,
    /// Present once stopped: `OK` for success, else what went wrong.
    #[serde(default)]
    pub exitstatus: Option<String>,
}

/// One line of `GET /nodes/{node}/tasks/{upid}/log`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TaskLogLine {
    #[serde(default, deserialize_with = "lenient_u64")]
    pub n: Option<u64>,
    #[serde(default)]
    pub t: String,
}

/// A task id as the API gives it: `UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upid {
    pub text: String,
    /// The node that runs it: the one to ask about it.
    pub node: String,
    pub kind: String,
    pub id: String,
}

impl Upid {
    pub fn parse(text: &str) -> Result<Self, String> {
        let fields: Vec<&str> = text.split(':').collect();
        // Nine fields, the last empty: what proxmoxer's decode_upid accepts.
        if fields.len() != 9 || fields[0] != "UPID" {
            return Err(format!(
                "\"{}\" is not a Proxmox task id",
                text.chars().take(120).collect::<String>()
            ));
        }
        let hex = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit());
        if fields[1].is_empty() || !hex(fields[2]) || !hex(fields[3]) || !hex(fields[4]) {
            return Err(format!(
                "\"{}\" is not a Proxmox task id",
                text.chars().take(120).collect::<String>()
            ));
        }
        Ok(Self {
            text: text.to_string(),
            node: fields[1].to_string(),
            kind: fields[5].to_string(),
            id: fields[6].to_string(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_cluster_listing_gives_its_guests_read_leniently() {
        let body = r#"{"data":[
            {"id":"lxc/101","type":"lxc","node":"pve1","vmid":101,"name":"dns","status":"running",
             "cpu":0.25,"maxcpu":2,"mem":"268435456","maxmem":536870912,"disk":1,"maxdisk":4,
             "diskread":10,"diskwrite":20,"netin":30,"netout":40,"uptime":3600,"template":0,
             "tags":"infra;dns"},
            {"id":"qemu/200","type":"qemu","node":"pve2","vmid":"200","status":"stopped","template":"1"},
            {"id":"storage/pve1/local","type":"storage","node":"pve1"},
            {"id":"lxc/5","type":"lxc","node":"pve1","vmid":5},
            {"id":"lxc/102","type":"lxc","vmid":102},
            {"id":"lxc/103","type":"lxc","node":"pve1","vmid":103,"name":2024,"tags":{"x":1},"lock":["backup"]}
        ]}"#;
        let listed: Envelope<Vec<Resource>> = serde_json::from_str(body).unwrap();
        let guests = guests(listed.data);
        assert_eq!(guests.len(), 3);
        // A numeric name is its text; a field of the wrong shape is absent, the guest kept.
        assert_eq!(
            (guests[2].name.as_str(), guests[2].lock.clone()),
            ("2024", None)
        );
        let dns = &guests[0];
        assert_eq!(
            (dns.kind, dns.node.as_str(), dns.vmid, dns.name.as_str()),
            (GuestType::Lxc, "pve1", 101, "dns")
        );
        assert_eq!(
            (dns.mem, dns.cpus, dns.cpu_fraction),
            (268_435_456, 2.0, 0.25)
        );
        assert_eq!(dns.tags, ["infra", "dns"]);
        let vm = &guests[1];
        assert_eq!(
            (vm.kind, vm.vmid, vm.name.as_str(), vm.template, vm.mem),
            (GuestType::Qemu, 200, "VM200", true, 0)
        );
    }

    #[test]
    fn task_ids_are_nine_fields() {
        let upid =
            Upid::parse("UPID:node1:000FF1FD:10F9374C:630D702C:vzstart:110:root@pam:").unwrap();
        assert_eq!(
            (upid.node.as_str(), upid.kind.as_str(), upid.id.as_str()),
            ("node1", "vzstart", "110")
        );
        assert!(Upid::parse("UPID:node1:1:2:3:vzstart:110:root@pam").is_err());
        assert!(Upid::parse("UPID::1:2:3:vzstart:110:root@pam:").is_err());
        assert!(Upid::parse("UPID:n:zz:2:3:vzstart:110:root@pam:").is_err());
    }

    proptest! {
        /// Whatever a server sends as a listing: read or refused, never a panic; every guest
        /// read has a node, a VMID in range and a name.
        #[test]
        fn any_listing_is_read_or_refused(
            kind in prop_oneof![Just("lxc".to_string()), Just("qemu".to_string()), Just("node".to_string()), "\\PC{0,8}"],
            vmid in prop_oneof![any::<i64>().prop_map(|v| serde_json::json!(v)), "\\PC{0,12}".prop_map(|s| serde_json::json!(s))],
            cpu in prop_oneof![any::<f64>().prop_map(|v| serde_json::json!(v)), "\\PC{0,8}".prop_map(|s| serde_json::json!(s))],
            node in proptest::option::of("\\PC{0,10}"),
            name in proptest::option::of("\\PC{0,20}"),
        ) {
            let item = serde_json::json!({
                "type": kind, "vmid": vmid, "cpu": cpu, "maxcpu": cpu, "mem": vmid,
                "node": node, "name": name, "template": cpu,
            });
            let body = serde_json::json!({ "data": [item] }).to_string();
            if let Ok(listed) = serde_json::from_str::<Envelope<Vec<Resource>>>(&body) {
                for g in guests(listed.data) {
                    prop_assert!(!g.node.is_empty());
                    prop_assert!((VMID_MIN..=VMID_MAX).contains(&g.vmid));
                    prop_assert!(!g.name.is_empty());
                    prop_assert!((0.0..=1.0).contains(&g.cpu_fraction));
                }
            }
        }

        #[test]
        fn any_task_id_is_read_or_refused(text in "\\PC{0,120}") {
            if let Ok(upid) = Upid::parse(&text) {
                prop_assert!(!upid.node.is_empty());
                prop_assert_eq!(upid.text, text);
            }
        }
    }
}
