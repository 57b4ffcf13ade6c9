//! The repositories in memory, with the store's semantics where services rely on them:
//! deleting a device deletes its inventory and history, samples of unknown containers are
//! dropped, charts bucket by the step asked (from raw samples; there are no rollup tiers).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;

use crate::error::{CoreError, CoreResult};
use crate::model::{
    Container, ContainerSample, ContainerSeries, Device, DeviceLoad, DeviceStateCount, FleetPoint,
    FleetSeries, Image, Network, RollupPlan, RollupReport, SeriesPoint, Span, StatsRetention,
    StatsSample, StatsTier, Volume,
};
use crate::ports::{
    ContainerChanges, ContainerRepository, DeviceRepository, InventoryRepository, StatsRepository,
};

#[derive(Default)]
struct State {
    devices: BTreeMap<String, Device>,
    containers: BTreeMap<String, Container>,
    images: Vec<Image>,
    volumes: Vec<Volume>,
    networks: Vec<Network>,
    /// Container uuid → samples, oldest first.
    samples: HashMap<String, Vec<StatsSample>>,
    loads: Vec<DeviceLoad>,
    retention: Option<StatsRetention>,
    rolled_until: Option<i64>,
}

#[derive(Default)]
pub struct MemoryRepos {
    state: Mutex<State>,
    /// Set: writes to the devices table fail, as a full disk would make them.
    failing_device_writes: std::sync::atomic::AtomicBool,
}

impl MemoryRepos {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    /// While set, inserting, updating and deleting devices fail with a storage error.
    pub fn fail_device_writes(&self, failing: bool) {
        self.failing_device_writes
            .store(failing, std::sync::atomic::Ordering::SeqCst);
    }

    fn device_write(&self) -> CoreResult<()> {
        if self
            .failing_device_writes
            .load(std::sync::atomic::Ordering::SeqCst)
        {
            Err(CoreError::Storage("the disk is full".into()))
        } else {
            Ok(())
        }
    }

    /// How many samples are stored for a container.
    pub fn sample_count(&self, container_uuid: &str) -> usize {
        self.with(|s| s.samples.get(container_uuid).map_or(0, Vec::len))
    }
}

fn sorted(mut v: Vec<Container>) -> Vec<Container> {
    v.sort_by(|a, b| (&a.device_uuid, &a.name).cmp(&(&b.device_uuid, &b.name)));
    v
}

#[async_trait]
impl DeviceRepository for MemoryRepos {
    async fn list_devices(&self) -> CoreResult<Vec<Device>> {
        let mut v: Vec<Device> = self.with(|s| s.devices.values().cloned().collect());
        v.sort_by_key(|d| (d.created_at, d.name.clone()));
        Ok(v)
    }

    async fn get_device(&self, uuid: &str) -> CoreResult<Option<Device>> {
        Ok(self.with(|s| s.devices.get(uuid).cloned()))
    }

    async fn insert_device(&self, device: &Device) -> CoreResult<()> {
        self.device_write()?;
        self.with(|s| match s.devices.contains_key(&device.uuid) {
            true => Err(CoreError::Storage("a device with this uuid exists".into())),
            false => {
                s.devices.insert(device.uuid.clone(), device.clone());
                Ok(())
            }
        })
    }

    async fn update_device(&self, device: &Device) -> CoreResult<()> {
        self.device_write()?;
        self.with(|s| {
            s.devices.insert(device.uuid.clone(), device.clone());
        });
        Ok(())
    }

    async fn delete_device(&self, uuid: &str) -> CoreResult<()> {
        self.device_write()?;
        self.with(|s| {
            s.devices.remove(uuid);
            let gone: Vec<String> = s
                .containers
                .values()
                .filter(|c| c.device_uuid == uuid)
                .map(|c| c.uuid.clone())
                .collect();
            for c in gone {
                s.containers.remove(&c);
                s.samples.remove(&c);
            }
            s.images.retain(|i| i.device_uuid != uuid);
            s.volumes.retain(|v| v.device_uuid != uuid);
            s.networks.retain(|n| n.device_uuid != uuid);
            s.loads.retain(|l| l.device_uuid != uuid);
        });
        Ok(())
    }
}

#[async_trait]
impl ContainerRepository for MemoryRepos {
    async fn list_containers(&self) -> CoreResult<Vec<Container>> {
        Ok(sorted(
            self.with(|s| s.containers.values().cloned().collect()),
        ))
    }

    async fn device_container_ids(&self, device_uuid: &str) -> CoreResult<Vec<(String, String)>> {
        Ok(self.with(|s| {
            s.containers
                .values()
                .filter(|c| c.device_uuid == device_uuid)
                .map(|c| (c.engine_id.clone(), c.uuid.clone()))
                .collect()
        }))
    }

    async fn list_device_containers(&self, device_uuid: &str) -> CoreResult<Vec<Container>> {
        Ok(sorted(self.with(|s| {
            s.containers
                .values()
                .filter(|c| c.device_uuid == device_uuid)
                .cloned()
                .collect()
        })))
    }

