//! The docker CLI's stats formulas, checked against stats responses: two recorded from a
//! real engine on cgroup v1 (this machine), one in the cgroup v2 shape the Engine API
//! documents (no `percpu_usage`, `max_usage` or `failcnt`; `inactive_file` instead of
//! `total_inactive_file`; lower-case blkio ops).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bollard::models::ContainerStatsResponse;
use squirrel_docker::stats::{reading, RawStats};

/// A recorded answer as the collector decodes it (only the fields a reading uses).
fn load(name: &str) -> RawStats {
    serde_json::from_str(&text(name)).unwrap()
}

fn text(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap()
}

#[test]
fn the_lean_model_reads_what_bollards_full_model_reads() {
    // The live stream of one container decodes through bollard; a round through the lean
    // model. Both must give the same reading of the same answer.
    for name in [
        "stats_cgroup_v1_busy.json",
        "stats_cgroup_v1_page_cache.json",
        "stats_cgroup_v2.json",
    ] {
        let full: ContainerStatsResponse = serde_json::from_str(&text(name)).unwrap();
        let lean = reading(&load(name)).unwrap();
        let through_full = reading(&RawStats::from(&full)).unwrap();
        assert_eq!(lean, through_full, "{name}");
        assert!(lean.cpu_total_ns > 0 && lean.memory_used > 0, "{name}");
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6 * b.abs().max(1.0)
}

#[test]
fn cgroup_v1_busy_loop() {
    let r = reading(&load("stats_cgroup_v1_busy.json")).unwrap();
    let s = r.sample(None);
    // Δtotal / Δsystem × online_cpus × 100, with the engine's precpu_stats.
    let cpu = (3_939_094_165.0 - 2_960_707_911.0) / (21_123_320_000_000.0 - 21_121_350_000_000.0)
        * 2.0
        * 100.0;
    assert!(close(s.cpu_percent, cpu), "{} vs {cpu}", s.cpu_percent);
    assert!(s.cpu_percent > 99.0 && s.cpu_percent < 100.0);
    // 20 MiB written to /dev/shm count as used: total_inactive_file is 0 here. The
    // replaced system's `usage − cache` gave about 0.5 MB for this container.
    assert_eq!(s.memory_used, 21_483_520.0);
    assert_eq!(s.memory_limit, 25_276_510_208.0);
    assert!(close(
        s.memory_percent,
        21_483_520.0 / 25_276_510_208.0 * 100.0
    ));
    assert_eq!(s.net_rx_bytes, Some(1042.0));
    assert_eq!(s.net_tx_bytes, Some(0.0));
    assert_eq!(s.pids, 1.0);
    assert_eq!(r.read_at_ms, 1_796_015_251_378);
}

#[test]
fn cgroup_v1_page_cache_is_not_counted() {
    let r = reading(&load("stats_cgroup_v1_page_cache.json")).unwrap();
    let s = r.sample(None);
    // usage − total_inactive_file: the 30 MiB file the container wrote is reclaimable.
    assert_eq!(s.memory_used, (33_103_872 - 31_457_280) as f64);
    let cpu =
        (122_874_138.0 - 121_716_940.0) / (21_140_930_000_000.0 - 21_139_040_000_000.0) * 200.0;
    assert!(close(s.cpu_percent, cpu));
    assert_eq!(s.pids, 2.0);
}

#[test]
fn cgroup_v2_shape() {
    let r = reading(&load("stats_cgroup_v2.json")).unwrap();
    assert_eq!(r.online_cpus, 8);
    let s = r.sample(None);
    // 1 s of CPU over 8 s of host CPU time on 8 CPUs: one full core.
    assert!(close(s.cpu_percent, 100.0), "{}", s.cpu_percent);
    // usage − inactive_file.
    assert_eq!(s.memory_used, (157_286_400 - 37_748_736) as f64);
    assert!(close(
        s.memory_percent,
        (157_286_400.0 - 37_748_736.0) / 536_870_912.0 * 100.0
    ));
    // Every interface adds up; blkio ops by their first letter, whatever the device.
    assert_eq!(s.net_rx_bytes, Some(9_437_184.0 + 1_048_576.0));
    assert_eq!(s.net_tx_bytes, Some(2_097_152.0 + 524_288.0));
    assert_eq!(s.block_read_bytes, Some(8_388_608.0 + 4096.0));
    assert_eq!(s.block_write_bytes, Some(1_048_576.0));
    assert_eq!(s.pids, 7.0);
}

#[test]
fn online_cpus_missing_falls_back_to_percpu_counters() {
    let mut v = load("stats_cgroup_v1_busy.json");
    v.cpu_stats.as_mut().unwrap().online_cpus = Some(0);
    let r = reading(&v).unwrap();
    assert_eq!(r.online_cpus, 2);
}

#[test]
fn a_stopped_container_gives_no_reading() {
    // What the engine answers for a container that is not running.
    let v: RawStats = serde_json::from_str(
        r#"{"id":"abc","name":"/stopped","os_type":"linux","read":"0001-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    assert!(reading(&v).is_none());
    // What a stream sends once its container stopped: zeroed counters at the zero time.
    let mut zeroed = load("stats_cgroup_v2.json");
    zeroed.read = Some("0001-01-01T00:00:00Z".into());
    assert!(reading(&zeroed).is_none());
}

#[test]
fn rates_come_from_two_one_shot_readings() {
    // One-shot readings carry no precpu: the previous round's reading supplies it.
    let mut first = load("stats_cgroup_v2.json");
    first.precpu_stats = None;
    let a = reading(&first).unwrap();
    assert_eq!(a.sample(None).cpu_percent, 0.0);
    let mut second = first.clone();
    second.read = Some("2026-11-29T21:14:15.187433811Z".into());
    let cpu = second.cpu_stats.as_mut().unwrap();
    cpu.cpu_usage.as_mut().unwrap().total_usage = Some(52_417_739_000 + 20_000_000_000);
    cpu.system_cpu_usage = Some(1_183_240_170_000_000 + 80_000_000_000);
    let eth0 = second.networks.as_mut().unwrap().get_mut("eth0").unwrap();
    eth0.rx_bytes = Some(9_437_184 + 10 * 1_000_000);
    let b = reading(&second).unwrap();
    let s = b.sample(Some(&a));
    assert!(close(s.cpu_percent, 200.0), "{}", s.cpu_percent);
    assert!(close(s.net_rx_rate, 1_000_000.0), "{}", s.net_rx_rate);
    assert_eq!(s.net_tx_rate, 0.0);
}
