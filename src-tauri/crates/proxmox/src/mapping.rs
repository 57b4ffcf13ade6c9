//! Guests as Squirrel's inventory holds containers: an LXC container or a VM of any node is
//! one row, keyed by `lxc/101` or `qemu/200` (a VMID is unique in the whole cluster, and
//! stays the same when the guest moves to another node).

use squirrel_core::model::{
    ContainerKind, ContainerObservation, ContainerState, GuestFacts, StatsSample,
};

use crate::wire::{Guest, GuestType};

/// The engine id of a guest: `lxc/101`, `qemu/200`.
pub fn engine_id(kind: GuestType, vmid: u64) -> String {
    format!("{}/{vmid}", kind.as_str())
}

/// The guest an engine id names, if it names one.
pub fn parse_engine_id(id: &str) -> Option<(GuestType, u64)> {
    let (kind, vmid) = id.split_once('/')?;
    let kind = match kind {
        "lxc" => GuestType::Lxc,
        "qemu" => GuestType::Qemu,
        _ => return None,
    };
    Some((kind, vmid.parse().ok()?))
}

/// What the inventory stores of a guest: what changes only when the guest changes (its
/// counters and uptime go to the statistics), so an unchanged guest writes nothing.
pub fn observation(g: &Guest) -> ContainerObservation {
    let state = match g.status.as_str() {
        "running" => ContainerState::Running,
        "stopped" => ContainerState::Exited,
        // A suspended VM, or a frozen container.
        "paused" | "suspended" | "prelaunch" => ContainerState::Paused,
        _ => ContainerState::Unknown,
    };
    let kind = match g.kind {
        GuestType::Lxc => ContainerKind::Lxc,
        GuestType::Qemu => ContainerKind::Qemu,
    };
    let name = if g.name.trim().is_empty() {
        format!("{} {}", g.kind.as_str(), g.vmid)
    } else {
        g.name.clone()
    };
    ContainerObservation {
        engine_id: engine_id(g.kind, g.vmid),
        name,
        image: String::new(),
        image_id: String::new(),
        command: String::new(),
        state,
        exit_code: None,
        health: None,
        created: 0,
        ports: Vec::new(),
        labels: Default::default(),
        networks: Vec::new(),
        mounts: Vec::new(),
        kind,
        guest: Some(GuestFacts {
            node: g.node.clone(),
            vmid: g.vmid,
            tags: g.tags.clone(),
            cpus_milli: cpus_milli(g.cpus),
            max_memory: g.maxmem,
            max_disk: g.maxdisk,
            template: g.template,
            lock: g.lock.clone(),
            started_at: g.started_at,
        }),
    }
}

/// When a running guest started, from its uptime, kept as `previous` when within a few
/// seconds of it: uptime counts whole seconds, polls come at any moment, so the same start
/// would otherwise move by a second now and then and write the guest again.
pub fn started_at(g: &Guest, now_secs: i64, previous: Option<i64>) -> Option<i64> {
    if g.status != "running" || g.uptime == 0 {
        return None;
    }
    let start = now_secs.saturating_sub(i64::try_from(g.uptime).unwrap_or(i64::MAX));
    match previous {
        Some(p) if (p - start).abs() <= 5 => Some(p),
        _ => Some(start),
    }
}

/// A running guest's load from the cluster listing, as the charts keep Docker's: CPU in
/// percent of one core (Proxmox gives a fraction of the guest's CPUs), memory against its
/// maximum, and rates from the cumulative counters of the `previous` listing, `secs` ago
/// (none on the first: rates 0). A counter that went down was reset by a restart.
pub fn guest_sample(g: &Guest, previous: Option<(&Guest, f64)>, now_ms: i64) -> StatsSample {
    let finite = |v: f64| if v.is_finite() && v > 0.0 { v } else { 0.0 };
    let cpus = finite(g.cpus).min(1_000_000.0);
    let rate = |prev: u64, cur: u64, secs: f64| {
        if secs <= 0.0 {
            return 0.0;
        }
        let delta = if cur >= prev { cur - prev } else { cur };
        delta as f64 / secs
    };
    let (p, secs) = match previous {
        Some((p, secs)) => (Some(p), secs),
        None => (None, 0.0),
    };
    let counter = |f: fn(&Guest) -> u64| (p.map_or(f(g), f), f(g));
    let (rx0, rx) = counter(|x| x.netin);
    let (tx0, tx) = counter(|x| x.netout);
    let (rd0, rd) = counter(|x| x.diskread);
    let (wr0, wr) = counter(|x| x.diskwrite);
    StatsSample {
        ts: now_ms as f64 / 1000.0,
        cpu_percent: (finite(g.cpu_fraction).min(1.0) * cpus * 100.0),
        memory_used: g.mem as f64,
        memory_limit: g.maxmem as f64,
        memory_percent: if g.maxmem == 0 {
            0.0
        } else {
            g.mem as f64 / g.maxmem as f64 * 100.0
        },
        net_rx_rate: rate(rx0, rx, secs),
        net_tx_rate: rate(tx0, tx, secs),
        block_read_rate: rate(rd0, rd, secs),
        block_write_rate: rate(wr0, wr, secs),
        pids: 0.0,
        net_rx_bytes: Some(rx as f64),
        net_tx_bytes: Some(tx as f64),
        block_read_bytes: Some(rd as f64),
        block_write_bytes: Some(wr as f64),
    }
}