    async fn get_container(&self, uuid: &str) -> CoreResult<Option<Container>> {
        Ok(self.with(|s| s.containers.get(uuid).cloned()))
    }

    async fn find_container(
        &self,
        device_uuid: &str,
        engine_id: &str,
    ) -> CoreResult<Option<Container>> {
        Ok(self.with(|s| {
            s.containers
                .values()
                .find(|c| c.device_uuid == device_uuid && c.engine_id == engine_id)
                .cloned()
        }))
    }

    async fn apply_container_changes(&self, changes: &ContainerChanges) -> CoreResult<()> {
        self.with(|s| {
            for c in &changes.upserts {
                if !s.devices.contains_key(&c.device_uuid) {
                    return Err(CoreError::Storage("FOREIGN KEY constraint failed".into()));
                }
            }
            for uuid in &changes.removals {
                s.containers.remove(uuid);
                s.samples.remove(uuid);
            }
            for c in &changes.upserts {
                s.containers.insert(c.uuid.clone(), c.clone());
            }
            Ok(())
        })
    }

    async fn set_display_name(&self, uuid: &str, display_name: Option<&str>) -> CoreResult<()> {
        self.with(|s| match s.containers.get_mut(uuid) {
            Some(c) => {
                c.display_name = display_name.map(str::to_string);
                Ok(())
            }
            None => Err(CoreError::not_found("container")),
        })
    }

    async fn count_by_device_and_state(
        &self,
        device_uuid: Option<&str>,
    ) -> CoreResult<Vec<DeviceStateCount>> {
        let mut counts: BTreeMap<(String, &'static str), DeviceStateCount> = BTreeMap::new();
        self.with(|s| {
            for c in s.containers.values() {
                if device_uuid.is_some_and(|d| d != c.device_uuid) {
                    continue;
                }
                counts
                    .entry((c.device_uuid.clone(), c.state.as_str()))
                    .or_insert(DeviceStateCount {
                        device_uuid: c.device_uuid.clone(),
                        state: c.state,
                        count: 0,
                    })
                    .count += 1;
            }
        });
        Ok(counts.into_values().collect())
    }
}

fn of_device<T: Clone>(v: &[T], device: Option<&str>, key: impl Fn(&T) -> &str) -> Vec<T> {
    v.iter()
        .filter(|x| device.is_none_or(|d| key(x) == d))
        .cloned()
        .collect()
}

#[async_trait]
impl InventoryRepository for MemoryRepos {
    async fn list_images(&self, device_uuid: Option<&str>) -> CoreResult<Vec<Image>> {
        Ok(self.with(|s| of_device(&s.images, device_uuid, |i| &i.device_uuid)))
    }

    async fn list_volumes(&self, device_uuid: Option<&str>) -> CoreResult<Vec<Volume>> {
        Ok(self.with(|s| of_device(&s.volumes, device_uuid, |v| &v.device_uuid)))
    }

    async fn list_networks(&self, device_uuid: Option<&str>) -> CoreResult<Vec<Network>> {
        Ok(self.with(|s| of_device(&s.networks, device_uuid, |n| &n.device_uuid)))
    }

    async fn replace_images(&self, device_uuid: &str, images: &[Image]) -> CoreResult<()> {
        self.with(|s| {
            s.images.retain(|i| i.device_uuid != device_uuid);
            s.images.extend_from_slice(images);
        });
        Ok(())
    }

    async fn replace_volumes(&self, device_uuid: &str, volumes: &[Volume]) -> CoreResult<()> {
        self.with(|s| {
            s.volumes.retain(|v| v.device_uuid != device_uuid);
            s.volumes.extend_from_slice(volumes);
        });
        Ok(())
    }

    async fn replace_networks(&self, device_uuid: &str, networks: &[Network]) -> CoreResult<()> {
        self.with(|s| {
            s.networks.retain(|n| n.device_uuid != device_uuid);
            s.networks.extend_from_slice(networks);
        });
        Ok(())
    }
}

/// Min, average and max of `f` over `samples`.
fn span(samples: &[&StatsSample], f: impl Fn(&StatsSample) -> f64) -> Span {
    let values: Vec<f64> = samples.iter().map(|s| f(s)).collect();
    let n = values.len().max(1) as f64;
    Span {
        min: values.iter().copied().fold(f64::INFINITY, f64::min),
        avg: values.iter().sum::<f64>() / n,
        max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    }
}

fn bucket_of(ts: f64, step: i64) -> i64 {
    (ts.floor() as i64).div_euclid(step) * step
}

#[async_trait]
impl StatsRepository for MemoryRepos {
    async fn insert_samples(
        &self,
        load: &DeviceLoad,
        samples: &[ContainerSample],
    ) -> CoreResult<()> {
        self.with(|s| {
            for cs in samples {
                if s.containers.contains_key(&cs.container_uuid) {
                    s.samples
                        .entry(cs.container_uuid.clone())
                        .or_default()
                        .push(cs.sample.clone());
                }
            }
            s.loads.push(load.clone());
        });
        Ok(())
    }

