//! Property tests: whatever an engine sends (any field of a real response replaced by any
//! JSON value), what deserialises maps to the domain without a panic, and CPU stays within
//! the container's cores.
#![allow(clippy::unwrap_used)]

use crate::stats::RawStats;
use bollard::models::{ContainerInspectResponse, ContainerStatsResponse, ContainerSummary};
use proptest::prelude::*;
use serde_json::Value;

const SUMMARY: &str = r#"{"Id":"abc","Names":["/web"],"Image":"nginx","ImageID":"sha256:1",
  "Command":"nginx -g","Created":1700000000,"State":"exited","Status":"Exited (3) 1 minute ago",
  "Ports":[{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},{"PrivatePort":443,"Type":"tcp"}],
  "Labels":{"b":"2","a":"<script>"},"Health":{"Status":"healthy","FailingStreak":0},
  "NetworkSettings":{"Networks":{"front":{"IPAddress":"172.17.0.2"}}},
  "Mounts":[{"Type":"volume","Name":"data","Source":"/var/lib/x","Destination":"/d","RW":false}]}"#;

const INSPECT: &str = r#"{"Id":"abc","Name":"/web","Created":"2026-11-30T02:20:00.123456789Z",
  "Path":"nginx","Args":["-g","daemon off;"],"Image":"sha256:1",
  "State":{"Status":"running","Running":true,"Paused":false,"ExitCode":0,
    "StartedAt":"2026-11-30T02:20:01Z","FinishedAt":"0001-01-01T00:00:00Z","Health":{"Status":"starting"}},
  "Config":{"Image":"nginx","Env":["PASSWORD=x","PATH=/bin"],"Labels":{"a":"1"}},
  "HostConfig":{"NanoCpus":1500000000,"Memory":67108864,"CpuQuota":0,"CpuPeriod":0},
  "NetworkSettings":{"Ports":{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}],"443/tcp":null},
    "Networks":{"front":{"IPAddress":"172.17.0.2","Gateway":"172.17.0.1","MacAddress":"02:42"}}},
  "Mounts":[{"Type":"bind","Source":"/srv","Destination":"/d","RW":true}]}"#;

const STATS: [&str; 3] = [
    include_str!("../tests/fixtures/stats_cgroup_v1_busy.json"),
    include_str!("../tests/fixtures/stats_cgroup_v1_page_cache.json"),
    include_str!("../tests/fixtures/stats_cgroup_v2.json"),
];

/// Any JSON scalar or empty container, with the extremes engines could send.
fn any_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop_oneof![Just(0u64), Just(u64::MAX), Just(i64::MAX as u64)].prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
        Just(Value::Array(Vec::new())),
        Just(Value::Object(serde_json::Map::new())),
    ]
}

/// Every leaf of `v`, in a stable order.
fn leaves(v: &mut Value) -> Vec<&mut Value> {
    let nested = match &*v {
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => false,
    };
    if !nested {
        return vec![v];
    }
    match v {
        Value::Array(a) => a.iter_mut().flat_map(leaves).collect(),
        Value::Object(o) => o.values_mut().flat_map(leaves).collect(),
        _ => Vec::new(),
    }
}

/// `text` with some of its leaves replaced.
fn mutated(text: &str, edits: &[(usize, Value)]) -> Value {
    let mut v: Value = serde_json::from_str(text).unwrap();
    for (at, replacement) in edits {
        let mut all = leaves(&mut v);
        let n = all.len();
        if let Some(leaf) = all.get_mut(at % n.max(1)) {
            **leaf = replacement.clone();
        }
    }
    v
}

fn edits() -> impl Strategy<Value = Vec<(usize, Value)>> {
    proptest::collection::vec((any::<usize>(), any_value()), 1..6)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn container_summaries_map_without_panic(edits in edits()) {
        if let Ok(summary) = serde_json::from_value::<ContainerSummary>(mutated(SUMMARY, &edits)) {
            let _ = crate::mapping::container(summary);
        }
    }

    #[test]
    fn inspections_map_without_panic(edits in edits()) {
        let v = mutated(INSPECT, &edits);
        if let Ok(inspect) = serde_json::from_value::<ContainerInspectResponse>(v.clone()) {
            let _ = crate::mapping::container_from_inspect(inspect);
        }
        if let Ok(inspect) = serde_json::from_value::<ContainerInspectResponse>(v) {
            let _ = crate::mapping::details(inspect);
        }
    }

    #[test]
    fn stats_give_bounded_cpu(which in 0usize..3, edits in edits(), later in edits()) {
        let first = serde_json::from_value::<RawStats>(mutated(STATS[which], &edits));
        let second = serde_json::from_value::<RawStats>(mutated(STATS[which], &later));
        let first = first.ok().as_ref().and_then(crate::stats::reading);
        let second = second.ok().as_ref().and_then(crate::stats::reading);
        for (r, prev) in [(&first, None), (&second, first.as_ref())] {
            if let Some(r) = r {
                let s = r.sample(prev);
                let all = f64::from(r.online_cpus.max(1)) * 100.0;
                prop_assert!(s.cpu_percent >= 0.0 && s.cpu_percent <= all, "{} > {all}", s.cpu_percent);
                prop_assert!(s.net_rx_rate >= 0.0 && s.block_write_rate >= 0.0);
            }
        }
    }

    #[test]
    fn the_lean_stats_model_agrees_with_bollards(which in 0usize..3, edits in edits()) {
        let v = mutated(STATS[which], &edits);
        let full = serde_json::from_value::<ContainerStatsResponse>(v.clone());
        let lean = serde_json::from_value::<RawStats>(v);
        // The lean model skips what bollard's reads: where bollard's decodes, so does it.
        prop_assert!(full.is_err() || lean.is_ok());
        if let (Ok(full), Ok(lean)) = (full, lean) {
            let a = crate::stats::reading(&RawStats::from(&full));
            let b = crate::stats::reading(&lean);
            prop_assert_eq!(a.is_some(), b.is_some());
            if let (Some(mut a), Some(mut b)) = (a, b) {
                // An unreadable time falls back to the clock, read twice.
                prop_assert!((a.read_at_ms - b.read_at_ms).abs() < 1000);
                a.read_at_ms = 0;
                b.read_at_ms = 0;
                prop_assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn status_lines_never_panic(s in "\\PC{0,40}") {
        let _ = crate::mapping::parse_status_line(&s);
    }
}
