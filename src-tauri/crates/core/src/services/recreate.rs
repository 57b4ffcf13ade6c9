//! Safe recreate: an image update, or an edit of a container's settings, that keeps the old
//! container aside until the new one has proved itself, and brings it back when it has not.
//!
//! The steps: pull (with progress), keep the previous image under a tag of its own, stop the
//! old container and rename it aside, create the new one with the old one's whole
//! configuration (and the edits), start it, and watch it through the health gate. A failed
//! gate removes the new container and starts the old one again, with its own id and
//! configuration; a passed gate removes the old one. The previous image stays tagged for a
//! manual roll back until the keep time runs out.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use crate::clock::Clock;
use crate::error::{CoreError, CoreResult};
use crate::model::LogQuery;
use crate::ports::{ContainerRuntime, KeptImageRepository, RemoveOptions};
use crate::services::{pull_with_progress, ContainerService, RegistriesService, UpdateService};
use crate::templates::ImageRef;
use crate::updates::{
    aside_name, gate_verdict, rollback_tag, BatchEvent, BatchSummary, ContainerEdits, GateSettings,
    GateVerdict, KeptImage, RecreateJournal, RecreateOutcome, RecreateRecovery, RecreateResult,
    RecreateSource, RecreateStep, DEFAULT_KEEP_HOURS, MAX_BATCH, MAX_KEEP_HOURS,
};

/// How often the gate looks at the new container.
const GATE_POLL: Duration = Duration::from_millis(500);
/// How long the old container is given to stop.
const STOP_TIMEOUT_SECS: u32 = 30;
/// An interrupted recreate found later than this is reported, not undone.
const STALE_RECOVERY_HOURS: i64 = 24;
/// Log lines of a failed container shown to the user.
const LAST_LINES: u32 = 40;
/// The longest wait for a failed container's last lines.
const LAST_LINES_DEADLINE: Duration = Duration::from_secs(10);

/// What to recreate, and how.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RecreateRequest {
    pub container_uuid: String,
    /// The image to move to; `None` keeps the container's own reference.
    pub image: Option<String>,
    /// Pull the image first (an update); an edit alone recreates on the image it has.
    pub pull: bool,
    pub edits: ContainerEdits,
    /// The gate; the defaults when `None`.
    pub gate: Option<GateSettings>,
}

/// Safe recreates, one at a time per container.
pub struct RecreateService {
    containers: Arc<ContainerService>,
    registries: Arc<RegistriesService>,
    updates: Arc<UpdateService>,
    kept: Arc<dyn KeptImageRepository>,
    clock: Arc<dyn Clock>,
    busy: Mutex<HashSet<String>>,
}

/// Frees a container's place in the busy set when its recreate ends, however it ends.
struct BusyGuard<'a> {
    set: &'a Mutex<HashSet<String>>,
    key: String,
}

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        if let Ok(mut set) = self.set.lock() {
            set.remove(&self.key);
        }
    }
}

/// Where a recreate stands when something fails: what must be undone.
struct Touched<'a> {
    rt: &'a dyn ContainerRuntime,
    source: &'a RecreateSource,
    /// The reference now names another image than the source's (a pull moved it).
    retag: bool,
}

