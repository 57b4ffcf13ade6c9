//! Update checks: every container's image on every device, asked of its registry once per
//! unique reference, the findings kept and announced.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use tokio::sync::{Mutex, RwLock};

use crate::clock::Clock;
use crate::error::CoreResult;
use crate::events::{DomainEvent, EventBus};
use crate::ports::{Repositories, UpdateRepository};
use crate::services::RegistriesService;
use crate::templates::ImageRef;
use crate::updates::check::{reference_key, repository_key};
use crate::updates::{
    finding, plan, registry_host, CheckRequests, ContainerUpdate, Finding, RateLimit,
    RegistryCredentials, RegistryError, RegistryPort, RegistryRate, RemoteManifest, RemoteTags,
    UpdateCheck, UpdatePolicy, WatchLabels, Watched,
};

/// The credentials added for the image's registry, if any.
fn credentials_for<'a>(
    credentials: &'a HashMap<String, RegistryCredentials>,
    image: &ImageRef,
) -> Option<&'a RegistryCredentials> {
    credentials.get(&registry_host(image))
}

/// Hours between scheduled checks unless the user chose.
pub const DEFAULT_CHECK_HOURS: u32 = 6;
/// The longest interval offered: a week.
pub const MAX_CHECK_HOURS: u32 = 168;

/// Registry requests in flight at once, across registries.
const CONCURRENT_REQUESTS: usize = 4;

pub struct UpdateService {
    store: Arc<dyn UpdateRepository>,
    repos: Arc<dyn Repositories>,
    registry: Arc<dyn RegistryPort>,
    registries: Arc<RegistriesService>,
    bus: EventBus,
    clock: Arc<dyn Clock>,
    /// One check at a time: a second asker waits and gets the same result.
    running: Mutex<()>,
    last: RwLock<Option<UpdateCheck>>,
    /// Wakes the schedule when the interval changes.
    replan: tokio::sync::Notify,
}