    async fn latest_sample(&self, container_uuid: &str) -> CoreResult<Option<StatsSample>> {
        Ok(self.with(|s| {
            s.samples
                .get(container_uuid)
                .and_then(|v| v.last().cloned())
        }))
    }

    async fn container_series(
        &self,
        container_uuid: &str,
        from: i64,
        to: i64,
        step: i64,
        tier: StatsTier,
    ) -> CoreResult<ContainerSeries> {
        let step = step.max(1);
        let samples = self.with(|s| s.samples.get(container_uuid).cloned().unwrap_or_default());
        let mut buckets: BTreeMap<i64, Vec<&StatsSample>> = BTreeMap::new();
        for x in samples
            .iter()
            .filter(|x| x.ts >= from as f64 && x.ts < to as f64)
        {
            buckets.entry(bucket_of(x.ts, step)).or_default().push(x);
        }
        let points = buckets
            .into_iter()
            .map(|(b, v)| SeriesPoint {
                ts: b as f64,
                samples: v.len() as f64,
                cpu_percent: span(&v, |x| x.cpu_percent),
                memory_used: span(&v, |x| x.memory_used),
                memory_limit: span(&v, |x| x.memory_limit).max,
                net_rx_rate: span(&v, |x| x.net_rx_rate),
                net_tx_rate: span(&v, |x| x.net_tx_rate),
                block_read_rate: span(&v, |x| x.block_read_rate),
                block_write_rate: span(&v, |x| x.block_write_rate),
                pids: span(&v, |x| x.pids).max,
            })
            .collect();
        Ok(ContainerSeries {
            container_uuid: container_uuid.to_string(),
            from: from as f64,
            to: to as f64,
            step: step as f64,
            tier,
            points,
        })
    }

    async fn fleet_series(
        &self,
        device_uuid: Option<&str>,
        from: i64,
        to: i64,
        step: i64,
        tier: StatsTier,
    ) -> CoreResult<FleetSeries> {
        let step = step.max(1);
        let loads = self.with(|s| s.loads.clone());
        let mut buckets: BTreeMap<i64, Vec<&DeviceLoad>> = BTreeMap::new();
        for l in loads.iter().filter(|l| {
            l.ts >= from as f64
                && l.ts < to as f64
                && device_uuid.is_none_or(|d| d == l.device_uuid)
        }) {
            buckets.entry(bucket_of(l.ts, step)).or_default().push(l);
        }
        let points = buckets
            .into_iter()
            .map(|(b, v)| {
                let containers: f64 = v.iter().map(|l| l.containers).sum();
                let cpu: f64 = v.iter().map(|l| l.cpu_total_percent).sum();
                let mem_pct: f64 = v.iter().map(|l| l.memory_avg_percent * l.containers).sum();
                let rounds = v.len() as f64;
                FleetPoint {
                    ts: b as f64,
                    cpu_avg_percent: if containers > 0.0 {
                        cpu / containers
                    } else {
                        0.0
                    },
                    memory_avg_percent: if containers > 0.0 {
                        mem_pct / containers
                    } else {
                        0.0
                    },
                    cpu_total_percent: cpu / rounds,
                    memory_total: v.iter().map(|l| l.memory_total).sum::<f64>() / rounds,
                    containers: containers / rounds,
                }
            })
            .collect();
        Ok(FleetSeries {
            device_uuid: device_uuid.map(str::to_string),
            from: from as f64,
            to: to as f64,
            step: step as f64,
            tier,
            points,
        })
    }

    /// Follows the plan's raw cut (samples older than it go); rollup tiers are not kept.
    async fn rollup(&self, now: i64, retention: &StatsRetention) -> CoreResult<RollupReport> {
        Ok(self.with(|s| {
            let done = s.rolled_until;
            let plan = RollupPlan::at(now, retention, |t| {
                (t == StatsTier::Minute).then_some(done).flatten()
            });
            let mut report = RollupReport::default();
            if let Some(step) = plan.steps.iter().find(|st| st.tier == StatsTier::Minute) {
                s.rolled_until = Some(step.until);
                report.minute_buckets = 1;
            }
            if let Some(cut) = plan.cuts.iter().find(|c| c.tier == StatsTier::Raw) {
                for v in s.samples.values_mut() {
                    let before = v.len();
                    v.retain(|x| x.ts >= cut.before as f64);
                    report.deleted += (before - v.len()) as u64;
                }
            }
            report
        }))
    }

    async fn retention(&self) -> CoreResult<StatsRetention> {
        Ok(self.with(|s| s.retention.unwrap_or_default()))
    }

    async fn set_retention(&self, retention: &StatsRetention) -> CoreResult<()> {
        self.with(|s| s.retention = Some(*retention));
        Ok(())
    }
}
