//! A guest's configuration as the drawer shows it, and its recorded load as the statistics
//! keep it. The configuration is a flat map of keys whose values are option strings
//! (`name=eth0,bridge=vmbr0,ip=dhcp`), read leniently: a key Squirrel does not know is left
//! out, a value it cannot read is shown as written, never guessed.

use serde_json::{Map, Value};
use squirrel_core::model::{GuestDetails, GuestDisk, GuestNic, GuestSnapshot, StatsSample};

use crate::wire::{GuestType, InterfaceItem, RrdPoint, SnapshotItem};

/// The most of a free text (a description) kept.
const MAX_TEXT: usize = 4000;
/// The most disks, interfaces or snapshots listed (PVE allows 256 mount points).
const MAX_ITEMS: usize = 300;

/// A config value as text: strings as they are, numbers as written, anything else absent.
fn text(config: &Map<String, Value>, key: &str) -> Option<String> {
    match config.get(key)? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
        _ => None,
    }
}

fn number(config: &Map<String, Value>, key: &str) -> Option<u64> {
    text(config, key)?
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite() && *f >= 0.0)
        .map(|f| f as u64)
}

fn flag(config: &Map<String, Value>, key: &str) -> Option<bool> {
    text(config, key).map(|v| v != "0")
}

fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// `a=1,b=2,volume` as pairs; a part without `=` is the key `""` (a volume, a model).
pub fn options(value: &str) -> Vec<(String, String)> {
    value
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| match part.split_once('=') {
            Some((k, v)) => (k.trim().to_string(), v.trim().to_string()),
            None => (String::new(), part.to_string()),
        })
        .collect()
}