impl UpdateService {
    pub fn new(
        store: Arc<dyn UpdateRepository>,
        repos: Arc<dyn Repositories>,
        registry: Arc<dyn RegistryPort>,
        registries: Arc<RegistriesService>,
        bus: EventBus,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            repos,
            registry,
            registries,
            bus,
            clock,
            running: Mutex::new(()),
            last: RwLock::new(None),
            replan: tokio::sync::Notify::new(),
        }
    }

    /// The last check's findings (kept across runs), if any check ran.
    pub async fn last_check(&self) -> CoreResult<Option<UpdateCheck>> {
        if let Some(check) = self.last.read().await.clone() {
            return Ok(Some(check));
        }
        let stored = self.store.last_update_check().await?;
        if let Some(check) = &stored {
            *self.last.write().await = Some(check.clone());
        }
        Ok(stored)
    }

    /// Drops what the last check said of a container that was replaced (updated or
    /// recreated): the new container is another, checked next time.
    pub async fn forget(&self, container_uuid: &str) -> CoreResult<()> {
        let _one = self.running.lock().await;
        let Some(mut check) = self.last_check().await? else {
            return Ok(());
        };
        let before = check.findings.len();
        check
            .findings
            .retain(|f| f.container_uuid != container_uuid);
        if check.findings.len() == before {
            return Ok(());
        }
        self.store.save_update_check(&check).await?;
        *self.last.write().await = Some(check.clone());
        self.bus.publish(DomainEvent::UpdatesChecked {
            checked_at: check.checked_at,
            available: u32::try_from(check.available()).unwrap_or(u32::MAX),
        });
        Ok(())
    }

    /// Checks every container now. A check already running is waited for, not repeated.
    pub async fn check_now(&self) -> CoreResult<UpdateCheck> {
        let started_ms = self.clock.now_ms();
        let _one = self.running.lock().await;
        // Someone else's check finished while this one waited: it is as fresh.
        if let Some(done) = self.last.read().await.clone() {
            if done.checked_at >= started_ms {
                return Ok(done);
            }
        }
        let started = Instant::now();
        // Only what runs from an image and can be updated (not a Proxmox guest).
        let mut containers = self.repos.list_containers().await?;
        containers.retain(|c| c.kind.capabilities().recreate);
        let images = self.repos.list_images(None).await?;
        let digests: HashMap<(&str, &str), &Vec<String>> = images
            .iter()
            .map(|i| ((i.device_uuid.as_str(), i.id.as_str()), &i.repo_digests))
            .collect();
        let watched: Vec<Watched> = containers
            .iter()
            .map(|c| Watched {
                reference: c.image.clone(),
                repo_digests: digests
                    .get(&(c.device_uuid.as_str(), c.image_id.as_str()))
                    .map(|d| (*d).clone())
                    .unwrap_or_default(),
                labels: WatchLabels::from_labels(&c.labels),
            })
            .collect();
        let plan = plan(&watched);
        // Each registry's credentials, read from the keyring once per check.
        let credentials = self.registries.credentials().await;
        let credentials = &credentials;
        let heads = self.ask(plan.heads.into_iter(), |r, image| async move {
            r.manifest(&image, credentials_for(credentials, &image))
                .await
        });
        let heads: HashMap<String, Result<RemoteManifest, RegistryError>> = heads.await;
        let tags = self.ask(plan.tag_lists.into_iter(), |r, image| async move {
            r.tags(&image, credentials_for(credentials, &image)).await
        });
        let tags: HashMap<String, Result<RemoteTags, RegistryError>> = tags.await;

        let mut rates: HashMap<String, RateLimit> = HashMap::new();
        let mut note = |registry: &str, rate: Option<RateLimit>| {
            if let Some(rate) = rate {
                rates
                    .entry(registry.to_string())
                    .and_modify(|r| {
                        if rate.remaining < r.remaining {
                            *r = rate;
                        }
                    })
                    .or_insert(rate);
            }
        };
        let registry_of = |key: &str| key.split('/').next().unwrap_or("").to_string();
        for (key, answer) in &heads {
            note(
                &registry_of(key),
                answer.as_ref().ok().and_then(|m| m.rate_limit),
            );
        }
        for (key, answer) in &tags {
            note(
                &registry_of(key),
                answer.as_ref().ok().and_then(|t| t.rate_limit),
            );
        }

        let findings = containers
            .iter()
            .zip(&watched)
            .map(|(c, w)| {
                let image = ImageRef::parse(&w.reference).ok();
                let head = image.as_ref().and_then(|i| heads.get(&reference_key(i)));
                let listed = image
                    .as_ref()
                    .and_then(|i| tags.get(&repository_key(i)))
                    .and_then(|t| t.as_ref().ok())
                    .map(|t| t.tags.as_slice());
                let finding = match head {
                    Some(Ok(m)) => finding(w, &m.digest, listed),
                    Some(Err(e)) if w.labels.policy != UpdatePolicy::Off => Finding::Failed {
                        error: e.to_string(),
                    },
                    // Off (another container's check asked), or not asked: off, or not
                    // checkable (`finding` says which).
                    _ => finding(w, "", None),
                };
                ContainerUpdate {
                    container_uuid: c.uuid.clone(),
                    device_uuid: c.device_uuid.clone(),
                    reference: c.image.clone(),
                    finding,
                }
            })
            .collect();
        let mut rate_limits: Vec<RegistryRate> = rates
            .into_iter()
            .map(|(registry, r)| RegistryRate {
                registry,
                limit: r.limit,
                remaining: r.remaining,
                window_secs: r.window_secs,
            })
            .collect();
        rate_limits.sort_by(|a, b| a.registry.cmp(&b.registry));
        let check = UpdateCheck {
            checked_at: self.clock.now_ms(),
            took_ms: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
            findings,
            requests: CheckRequests {
                head: u32::try_from(heads.len()).unwrap_or(u32::MAX),
                tag_lists: u32::try_from(tags.len()).unwrap_or(u32::MAX),
            },
            rate_limits,
        };
        self.store.save_update_check(&check).await?;
        *self.last.write().await = Some(check.clone());
        tracing::info!(
            containers = check.findings.len(),
            available = check.available(),
            heads = check.requests.head,
            tag_lists = check.requests.tag_lists,
            took_ms = check.took_ms,
            "update check done"
        );
        self.bus.publish(DomainEvent::UpdatesChecked {
            checked_at: check.checked_at,
            available: u32::try_from(check.available()).unwrap_or(u32::MAX),
        });
        Ok(check)
    }

    /// Hours between scheduled checks (0: only when asked).
    pub async fn interval_hours(&self) -> CoreResult<u32> {
        Ok(self
            .store
            .check_interval_hours()
            .await?
            .unwrap_or(DEFAULT_CHECK_HOURS))
    }

    pub async fn set_interval_hours(&self, hours: u32) -> CoreResult<()> {
        if hours > MAX_CHECK_HOURS {
            return Err(crate::CoreError::InvalidInput(format!(
                "Checks can be at most {MAX_CHECK_HOURS} hours (a week) apart."
            )));
        }
        self.store.set_check_interval_hours(hours).await?;
        self.replan.notify_one();
        Ok(())
    }

    /// Checks every interval (the user's, else `period`), counted from the last check (kept
    /// across runs, so a restart spends no requests); waits at least `settle` first, for the
    /// devices' inventories. A changed interval takes effect at once.
    pub async fn run(self: Arc<Self>, period: Duration, settle: Duration) {
        loop {
            let period = match self.store.check_interval_hours().await {
                Ok(Some(0)) => {
                    // Only when asked: wait for another interval.
                    self.replan.notified().await;
                    continue;
                }
                Ok(Some(h)) => Duration::from_secs(u64::from(h) * 3600),
                _ => period,
            };
            let last = match self.last_check().await {
                Ok(last) => last.map(|c| c.checked_at),
                Err(e) => {
                    tracing::warn!(error = %e, "the last update check cannot be read");
                    None
                }
            };
            let due_in = last.map_or(0, |at| {
                let period_ms = i64::try_from(period.as_millis()).unwrap_or(i64::MAX);
                at.saturating_add(period_ms)
                    .saturating_sub(self.clock.now_ms())
                    .max(0)
            });
            let wait = Duration::from_millis(u64::try_from(due_in).unwrap_or(0)).max(settle);
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = self.replan.notified() => continue,
            }
            if let Err(e) = self.check_now().await {
                tracing::warn!(error = %e, "update check failed");
            }
        }
    }

    /// Asks each keyed image of the registry, a few at a time. A registry that answers
    /// "too many requests" is not asked again in this check: its other keys get the same
    /// answer without a request.
    async fn ask<T, F, Fut>(
        &self,
        keyed: impl Iterator<Item = (String, ImageRef)>,
        request: F,
    ) -> HashMap<String, Result<T, RegistryError>>
    where
        F: Fn(Arc<dyn RegistryPort>, ImageRef) -> Fut,
        Fut: std::future::Future<Output = Result<T, RegistryError>>,
    {
        let limited: std::sync::Mutex<HashMap<String, RegistryError>> = Default::default();
        let limited = &limited;
        let request = &request;
        stream::iter(keyed)
            .map(|(key, image)| async move {
                let registry = image.registry.clone().unwrap_or_else(|| "docker.io".into());
                let known = limited.lock().ok().and_then(|l| l.get(&registry).cloned());
                if let Some(e) = known {
                    return (key, Err(e));
                }
                let answer = request(self.registry.clone(), image).await;
                if let Err(e @ RegistryError::RateLimited { .. }) = &answer {
                    if let Ok(mut l) = limited.lock() {
                        l.insert(registry, e.clone());
                    }
                }
                (key, answer)
            })
            .buffer_unordered(CONCURRENT_REQUESTS)
            .collect()
            .await
    }
}