fn cpus_milli(cpus: f64) -> u32 {
    if cpus.is_finite() && cpus > 0.0 {
        // Bounded first: the cast of an out-of-range float would saturate anyway.
        (cpus.min(1_000_000.0) * 1000.0).round() as u32
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn guest() -> Guest {
        Guest {
            kind: GuestType::Lxc,
            node: "pve1".into(),
            vmid: 101,
            name: "dns".into(),
            status: "running".into(),
            cpu_fraction: 0.02,
            cpus: 2.0,
            mem: 100,
            maxmem: 512 << 20,
            disk: 10,
            maxdisk: 8 << 30,
            diskread: 1,
            diskwrite: 2,
            netin: 3,
            netout: 4,
            uptime: 3600,
            template: false,
            tags: vec!["infra".into()],
            lock: None,
            started_at: None,
        }
    }

    #[test]
    fn a_guest_is_a_row_of_its_kind_keyed_by_type_and_vmid() {
        let o = observation(&guest());
        assert_eq!(o.engine_id, "lxc/101");
        assert_eq!(o.kind, ContainerKind::Lxc);
        assert_eq!(o.state, ContainerState::Running);
        let facts = o.guest.unwrap();
        assert_eq!(
            (facts.node.as_str(), facts.vmid, facts.cpus_milli),
            ("pve1", 101, 2000)
        );
        assert_eq!(parse_engine_id("lxc/101"), Some((GuestType::Lxc, 101)));
        assert_eq!(parse_engine_id("qemu/200"), Some((GuestType::Qemu, 200)));
        assert_eq!(parse_engine_id("docker/1"), None);
        assert_eq!(parse_engine_id("0123abcd"), None);
    }

    #[test]
    fn a_start_is_its_uptime_ago_and_stays_put_from_poll_to_poll() {
        let g = guest();
        assert_eq!(started_at(&g, 10_000, None), Some(6_400));
        assert_eq!(
            started_at(&g, 10_001, Some(6_400)),
            Some(6_400),
            "a second of jitter"
        );
        assert_eq!(
            started_at(&g, 20_000, Some(6_400)),
            Some(16_400),
            "restarted since"
        );
        let stopped = Guest {
            status: "stopped".into(),
            ..guest()
        };
        assert_eq!(started_at(&stopped, 10_000, Some(6_400)), None);
    }

    #[test]
    fn counters_and_uptime_change_nothing_stored() {
        let a = observation(&guest());
        let mut later = guest();
        later.cpu_fraction = 0.5;
        later.mem = 999;
        later.netin = 1 << 30;
        later.uptime = 7200;
        assert_eq!(a, observation(&later));
        later.status = "stopped".into();
        assert_eq!(observation(&later).state, ContainerState::Exited);
        later.node = "pve2".into();
        assert_ne!(a.guest, observation(&later).guest);
    }

    #[test]
    fn a_guests_load_is_its_cpu_share_its_memory_and_its_counters_rates() {
        let first = guest_sample(&guest(), None, 10_000);
        assert!(
            (first.cpu_percent - 4.0).abs() < 1e-9,
            "2 % of 2 CPUs is 4 % of one core"
        );
        assert_eq!(first.net_rx_rate, 0.0);
        let mut later = guest();
        later.netin += 5_000;
        later.diskwrite += 10_000;
        later.mem = 256 << 20;
        let s = guest_sample(&later, Some((&guest(), 5.0)), 15_000);
        assert_eq!(s.net_rx_rate, 1_000.0);
        assert_eq!(s.block_write_rate, 2_000.0);
        assert_eq!(s.memory_percent, 50.0);
        // A restart reset the counters: counted from zero, never negative.
        let mut restarted = guest();
        restarted.netin = 100;
        let s = guest_sample(&restarted, Some((&later, 10.0)), 25_000);
        assert_eq!(s.net_rx_rate, 10.0);
    }

    proptest! {
        #[test]
        fn any_guest_maps_without_panicking(cpus in proptest::num::f64::ANY, name in ".{0,40}", status in ".{0,12}") {
            let g = Guest { cpus, name, status, ..guest() };
            let o = observation(&g);
            prop_assert!(!o.name.trim().is_empty());
            prop_assert_eq!(parse_engine_id(&o.engine_id), Some((GuestType::Lxc, 101)));
            let s = guest_sample(&g, Some((&guest(), 5.0)), 0);
            prop_assert!(s.cpu_percent.is_finite() && s.cpu_percent >= 0.0);
        }
    }
}