fn option<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// Keys `prefix0`, `prefix1`, ... present in the config, in their number's order.
fn numbered<'a>(config: &'a Map<String, Value>, prefix: &str) -> Vec<(&'a str, u32)> {
    let mut keys: Vec<(&str, u32)> = config
        .keys()
        .filter_map(|k| {
            let n = k.strip_prefix(prefix)?;
            (!n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
                .then(|| n.parse::<u32>().ok())
                .flatten()
                .map(|n| (k.as_str(), n))
        })
        .collect();
    keys.sort_by_key(|(_, n)| *n);
    keys
}

/// The bus prefixes of a VM's disks, in the order Proxmox's own summary lists them.
const VM_DISKS: [&str; 6] = ["scsi", "virtio", "sata", "ide", "efidisk", "tpmstate"];

fn disks(kind: GuestType, config: &Map<String, Value>) -> Vec<GuestDisk> {
    let mut keys: Vec<&str> = Vec::new();
    match kind {
        GuestType::Lxc => {
            if config.contains_key("rootfs") {
                keys.push("rootfs");
            }
            keys.extend(numbered(config, "mp").into_iter().map(|(k, _)| k));
        }
        GuestType::Qemu => {
            for bus in VM_DISKS {
                keys.extend(numbered(config, bus).into_iter().map(|(k, _)| k));
            }
        }
    }
    keys.into_iter()
        .filter_map(|key| {
            let value = text(config, key)?;
            let pairs = options(&value);
            // A VM's CD drive is not a disk.
            if option(&pairs, "media") == Some("cdrom") {
                return None;
            }
            let volume = option(&pairs, "")
                .or_else(|| option(&pairs, "volume"))
                .or_else(|| option(&pairs, "file"))
                .unwrap_or("")
                .to_string();
            Some(GuestDisk {
                key: key.to_string(),
                volume: clip(&volume, 300),
                size: option(&pairs, "size").map(|s| clip(s, 40)),
                mount_path: option(&pairs, "mp").map(|s| clip(s, 300)),
            })
        })
        .take(MAX_ITEMS)
        .collect()
}

/// A VM's NIC model comes as `virtio=BC:24:11:…`: the model is the name, the value the MAC.
const VM_NIC_MODELS: [&str; 6] = [
    "virtio", "e1000", "e1000e", "rtl8139", "vmxnet3", "ne2k_pci",
];

fn networks(kind: GuestType, config: &Map<String, Value>, live: &[InterfaceItem]) -> Vec<GuestNic> {
    numbered(config, "net")
        .into_iter()
        .filter_map(|(key, n)| {
            let pairs = options(&text(config, key)?);
            let (name, mac) = match kind {
                GuestType::Lxc => (
                    option(&pairs, "name").map(str::to_string),
                    option(&pairs, "hwaddr").map(str::to_string),
                ),
                GuestType::Qemu => VM_NIC_MODELS
                    .iter()
                    .find_map(|m| {
                        option(&pairs, m).map(|mac| (Some(m.to_string()), Some(mac.to_string())))
                    })
                    .unwrap_or((
                        option(&pairs, "model").map(str::to_string),
                        option(&pairs, "macaddr").map(str::to_string),
                    )),
            };
            // A VM's addresses are set by cloud-init, in `ipconfigN`.
            let ip_pairs = match kind {
                GuestType::Lxc => pairs.clone(),
                GuestType::Qemu => text(config, &format!("ipconfig{n}"))
                    .map(|v| options(&v))
                    .unwrap_or_default(),
            };
            let addresses = match (&name, kind) {
                (Some(name), GuestType::Lxc) => live
                    .iter()
                    .filter(|i| i.name.as_deref() == Some(name.as_str()))
                    .flat_map(|i| [i.inet.clone(), i.inet6.clone()])
                    .flatten()
                    .flat_map(|a| a.split([' ', ',']).map(str::to_string).collect::<Vec<_>>())
                    .filter(|a| !a.is_empty())
                    .map(|a| clip(&a, 60))
                    .take(16)
                    .collect(),
                _ => Vec::new(),
            };
            let short = |v: Option<&str>| v.map(|v| clip(v, 80));
            Some(GuestNic {
                key: key.to_string(),
                name: name.map(|n| clip(&n, 40)),
                bridge: short(option(&pairs, "bridge")),
                mac: mac.map(|m| clip(&m, 40)),
                vlan: short(option(&pairs, "tag")),
                firewall: option(&pairs, "firewall") == Some("1"),
                ipv4: short(option(&ip_pairs, "ip")),
                ipv6: short(option(&ip_pairs, "ip6")),
                gateway: short(option(&ip_pairs, "gw")),
                addresses,
            })
        })
        .take(MAX_ITEMS)
        .collect()
}

/// The drawer's account of a guest from its config, snapshots and live interfaces.
pub fn guest_details(
    kind: GuestType,
    config: &Map<String, Value>,
    snapshots: &[SnapshotItem],
    interfaces: &[InterfaceItem],
    notes: Vec<String>,
) -> GuestDetails {
    let cores = number(config, "cores").map(|c| {
        // A VM has sockets × cores.
        let sockets = if kind == GuestType::Qemu {
            number(config, "sockets").unwrap_or(1).max(1)
        } else {
            1
        };
        u32::try_from(c.saturating_mul(sockets)).unwrap_or(u32::MAX)
    });
    let mut snaps: Vec<GuestSnapshot> = snapshots
        .iter()
        .filter(|s| s.name != "current")
        .take(MAX_ITEMS)
        .map(|s| GuestSnapshot {
            name: clip(&s.name, 80),
            description: s
                .description
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(|d| clip(d, MAX_TEXT)),
            taken_at: s.snaptime.and_then(|t| i64::try_from(t).ok()),
            parent: s.parent.as_deref().map(|p| clip(p, 80)),
            with_memory: s.vmstate,
        })
        .collect();
    snaps.sort_by_key(|s| s.taken_at.unwrap_or(i64::MAX));
    GuestDetails {
        hostname: text(
            config,
            match kind {
                GuestType::Lxc => "hostname",
                GuestType::Qemu => "name",
            },
        )
        .map(|h| clip(&h, 255)),
        os_type: text(config, "ostype").map(|o| clip(&o, 40)),
        arch: text(config, "arch").map(|a| clip(&a, 40)),
        cores,
        memory_mib: number(config, "memory"),
        swap_mib: if kind == GuestType::Lxc {
            number(config, "swap")
        } else {
            None
        },
        unprivileged: if kind == GuestType::Lxc {
            Some(flag(config, "unprivileged").unwrap_or(false))
        } else {
            None
        },
        features: text(config, "features")
            .map(|f| {
                options(&f)
                    .into_iter()
                    .map(|(k, v)| if k.is_empty() { v } else { format!("{k}={v}") })
                    .take(32)
                    .collect()
            })
            .unwrap_or_default(),
        start_on_boot: flag(config, "onboot").unwrap_or(false),
        protection: flag(config, "protection").unwrap_or(false),
        description: text(config, "description").map(|d| clip(&d, MAX_TEXT)),
        disks: disks(kind, config),
        networks: networks(kind, config, interfaces),
        snapshots: snaps,
        notes,
    }
}

/// Recorded points as samples of the statistics (CPU in percent of one core; the rates as
/// Proxmox records them, per second). A point without a time, or without any value, is left
/// out; so are points before `not_before` (Unix seconds).
pub fn rrd_samples(points: &[RrdPoint], not_before: u64) -> Vec<StatsSample> {
    let finite = |v: Option<f64>| v.filter(|f| f.is_finite() && *f >= 0.0);
    points
        .iter()
        .filter_map(|p| {
            let time = p
                .time
                .filter(|t| *t >= not_before && *t < i64::MAX as u64)?;
            let cpu = finite(p.cpu);
            let mem = finite(p.mem);
            if cpu.is_none() && mem.is_none() {
                return None;
            }
            let cpus = finite(p.maxcpu).unwrap_or(1.0).min(1_000_000.0);
            let maxmem = finite(p.maxmem).unwrap_or(0.0);
            let mem = mem.unwrap_or(0.0);
            Some(StatsSample {
                ts: time as f64,
                cpu_percent: cpu.unwrap_or(0.0).min(1.0) * cpus * 100.0,
                memory_used: mem,
                memory_limit: maxmem,
                memory_percent: if maxmem > 0.0 {
                    mem / maxmem * 100.0
                } else {
                    0.0
                },
                net_rx_rate: finite(p.netin).unwrap_or(0.0),
                net_tx_rate: finite(p.netout).unwrap_or(0.0),
                block_read_rate: finite(p.diskread).unwrap_or(0.0),
                block_write_rate: finite(p.diskwrite).unwrap_or(0.0),
                pids: 0.0,
                net_rx_bytes: None,
                net_tx_bytes: None,
                block_read_bytes: None,
                block_write_bytes: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn a_containers_config_reads_as_its_resources_disks_and_interfaces() {
        let config = map(json!({
            "hostname": "dns", "ostype": "debian", "arch": "amd64", "cores": 2, "memory": "1024",
            "swap": 512, "unprivileged": 1, "features": "nesting=1,keyctl=1", "onboot": 1,
            "rootfs": "local-lvm:vm-101-disk-0,size=8G",
            "mp10": "tank:subvol-101-disk-2,mp=/srv/media,size=100G",
            "mp2": "local-lvm:vm-101-disk-1,mp=/data,backup=1,size=32G",
            "net0": "name=eth0,bridge=vmbr0,firewall=1,gw=10.0.0.1,hwaddr=BC:24:11:AA:BB:CC,ip=10.0.0.5/24,ip6=dhcp,tag=20,type=veth",
            "description": "<b>DNS</b> for the lab\n",
            "digest": "abc",
        }));
        let live = [InterfaceItem {
            name: Some("eth0".into()),
            hwaddr: None,
            inet: Some("10.0.0.5/24".into()),
            inet6: Some("fd00::5/64".into()),
        }];
        let snaps = [
            SnapshotItem {
                name: "current".into(),
                description: Some("You are here!".into()),
                snaptime: None,
                parent: Some("before-upgrade".into()),
                vmstate: false,
            },
            SnapshotItem {
                name: "before-upgrade".into(),
                description: Some("apt upgrade".into()),
                snaptime: Some(1_764_000_000),
                parent: Some("fresh".into()),
                vmstate: false,
            },
            SnapshotItem {
                name: "fresh".into(),
                description: None,
                snaptime: Some(1_763_000_000),
                parent: None,
                vmstate: false,
            },
        ];
        let d = guest_details(GuestType::Lxc, &config, &snaps, &live, Vec::new());
        assert_eq!(d.hostname.as_deref(), Some("dns"));
        assert_eq!(
            (d.cores, d.memory_mib, d.swap_mib, d.unprivileged),
            (Some(2), Some(1024), Some(512), Some(true))
        );
        assert_eq!(d.features, ["nesting=1", "keyctl=1"]);
        assert!(d.start_on_boot);
        let keys: Vec<&str> = d.disks.iter().map(|x| x.key.as_str()).collect();
        assert_eq!(keys, ["rootfs", "mp2", "mp10"]);
        assert_eq!(d.disks[1].mount_path.as_deref(), Some("/data"));
        assert_eq!(d.disks[0].size.as_deref(), Some("8G"));
        assert_eq!(d.disks[0].volume, "local-lvm:vm-101-disk-0");
        let nic = &d.networks[0];
        assert_eq!(
            (
                nic.name.as_deref(),
                nic.bridge.as_deref(),
                nic.vlan.as_deref()
            ),
            (Some("eth0"), Some("vmbr0"), Some("20"))
        );
        assert_eq!(
            (nic.ipv4.as_deref(), nic.gateway.as_deref(), nic.firewall),
            (Some("10.0.0.5/24"), Some("10.0.0.1"), true)
        );
        assert_eq!(nic.addresses, ["10.0.0.5/24", "fd00::5/64"]);
        let names: Vec<&str> = d.snapshots.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["fresh", "before-upgrade"],
            "oldest first, the present state left out"
        );
    }

    #[test]
    fn a_vms_config_reads_its_disks_models_and_cloud_init_addresses() {
        let config = map(json!({
            "name": "homeassistant", "ostype": "l26", "cores": 2, "sockets": 2, "memory": 4096,
            "scsi0": "local-lvm:vm-200-disk-0,iothread=1,size=32G",
            "ide2": "local:iso/debian-13.iso,media=cdrom",
            "efidisk0": "local-lvm:vm-200-disk-1,efitype=4m,size=4M",
            "net0": "virtio=BC:24:11:00:00:01,bridge=vmbr1,firewall=0",
            "ipconfig0": "ip=192.168.1.20/24,gw=192.168.1.1",
        }));
        let d = guest_details(GuestType::Qemu, &config, &[], &[], Vec::new());
        assert_eq!(
            (d.hostname.as_deref(), d.cores, d.unprivileged, d.swap_mib),
            (Some("homeassistant"), Some(4), None, None)
        );
        let keys: Vec<&str> = d.disks.iter().map(|x| x.key.as_str()).collect();
        assert_eq!(keys, ["scsi0", "efidisk0"], "the CD drive is not a disk");
        let nic = &d.networks[0];
        assert_eq!(
            (nic.name.as_deref(), nic.mac.as_deref()),
            (Some("virtio"), Some("BC:24:11:00:00:01"))
        );
        assert_eq!(nic.ipv4.as_deref(), Some("192.168.1.20/24"));
        assert!(!nic.firewall);
    }

    #[test]
    fn recorded_points_become_samples_and_empty_ones_are_left_out() {
        let points: Vec<RrdPoint> = serde_json::from_value(json!([
            {"time": 1000, "cpu": 0.5, "maxcpu": 2, "mem": 256, "maxmem": 1024, "netin": 10.5, "netout": "20", "diskread": 1, "diskwrite": 2},
            {"time": 1060},
            {"time": 1120, "cpu": 0.1, "maxcpu": 2},
            {"cpu": 0.1},
            {"time": 10, "cpu": 0.2}
        ]))
        .unwrap();
        let s = rrd_samples(&points, 500);
        assert_eq!(s.len(), 2);
        assert!(
            (s[0].cpu_percent - 100.0).abs() < 1e-9,
            "half of two CPUs is one core"
        );
        assert_eq!((s[0].memory_percent, s[0].net_tx_rate), (25.0, 20.0));
        assert_eq!(s[1].ts, 1120.0);
    }

    proptest! {
        #[test]
        fn any_config_is_read_without_panicking(
            entries in proptest::collection::vec(("(net|mp|scsi|rootfs|cores|memory|features|ipconfig)[0-9]{0,2}", "\\PC{0,60}"), 0..12),
            numbers in proptest::collection::vec(("(cores|memory|swap|sockets)", any::<f64>()), 0..4),
        ) {
            let mut config = Map::new();
            for (k, v) in entries { config.insert(k, Value::String(v)); }
            for (k, v) in numbers { if let Some(n) = serde_json::Number::from_f64(v) { config.insert(k, Value::Number(n)); } }
            for kind in [GuestType::Lxc, GuestType::Qemu] {
                let d = guest_details(kind, &config, &[], &[], Vec::new());
                prop_assert!(d.disks.len() <= MAX_ITEMS && d.networks.len() <= MAX_ITEMS);
            }
        }

        #[test]
        fn any_point_is_a_finite_sample_or_left_out(cpu in any::<f64>(), maxcpu in any::<f64>(), mem in any::<f64>(), time in any::<u64>()) {
            let p = RrdPoint { time: Some(time), cpu: Some(cpu), maxcpu: Some(maxcpu), mem: Some(mem), maxmem: Some(mem), netin: Some(cpu), netout: None, diskread: None, diskwrite: None };
            for s in rrd_samples(&[p], 0) {
                prop_assert!(s.cpu_percent.is_finite() && s.cpu_percent >= 0.0);
                prop_assert!(s.memory_percent.is_finite());
            }
        }
    }
}