impl Touched<'_> {
    /// Puts the old container back as it was: its name, its run, its image's reference.
    async fn restore(&self, new_id: Option<&str>) -> Result<(), String> {
        let mut problems = Vec::new();
        // The new container goes only if the old one is there to come back.
        if let Err(e) = self.rt.run_state(&self.source.engine_id).await {
            return Err(format!(
                "the previous container is gone ({e}), so the new one was left as it is"
            ));
        }
        if let Some(id) = new_id {
            let force = RemoveOptions {
                force: true,
                remove_volumes: false,
            };
            if let Err(e) = self.rt.remove(id, force).await {
                problems.push(format!("the new container could not be removed: {e}"));
            }
        }
        if let Err(e) = self
            .rt
            .rename(&self.source.engine_id, &self.source.name)
            .await
        {
            problems.push(format!(
                "the previous container could not get its name back (it is \"{}\"): {e}",
                aside_name(&self.source.name)
            ));
        }
        if self.source.running {
            if let Err(e) = self.rt.start(&self.source.engine_id).await {
                problems.push(format!("the previous container could not be started: {e}"));
            }
        }
        if self.retag && ImageRef::parse(&self.source.image).is_ok() {
            if let Err(e) = self
                .rt
                .tag_image(&self.source.image_id, &self.source.image)
                .await
            {
                problems.push(format!(
                    "{} could not be pointed back at the previous image: {e}",
                    self.source.image
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}

impl RecreateService {
    pub fn new(
        containers: Arc<ContainerService>,
        registries: Arc<RegistriesService>,
        updates: Arc<UpdateService>,
        kept: Arc<dyn KeptImageRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            containers,
            registries,
            updates,
            kept,
            clock,
            busy: Mutex::new(HashSet::new()),
        }
    }

    /// Recreates a container as asked, reporting each step; the outcome says how it ended
    /// (an error only when nothing was touched: an unknown container, an offline device).
    pub async fn recreate(
        &self,
        request: &RecreateRequest,
        report: &(dyn Fn(RecreateStep) + Send + Sync),
    ) -> CoreResult<RecreateOutcome> {
        let container = self.containers.get(&request.container_uuid).await?;
        crate::services::containers::refuse_unless(
            &container,
            container.kind.capabilities().recreate,
            "updated or recreated",
        )?;
        let rt = self
            .containers
            .device_runtime(&container.device_uuid)
            .await?;
        let _busy = self.hold(&container)?;
        self.recreate_held(request, &container, rt.as_ref(), false, report)
            .await
    }

    /// The container's place in the busy set, or why it is taken.
    fn hold(&self, container: &crate::model::Container) -> CoreResult<BusyGuard<'_>> {
        self.hold_name(&container.device_uuid, &container.name)
            .ok_or_else(|| {
                CoreError::Engine(crate::EngineError::Busy(format!(
                    "{} is already being updated or recreated: wait for it to finish",
                    container.name
                )))
            })
    }

    /// The place of the container named `name` on a device, unless it is taken.
    fn hold_name(&self, device_uuid: &str, name: &str) -> Option<BusyGuard<'_>> {
        let key = format!("{device_uuid}/{name}");
        let mut set = self.busy.lock().unwrap_or_else(|p| p.into_inner());
        set.insert(key.clone()).then(|| BusyGuard {
            set: &self.busy,
            key,
        })
    }

    /// A recreate of a container whose place in the busy set is held; `rolling_back` when
    /// its reference was pointed at the kept image on purpose.
    async fn recreate_held(
        &self,
        request: &RecreateRequest,
        container: &crate::model::Container,
        rt: &dyn ContainerRuntime,
        rolling_back: bool,
        report: &(dyn Fn(RecreateStep) + Send + Sync),
    ) -> CoreResult<RecreateOutcome> {
        // A recreate of this container cut short by a stop of Squirrel is settled first: its
        // old container may still be aside, under the name this one would take.
        // The one asked may be the new container or the old one, aside.
        let journal = self.kept.recreate_journal().await?;
        if let Some(entry) = journal.iter().find(|e| {
            e.device_uuid == container.device_uuid
                && (e.container == container.name
                    || e.engine_id == container.engine_id
                    || aside_name(&e.container) == container.name)
        }) {
            // Asked for the old container aside while its recreate runs: that one is busy.
            let _theirs = if entry.container == container.name {
                None
            } else {
                Some(
                    self.hold_name(&entry.device_uuid, &entry.container)
                        .ok_or_else(|| {
                            CoreError::Engine(crate::EngineError::Busy(format!(
                                "{} is being updated or recreated: wait for it to finish",
                                entry.container
                            )))
                        })?,
                )
            };
            // The container the inventory showed may be the one just removed: the user
            // looks again before asking again.
            let recovery = self.settle(rt, entry).await?;
            return Err(CoreError::InvalidInput(format!(
                "{} Nothing else was done: look at it, then ask again.",
                recovery.message
            )));
        }
        let source = rt.recreate_source(&container.engine_id).await?;
        // An image id (what the engine lists once the reference has moved) means "the
        // container's own reference", not a repository named `sha256`.
        let named = request.image.as_ref().filter(|i| !is_image_id(i));
        let target = match named {
            Some(image) => ImageRef::parse(image)
                .map_err(|e| CoreError::InvalidInput(format!("Not an image reference: {e}.")))?
                .to_string(),
            None => source.image.clone(),
        };
        let outcome = self
            .run(
                rt,
                &container.device_uuid,
                &source,
                &target,
                request,
                rolling_back,
                report,
            )
            .await;
        // However it ended, it ended: nothing is left to put back at the next start.
        if let Err(e) = self
            .kept
            .end_recreate(&container.device_uuid, &source.name)
            .await
        {
            tracing::warn!(error = %e, "the ended recreate stays written down");
        }
        if matches!(outcome.result, RecreateResult::Replaced { .. }) {
            if let Err(e) = self.updates.forget(&request.container_uuid).await {
                tracing::warn!(error = %e, "the replaced container's update finding stays");
            }
        }
        tracing::info!(
            container = %outcome.container,
            from = %outcome.from_image,
            to = %outcome.to_image,
            result = ?outcome.result,
            "recreate done"
        );
        report(RecreateStep::Done {
            outcome: outcome.clone(),
        });
        Ok(outcome)
    }

    // The steps share these; a struct for one private call would only rename them.
    #[allow(clippy::too_many_arguments)]
    async fn run(
        &self,
        rt: &dyn ContainerRuntime,
        device_uuid: &str,
        source: &RecreateSource,
        target: &str,
        request: &RecreateRequest,
        rolling_back: bool,
        report: &(dyn Fn(RecreateStep) + Send + Sync),
    ) -> RecreateOutcome {
        let mut outcome = RecreateOutcome {
            container: source.name.clone(),
            from_image: source.image.clone(),
            to_image: target.to_owned(),
            result: RecreateResult::UpToDate,
            kept_image: None,
            last_lines: Vec::new(),
        };
        let failed = |error: String| RecreateResult::Failed { error };

        if source.auto_remove {
            outcome.result = failed(format!(
                "{} was created with --rm: the engine deletes it as soon as it stops, so it cannot be set aside and brought back if the new one fails. Nothing was changed; recreate it without --rm to update it safely",
                source.name
            ));
            return outcome;
        }
        // 1. The image, before anything is touched.
        if request.pull {
            if ImageRef::parse(target).is_err() {
                outcome.result = failed(format!(
                    "{} was created from an image id ({target}), which cannot be pulled: edit it to name an image",
                    source.name
                ));
                return outcome;
            }
            let credentials = self.registries.credentials_for_image(target).await;
            let pulled = pull_with_progress(rt, target, credentials.as_ref(), &|progress| {
                report(RecreateStep::Pulling { progress })
            })
            .await;
            if let Err(e) = pulled {
                outcome.result = failed(format!(
                    "Pulling {target} failed: {e}. Nothing was changed."
                ));
                return outcome;
            }
        }
        let new_image = match rt.image_id(target).await {
            Ok(Some(id)) => id,
            // The container's own reference lost its tag (a `docker image prune -a` takes
            // the tags of images in use too): it names the container's image again.
            Ok(None)
                if !request.pull && target == source.image && ImageRef::parse(target).is_ok() =>
            {
                if let Err(e) = rt.tag_image(&source.image_id, target).await {
                    outcome.result = failed(format!(
                        "{target} is no longer on the device and could not be named again: {e}. Nothing was changed."
                    ));
                    return outcome;
                }
                source.image_id.clone()
            }
            Ok(None) => {
                outcome.result = failed(format!(
                    "{target} is not on the device: pull it first. Nothing was changed."
                ));
                return outcome;
            }
            Err(e) => {
                outcome.result = failed(format!("{e}. Nothing was changed."));
                return outcome;
            }
        };
        let image_changes = new_image != source.image_id;
        // An edit keeps the image the container runs: a reference moved since (a pull, or a
        // roll back of another container that shares it) would change it unasked.
        if image_changes && !request.pull && !rolling_back {
            outcome.result = failed(format!(
                "{target} now names another image than the one {} runs (a pull or another container's update moved it). Nothing was changed: update {} to move it to that image, then edit it",
                source.name, source.name
            ));
            return outcome;
        }
        // A newer tag of the same build still moves the container to that tag.
        if !image_changes && target == source.image && request.edits.is_empty() {
            return outcome;
        }

        // 2. The previous image, kept under a tag of its own. The image an earlier update
        // kept there is put back if this one does not go through.
        let previous = self.kept.kept_images().await.ok().and_then(|all| {
            all.into_iter()
                .find(|k| k.device_uuid == device_uuid && k.container == source.name)
        });
        if image_changes {
            if let Some(tag) = rollback_tag(&source.image, &source.name) {
                match rt.tag_image(&source.image_id, &tag).await {
                    Ok(()) => outcome.kept_image = Some(tag),
                    Err(e) => {
                        outcome.result = failed(format!(
                            "The previous image could not be kept as {tag}: {e}. Nothing was changed."
                        ));
                        return outcome;
                    }
                }
            }
        }
        let touched = Touched {
            rt,
            source,
            retag: image_changes && target == source.image,
        };
        // Written down before the old container is touched: a stop of Squirrel from here on
        // is settled at the next start.
        let entry = RecreateJournal {
            device_uuid: device_uuid.to_owned(),
            container: source.name.clone(),
            engine_id: source.engine_id.clone(),
            running: source.running,
            image: source.image.clone(),
            image_id: source.image_id.clone(),
            retag: touched.retag,
            kept_tag: outcome.kept_image.clone(),
            earlier_kept: previous
                .as_ref()
                .filter(|p| Some(&p.tag) == outcome.kept_image.as_ref())
                .filter(|p| p.image_id != source.image_id)
                .map(|p| p.image_id.clone()),
            new_id: None,
            started_at: self.clock.now_ms(),
        };
        if let Err(e) = self.kept.journal_recreate(&entry).await {
            outcome.result = failed(format!(
                "The recreate could not be written down ({e}): without it, {} could not be put back if Squirrel stopped in the middle. Nothing was changed.",
                source.name
            ));
            self.untouched(&touched, device_uuid, &mut outcome, previous)
                .await;
            return outcome;
        }

        // 3. The old container, stopped and set aside.
        report(RecreateStep::Stopping);
        if source.running {
            // Its own grace period when longer: a database given time to flush gets it.
            let grace = source
                .stop_timeout_secs
                .map_or(STOP_TIMEOUT_SECS, |t| t.max(STOP_TIMEOUT_SECS));
            if let Err(e) = rt.stop(&source.engine_id, Some(grace)).await {
                let back = rt.start(&source.engine_id).await;
                outcome.result = failed(format!(
                    "{} could not be stopped: {e}{}",
                    source.name,
                    if back.is_ok() {
                        ". It runs as before."
                    } else {
                        ""
                    }
                ));
                self.untouched(&touched, device_uuid, &mut outcome, previous.clone())
                    .await;
                return outcome;
            }
        }
        if let Err(e) = rt
            .rename(&source.engine_id, &aside_name(&source.name))
            .await
        {
            if source.running {
                let _ = rt.start(&source.engine_id).await;
            }
            outcome.result = failed(format!(
                "{} could not be renamed aside: {e}. It was started again.",
                source.name
            ));
            self.untouched(&touched, device_uuid, &mut outcome, previous.clone())
                .await;
            return outcome;
        }

        // 4. The new container.
        report(RecreateStep::Creating);
        let new_id = match rt
            .create_like(&source.engine_id, &source.name, target, &request.edits)
            .await
        {
            Ok(id) => {
                // A recovery removes this container, and no other of the same name.
                let created = RecreateJournal {
                    new_id: Some(id.clone()),
                    ..entry.clone()
                };
                if let Err(e) = self.kept.journal_recreate(&created).await {
                    tracing::warn!(error = %e, "the new container's id is not written down");
                }
                id
            }
            Err(e) => {
                let reason = format!("the engine refused the new container: {e}");
                report(RecreateStep::RollingBack {
                    reason: reason.clone(),
                });
                outcome.result = match touched.restore(None).await {
                    Ok(()) => RecreateResult::RolledBack { reason },
                    Err(problem) => failed(format!("{reason}; then {problem}")),
                };
                self.kept_after_failure(rt, device_uuid, source, &mut outcome, previous)
                    .await;
                return outcome;
            }
        };
        if !source.running {
            // A stopped container is replaced by a stopped one: there is no run to gate.
            return self
                .replaced(
                    rt,
                    device_uuid,
                    source,
                    outcome,
                    "the container was stopped, so the new one was created and left stopped".into(),
                )
                .await;
        }

        // 5. Its start and the gate.
        report(RecreateStep::Starting);
        let verdict = match rt.start(&new_id).await {
            Ok(()) => {
                self.gate(
                    rt,
                    &new_id,
                    request.gate.unwrap_or_default().bounded(),
                    report,
                )
                .await
            }
            Err(e) => Err(format!("it could not be started: {e}")),
        };
        match verdict {
            Ok(why) => self.replaced(rt, device_uuid, source, outcome, why).await,
            Err(reason) => {
                report(RecreateStep::RollingBack {
                    reason: reason.clone(),
                });
                outcome.last_lines = last_lines(rt, &new_id).await;
                outcome.result = match touched.restore(Some(&new_id)).await {
                    Ok(()) => RecreateResult::RolledBack { reason },
                    Err(problem) => failed(format!(
                        "the new container failed ({reason}); then {problem}"
                    )),
                };
                self.kept_after_failure(rt, device_uuid, source, &mut outcome, previous)
                    .await;
                outcome
            }
        }
    }

    /// After a failed attempt: the keeping tag names again what an earlier update kept, or,
    /// when nothing was kept, it keeps the image that runs again (pinned, until it expires).
    /// After a failure that left the old container as it was: its reference and the kept
    /// tag name what they named before.
    async fn untouched(
        &self,
        touched: &Touched<'_>,
        device_uuid: &str,
        outcome: &mut RecreateOutcome,
        previous: Option<KeptImage>,
    ) {
        if touched.retag {
            if let Err(e) = touched
                .rt
                .tag_image(&touched.source.image_id, &touched.source.image)
                .await
            {
                tracing::warn!(error = %e, "the reference is not pointed back at the running image");
            }
        }
        self.kept_after_failure(touched.rt, device_uuid, touched.source, outcome, previous)
            .await;
    }

    async fn kept_after_failure(
        &self,
        rt: &dyn ContainerRuntime,
        device_uuid: &str,
        source: &RecreateSource,
        outcome: &mut RecreateOutcome,
        previous: Option<KeptImage>,
    ) {
        let Some(tag) = outcome.kept_image.clone() else {
            return;
        };
        match previous.filter(|p| p.tag == tag && p.image_id != source.image_id) {
            Some(earlier) => {
                if let Err(e) = rt.tag_image(&earlier.image_id, &tag).await {
                    tracing::warn!(error = %e, tag, "the earlier kept image is not named again");
                }
            }
            None => self.record_kept(device_uuid, source, &tag).await,
        }
    }

    async fn record_kept(&self, device_uuid: &str, source: &RecreateSource, tag: &str) {
        let now = self.clock.now_ms();
        let hours = self.keep_hours().await;
        let kept = KeptImage {
            device_uuid: device_uuid.to_owned(),
            container: source.name.clone(),
            tag: tag.to_owned(),
            image_id: source.image_id.clone(),
            reference: source.image.clone(),
            kept_at: now,
            keep_until: now + i64::from(hours) * 3_600_000,
        };
        if let Err(e) = self.kept.keep_image(&kept).await {
            tracing::warn!(error = %e, tag, "the kept image is not recorded");
        }
    }

    /// Watches the new container until the gate decides: `Ok` with why it passed, `Err`
    /// with why it failed.
    async fn gate(
        &self,
        rt: &dyn ContainerRuntime,
        id: &str,
        gate: GateSettings,
        report: &(dyn Fn(RecreateStep) + Send + Sync),
    ) -> Result<String, String> {
        let started = Instant::now();
        let first = rt.run_state(id).await.map_err(|e| e.to_string())?;
        let restarts = first.restart_count;
        let longest = if first.health.is_some() {
            gate.health_timeout_secs
        } else {
            gate.window_secs
        };
        let mut state = first;
        loop {
            let elapsed = started.elapsed();
            match gate_verdict(&state, restarts, elapsed, gate) {
                GateVerdict::Passed(why) => return Ok(why),
                GateVerdict::Failed(why) => return Err(why),
                GateVerdict::Pending => {}
            }
            let left = u64::from(longest).saturating_sub(elapsed.as_secs());
            report(RecreateStep::Checking {
                seconds: u32::try_from(left).unwrap_or(u32::MAX),
                health: state.health,
            });
            tokio::time::sleep(GATE_POLL).await;
            state = match rt.run_state(id).await {
                Ok(s) => s,
                Err(e) => return Err(format!("its state could not be read: {e}")),
            };
        }
    }

    /// The new container stays: the old one goes, its image is kept for a while.
    async fn replaced(
        &self,
        rt: &dyn ContainerRuntime,
        device_uuid: &str,
        source: &RecreateSource,
        mut outcome: RecreateOutcome,
        why: String,
    ) -> RecreateOutcome {
        let keep = RemoveOptions {
            force: true,
            remove_volumes: false,
        };
        let mut why = why;
        // The gate decided: from here nothing is to be put back, even if Squirrel stops.
        if let Err(e) = self.kept.end_recreate(device_uuid, &source.name).await {
            tracing::warn!(error = %e, "the passed recreate stays written down");
        }
        if let Err(e) = rt.remove(&source.engine_id, keep).await {
            why = format!(
                "{why}; the previous container could not be removed ({e}): it stays as \"{}\"",
                aside_name(&source.name)
            );
        }
        if let Some(tag) = &outcome.kept_image {
            self.record_kept(device_uuid, source, tag).await;
        }
        outcome.result = RecreateResult::Replaced { why };
        outcome
    }

    /// Settles the recreates that Squirrel stopped in the middle of (a quit, a crash, the
    /// machine going down), on the devices that are online: the old container is put back
    /// as it was, under its name and running if it ran, and the new one removed, since its
    /// gate never decided; a recreate that had already removed the old container is
    /// finished. Devices not online yet are settled on a later call.
    pub async fn recover_interrupted(&self) -> CoreResult<Vec<RecreateRecovery>> {
        let journal = self.kept.recreate_journal().await?;
        let mut settled = Vec::new();
        for entry in &journal {
            // A recreate running now is not one that was cut short.
            let Some(_busy) = self.hold_name(&entry.device_uuid, &entry.container) else {
                continue;
            };
            // Read again with the name held: a recreate of this run that ended meanwhile has
            // forgotten its entry, and is not to be settled.
            let still = self.kept.recreate_journal().await?.into_iter().any(|e| {
                e.device_uuid == entry.device_uuid
                    && e.container == entry.container
                    && e.started_at == entry.started_at
            });
            if !still {
                continue;
            }
            let Ok(rt) = self.containers.device_runtime(&entry.device_uuid).await else {
                continue;
            };
            match self.settle(rt.as_ref(), entry).await {
                Ok(recovery) => settled.push(recovery),
                Err(e) => {
                    tracing::warn!(container = %entry.container, error = %e, "an interrupted recreate is not settled yet");
                }
            }
        }
        Ok(settled)
    }

    /// Puts back what one interrupted recreate left, then forgets it. An error (the engine
    /// did not answer) leaves it written down for a later try.
    async fn settle(
        &self,
        rt: &dyn ContainerRuntime,
        entry: &RecreateJournal,
    ) -> CoreResult<RecreateRecovery> {
        let name = &entry.container;
        let source = RecreateSource {
            engine_id: entry.engine_id.clone(),
            name: name.clone(),
            image: entry.image.clone(),
            image_id: entry.image_id.clone(),
            running: entry.running,
            auto_remove: false,
            stop_timeout_secs: None,
        };
        let touched = Touched {
            rt,
            source: &source,
            retag: entry.retag,
        };
        // Found long after (the device was away): what stands now may be the user's doing.
        let age_hours = self.clock.now_ms().saturating_sub(entry.started_at) / 3_600_000;
        if age_hours >= STALE_RECOVERY_HOURS {
            let message = format!(
                "{name}'s update was cut short when Squirrel stopped, {} day(s) ago; its device was away since, so nothing was changed now: look at {name}{}.",
                age_hours / 24,
                if entry.kept_tag.is_some() { " (its previous image is kept)" } else { "" }
            );
            if let Some(tag) = &entry.kept_tag {
                self.record_kept(&entry.device_uuid, &source, tag).await;
            }
            self.kept.end_recreate(&entry.device_uuid, name).await?;
            return Ok(RecreateRecovery {
                device_uuid: entry.device_uuid.clone(),
                container: name.clone(),
                settled: false,
                message,
            });
        }
        let (settled, message) = match rt.recreate_source(&entry.engine_id).await {
            // The old container was removed: the new one had passed its gate.
            Err(crate::EngineError::NoSuchObject(_)) => {
                if let Some(tag) = &entry.kept_tag {
                    self.record_kept(&entry.device_uuid, &source, tag).await;
                }
                (
                    true,
                    format!("{name}'s update had finished when Squirrel stopped: the new container stays."),
                )
            }
            Err(e) => return Err(e.into()),
            Ok(old) if old.name == *name => {
                // Stopped, perhaps, but never set aside: started again if it ran.
                let mut problems = Vec::new();
                if entry.running && !old.running {
                    if let Err(e) = rt.start(&entry.engine_id).await {
                        problems.push(format!("it could not be started again: {e}"));
                    }
                }
                if entry.retag && ImageRef::parse(&entry.image).is_ok() {
                    if let Err(e) = rt.tag_image(&entry.image_id, &entry.image).await {
                        problems.push(format!("{} could not be pointed back at its image: {e}", entry.image));
                    }
                }
                self.kept_back(rt, entry, &source).await;
                if problems.is_empty() {
                    (true, format!("{name}'s update was cut short when Squirrel stopped, before {name} was replaced: it is as it was."))
                } else {
                    (false, format!("{name}'s update was cut short when Squirrel stopped; {}.", problems.join("; ")))
                }
            }
            Ok(old) if old.name == aside_name(name) => {
                // The new container, if it was created and written down; a container of the
                // same name that Squirrel did not create is never removed.
                let standing = match rt.recreate_source(name).await {
                    Ok(c) if c.name == *name => Some(c.engine_id),
                    Ok(_) | Err(crate::EngineError::NoSuchObject(_)) => None,
                    Err(e) => return Err(e.into()),
                };
                if let Some(other) = standing
                    .as_ref()
                    .filter(|id| entry.new_id.as_ref() != Some(*id))
                {
                    self.kept_back(rt, entry, &source).await;
                    self.kept.end_recreate(&entry.device_uuid, name).await?;
                    let message = format!(
                        "{name}'s update was cut short when Squirrel stopped; a container named {name} ({}) was made since, so it was left as it is, and the previous one stays as \"{}\".",
                        other.chars().take(12).collect::<String>(),
                        aside_name(name)
                    );
                    tracing::info!(container = %name, %message, "interrupted recreate left");
                    return Ok(RecreateRecovery {
                        device_uuid: entry.device_uuid.clone(),
                        container: name.clone(),
                        settled: false,
                        message,
                    });
                }
                let restored = touched.restore(standing.as_deref()).await;
                self.kept_back(rt, entry, &source).await;
                match restored {
                    Ok(()) => (
                        true,
                        format!(
                            "{name}'s update was cut short when Squirrel stopped, before the new container had proved itself: {name} was put back as it was{}.",
                            if entry.running { ", running" } else { "" }
                        ),
                    ),
                    Err(problem) => (
                        false,
                        format!("{name}'s update was cut short when Squirrel stopped, and {name} could not be put back whole: {problem}."),
                    ),
                }
            }
            Ok(old) => (
                false,
                format!(
                    "{name}'s update was cut short when Squirrel stopped; the previous container has been renamed \"{}\" since, so it was left as it is.",
                    old.name
                ),
            ),
        };
        tracing::info!(container = %name, settled, %message, "interrupted recreate settled");
        self.kept.end_recreate(&entry.device_uuid, name).await?;
        Ok(RecreateRecovery {
            device_uuid: entry.device_uuid.clone(),
            container: name.clone(),
            settled,
            message,
        })
    }

    /// After an interrupted recreate is put back: the keeping tag names what an earlier
    /// update kept there, or keeps the image that runs again.
    async fn kept_back(
        &self,
        rt: &dyn ContainerRuntime,
        entry: &RecreateJournal,
        source: &RecreateSource,
    ) {
        let Some(tag) = &entry.kept_tag else {
            return;
        };
        match &entry.earlier_kept {
            Some(earlier) => {
                if let Err(e) = rt.tag_image(earlier, tag).await {
                    tracing::warn!(error = %e, tag, "the earlier kept image is not named again");
                }
            }
            None => self.record_kept(&entry.device_uuid, source, tag).await,
        }
    }

    /// Recreates many containers, across devices: one after the other on each device (their
    /// pulls share the engine's bandwidth and layers), the devices side by side. Each
    /// container goes through the whole safe path, and a roll back of one does not stop the
    /// others. Every event names its container; the summary counts how they ended.
    pub async fn recreate_many(
        &self,
        requests: &[RecreateRequest],
        report: &(dyn Fn(BatchEvent) + Send + Sync),
    ) -> CoreResult<BatchSummary> {
        if requests.len() > MAX_BATCH {
            return Err(CoreError::InvalidInput(format!(
                "At most {MAX_BATCH} containers are updated at once; {} were asked.",
                requests.len()
            )));
        }
        let mut summary = BatchSummary::default();
        // Per device, in the order asked; a container named twice goes once.
        let mut by_device: Vec<(String, Vec<&RecreateRequest>)> = Vec::new();
        let mut seen = HashSet::new();
        for request in requests {
            if !seen.insert(request.container_uuid.as_str()) {
                continue;
            }
            match self.containers.get(&request.container_uuid).await {
                Ok(c) => match by_device.iter_mut().find(|(d, _)| *d == c.device_uuid) {
                    Some((_, list)) => list.push(request),
                    None => by_device.push((c.device_uuid, vec![request])),
                },
                Err(e) => {
                    summary.refused += 1;
                    report(BatchEvent::Refused {
                        container_uuid: request.container_uuid.clone(),
                        error: e.to_string(),
                    });
                }
            }
        }
        let runs = by_device.iter().map(|(_, list)| async move {
            let mut counted = BatchSummary::default();
            for request in list {
                let uuid = request.container_uuid.clone();
                let step = |step: RecreateStep| {
                    report(BatchEvent::Step {
                        container_uuid: uuid.clone(),
                        step,
                    })
                };
                match self.recreate(request, &step).await {
                    Ok(outcome) => counted.count(&outcome.result),
                    Err(e) => {
                        counted.refused += 1;
                        report(BatchEvent::Refused {
                            container_uuid: request.container_uuid.clone(),
                            error: e.to_string(),
                        });
                    }
                }
            }
            counted
        });
        for counted in futures_util::future::join_all(runs).await {
            summary.add(&counted);
        }
        tracing::info!(?summary, "batch recreate done");
        Ok(summary)
    }

    /// Hours a previous image is kept.
    pub async fn keep_hours(&self) -> u32 {
        self.kept
            .keep_hours()
            .await
            .ok()
            .flatten()
            .unwrap_or(DEFAULT_KEEP_HOURS)
    }

    pub async fn set_keep_hours(&self, hours: u32) -> CoreResult<()> {
        if hours == 0 || hours > MAX_KEEP_HOURS {
            return Err(CoreError::InvalidInput(format!(
                "a previous image is kept for one hour at least and {} days at most",
                MAX_KEEP_HOURS / 24
            )));
        }
        self.kept.set_keep_hours(hours).await
    }

    /// The previous images kept for a roll back.
    pub async fn kept_images(&self) -> CoreResult<Vec<KeptImage>> {
        self.kept.kept_images().await
    }

    /// Rolls a container back to the image kept when it was last updated: the reference
    /// points at that image again, and the container is recreated on it through the gate.
    pub async fn roll_back(
        &self,
        container_uuid: &str,
        gate: Option<GateSettings>,
        report: &(dyn Fn(RecreateStep) + Send + Sync),
    ) -> CoreResult<RecreateOutcome> {
        let container = self.containers.get(container_uuid).await?;
        let kept = self
            .kept
            .kept_images()
            .await?
            .into_iter()
            .find(|k| k.device_uuid == container.device_uuid && k.container == container.name)
            .ok_or_else(|| {
                CoreError::InvalidInput(format!(
                    "No previous image of {} is kept: there is nothing to roll back to.",
                    container.name
                ))
            })?;
        let rt = self
            .containers
            .device_runtime(&container.device_uuid)
            .await?;
        if rt.image_id(&kept.image_id).await?.is_none() {
            self.kept
                .forget_kept_image(&kept.device_uuid, &kept.tag)
                .await?;
            return Err(CoreError::InvalidInput(format!(
                "The previous image of {} ({}) is no longer on the device.",
                container.name, kept.tag
            )));
        }
        let _busy = self.hold(&container)?;
        let source = rt.recreate_source(&container.engine_id).await?;
        if !ImageRef::parse(&source.image).is_ok_and(|r| r.digest.is_none()) {
            return Err(CoreError::InvalidInput(format!(
                "{} was created from {}, not from a tag: it cannot be pointed back at the kept image. Edit it to name a tag first.",
                container.name, source.image
            )));
        }
        if source.image_id == kept.image_id {
            return Err(CoreError::InvalidInput(format!(
                "{} already runs its kept image: there is nothing to roll back to.",
                container.name
            )));
        }
        // The reference names the kept image again; a failed gate points it back.
        rt.tag_image(&kept.image_id, &source.image).await?;
        let request = RecreateRequest {
            container_uuid: container_uuid.to_owned(),
            image: None,
            pull: false,
            edits: ContainerEdits::default(),
            gate,
        };
        let outcome = match self
            .recreate_held(&request, &container, rt.as_ref(), true, report)
            .await
        {
            Ok(outcome) => outcome,
            Err(e) => {
                // Nothing was touched: the reference names the running image again.
                let _ = rt.tag_image(&source.image_id, &source.image).await;
                return Err(e);
            }
        };
        if matches!(outcome.result, RecreateResult::Replaced { .. }) {
            // The kept image runs again: its keeping tag has done its work.
            let _ = rt.remove_image(&kept.tag, false).await;
            self.kept
                .forget_kept_image(&kept.device_uuid, &kept.tag)
                .await?;
        }
        Ok(outcome)
    }

    /// Removes the keeping tags whose time is up, on devices that are online; the others
    /// wait for their device. Returns how many were removed.
    pub async fn expire_kept(&self) -> CoreResult<usize> {
        let now = self.clock.now_ms();
        let mut removed = 0;
        for kept in self.kept.kept_images().await? {
            // Not while that container is being recreated: its recreate may rely on the tag.
            let key = format!("{}/{}", kept.device_uuid, kept.container);
            let busy = self
                .busy
                .lock()
                .map(|set| set.contains(&key))
                .unwrap_or(true);
            if kept.keep_until > now || busy {
                continue;
            }
            let Ok(rt) = self.containers.device_runtime(&kept.device_uuid).await else {
                continue;
            };
            match rt.remove_image(&kept.tag, false).await {
                Ok(()) | Err(crate::EngineError::NoSuchObject(_)) => {
                    self.kept
                        .forget_kept_image(&kept.device_uuid, &kept.tag)
                        .await?;
                    removed += 1;
                }
                Err(e) => tracing::warn!(error = %e, tag = %kept.tag, "a kept image stays"),
            }
        }
        Ok(removed)
    }
}

/// `sha256:<hex>`, or 64 hex digits alone: an image id, not a reference.
fn is_image_id(text: &str) -> bool {
    let hex = text.trim().strip_prefix("sha256:").unwrap_or(text.trim());
    hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit())
}

/// A failed container's last lines, without escapes' noise, bounded in time.
async fn last_lines(rt: &dyn ContainerRuntime, id: &str) -> Vec<String> {
    let query = LogQuery {
        tail: Some(LAST_LINES),
        follow: false,
        ..LogQuery::default()
    };
    let read = async {
        let mut lines = Vec::new();
        if let Ok(mut stream) = rt.logs(id, &query).await {
            while let Some(Ok(line)) = stream.next().await {
                lines.push(line.text);
            }
        }
        lines
    };
    tokio::time::timeout(LAST_LINES_DEADLINE, read)
        .await
        .unwrap_or_default()
}
