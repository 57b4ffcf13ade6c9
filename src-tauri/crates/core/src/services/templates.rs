//! Templates: the catalogue (bundled, the user's sources, the user's own templates), and
//! deploying a plan to one or several devices.
//!
//! A deploy checks every target before creating anything, pulls with per-layer progress,
//! creates and starts the container, and on a failure removes what it created on that
//! target; targets run side by side and end separately. Progress goes to the caller's
//! sink (in the app, a Tauri channel of this one deploy), never to the event bus.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures_util::future::join_all;

use crate::clock::Clock;
use crate::error::{CoreError, CoreResult};
use crate::events::DomainEvent;
use crate::ports::{
    ContainerRuntime, HttpFetcher, RemoveOptions, Repositories, TemplateRepository,
};
use crate::services::containers::ContainerService;
use crate::services::inventory::InventoryService;
use crate::templates::engine_check::named_volumes;
use crate::templates::{
    bundled_catalogue, check_on_engine, check_plan, docker_run_line, parse_catalogue,
    template_from_container, to_portainer_v3, Catalogue, CatalogueEntry, CatalogueView,
    DeployCheck, DeployEvent, DeployPlan, DeployRequest, DeployStep, Fetched, ImportReport,
    MyTemplate, PullPolicy, SourceLocation, SourceSummary, TargetCheck, TargetOutcome, Template,
    TemplateSource, BUNDLED_SOURCE, MAX_SOURCE_BYTES, MY_SOURCE,
};

/// How long a started container may take to reach the inventory before the deploy ends
/// without its uuid (the table still shows it when it arrives).
const INVENTORY_WAIT: Duration = Duration::from_secs(10);
/// A source name's length limit.
const SOURCE_NAME_MAX: usize = 80;

/// Where a deploy's progress goes.
pub type DeploySink = Arc<dyn Fn(DeployEvent) + Send + Sync>;

/// A parsed source, kept while its stored copy is the same.
struct Parsed {
    fetched_at: Option<i64>,
    catalogue: Arc<Catalogue>,
}

pub struct TemplateService {
    store: Arc<dyn TemplateRepository>,
    fetcher: Arc<dyn HttpFetcher>,
    repos: Arc<dyn Repositories>,
    containers: Arc<ContainerService>,
    inventory: Arc<InventoryService>,
    clock: Arc<dyn Clock>,
    parsed: Mutex<HashMap<String, Parsed>>,
    /// Credentials of the registries the user added, for pulls of private images.
    registries: Option<Arc<super::RegistriesService>>,
}

fn bundled() -> &'static Catalogue {
    static BUNDLED: OnceLock<Catalogue> = OnceLock::new();
    BUNDLED.get_or_init(bundled_catalogue)
}

impl TemplateService {
    pub fn new(
        store: Arc<dyn TemplateRepository>,
        fetcher: Arc<dyn HttpFetcher>,
        repos: Arc<dyn Repositories>,
        containers: Arc<ContainerService>,
        inventory: Arc<InventoryService>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            fetcher,
            repos,
            containers,
            inventory,
            clock,
            parsed: Mutex::new(HashMap::new()),
            registries: None,
        }
    }

    /// Pulls log in to the registries added here.
    pub fn with_registries(mut self, registries: Arc<super::RegistriesService>) -> Self {
        self.registries = Some(registries);
        self
    }

    // ---- the catalogue ----

    /// Every source's state and the templates of the enabled ones.
    pub async fn catalogue(&self) -> CoreResult<CatalogueView> {
        let mut sources = Vec::new();
        let mut entries = Vec::new();

        let b = bundled();
        sources.push(SourceSummary {
            uuid: BUNDLED_SOURCE.into(),
            name: "Squirrel's catalogue".into(),
            location: None,
            builtin: true,
            enabled: true,
            format: Some(b.format),
            template_count: count(b.templates.len()),
            problems: b.problems.clone(),
            error: None,
            fetched_at: None,
        });
        push_entries(&mut entries, BUNDLED_SOURCE, &b.templates);

        let mine = self.store.list_my_templates().await?;
        sources.push(SourceSummary {
            uuid: MY_SOURCE.into(),
            name: "My templates".into(),
            location: None,
            builtin: true,
            enabled: true,
            format: None,
            template_count: count(mine.len()),
            problems: Vec::new(),
            error: None,
            fetched_at: None,
        });
        entries.extend(mine.into_iter().map(|m| CatalogueEntry {
            key: format!("{MY_SOURCE}/{}", m.uuid),
            source_uuid: MY_SOURCE.into(),
            template: m.template,
        }));

        for source in self.store.list_sources().await? {
            let catalogue = self.parsed_stored(&source).await?;
            let summary = summary(&source, catalogue.as_deref());
            if source.enabled {
                if let Some(c) = &catalogue {
                    push_entries(&mut entries, &source.uuid, &c.templates);
                }
            }
            sources.push(summary);
        }
        Ok(CatalogueView { sources, entries })
    }

    /// The parsed copy of a listed source (listed without its blob): from the cache while
    /// the stored copy is the one parsed, else read and parsed once.
    async fn parsed_stored(&self, source: &TemplateSource) -> CoreResult<Option<Arc<Catalogue>>> {
        if let Some(c) = self.cached(source) {
            return Ok(Some(c));
        }
        Ok(match self.store.source_body(&source.uuid).await? {
            Some(body) => self.parse_into_cache(source, &body),
            None => None,
        })
    }

    /// The stored copy of a source that holds it, parsed (once per copy).
    fn parsed(&self, source: &TemplateSource) -> Option<Arc<Catalogue>> {
        self.cached(source)
            .or_else(|| self.parse_into_cache(source, source.body.as_deref()?))
    }

    /// A copy is told apart by when it was fetched: every read that keeps a copy sets it.
    fn cached(&self, source: &TemplateSource) -> Option<Arc<Catalogue>> {
        let cache = self.parsed.lock().ok()?;
        cache
            .get(&source.uuid)
            .filter(|p| source.fetched_at.is_some() && p.fetched_at == source.fetched_at)
            .map(|p| p.catalogue.clone())
    }

    fn parse_into_cache(&self, source: &TemplateSource, body: &[u8]) -> Option<Arc<Catalogue>> {
        let catalogue = Arc::new(parse_catalogue(body).ok()?);
        if let Ok(mut cache) = self.parsed.lock() {
            cache.insert(
                source.uuid.clone(),
                Parsed {
                    fetched_at: source.fetched_at,
                    catalogue: catalogue.clone(),
                },
            );
        }
        Some(catalogue)
    }

    /// Adds a catalogue by URL or absolute file path. It is read at once: one that cannot
    /// be read or is not a catalogue at all is refused, with the reason; one with broken
    /// templates is added, and the summary lists them.
    pub async fn add_source(
        &self,
        name: &str,
        location: SourceLocation,
    ) -> CoreResult<SourceSummary> {
        let location = validate_location(location)?;
        let name = name.trim();
        let name = if name.is_empty() {
            default_source_name(&location)
        } else if name.chars().count() > SOURCE_NAME_MAX {
            return Err(CoreError::InvalidInput(format!(
                "a source name has at most {SOURCE_NAME_MAX} characters"
            )));
        } else {
            name.to_owned()
        };
        let existing = self.store.list_sources().await?;
        if existing.iter().any(|s| s.location == location) {
            return Err(CoreError::InvalidInput(format!(
                "{} is already a source",
                location.as_str()
            )));
        }
        let mut source = TemplateSource {
            uuid: uuid::Uuid::new_v4().to_string(),
            name,
            location,
            enabled: true,
            body: None,
            etag: None,
            last_modified: None,
            fetched_at: None,
            error: None,
            created_at: self.clock.now_ms(),
        };
        self.read_source(&mut source)
            .await
            .map_err(CoreError::InvalidInput)?;
        self.store.insert_source(&source).await?;
        tracing::info!(source = %source.uuid, location = %source.location.as_str(), "template source added");
        Ok(summary(&source, self.parsed(&source).as_deref()))
    }

    /// Reads a source again. A failure is recorded on the source and returned in its
    /// summary; the cached copy stays listed.
    pub async fn refresh_source(&self, uuid: &str) -> CoreResult<SourceSummary> {
        let mut source = self
            .store
            .get_source(uuid)
            .await?
            .ok_or_else(|| CoreError::not_found("template source"))?;
        match self.read_source(&mut source).await {
            Ok(()) => source.error = None,
            Err(e) => {
                tracing::warn!(source = %uuid, error = %e, "template source refresh failed");
                source.error = Some(e);
            }
        }
        self.store.update_source(&source).await?;
        Ok(summary(&source, self.parsed(&source).as_deref()))
    }

    /// Refreshes every enabled source (the schedule's work).
    pub async fn refresh_all(&self) -> CoreResult<()> {
        for source in self.store.list_sources().await? {
            if source.enabled {
                self.refresh_source(&source.uuid).await?;
            }
        }
        Ok(())
    }

    pub async fn set_source_enabled(&self, uuid: &str, enabled: bool) -> CoreResult<()> {
        let mut source = self
            .store
            .get_source(uuid)
            .await?
            .ok_or_else(|| CoreError::not_found("template source"))?;
        source.enabled = enabled;
        self.store.update_source(&source).await
    }

    pub async fn remove_source(&self, uuid: &str) -> CoreResult<()> {
        if let Ok(mut cache) = self.parsed.lock() {
            cache.remove(uuid);
        }
        self.store.delete_source(uuid).await
    }

    /// Fetches (or reads) a source into `source`; the error is a sentence.
    async fn read_source(&self, source: &mut TemplateSource) -> Result<(), String> {
        let (bytes, etag, last_modified) = match &source.location {
            SourceLocation::Url(url) => {
                // Validators only make sense with a copy to fall back on.
                let cached = source.body.is_some();
                let fetched = self
                    .fetcher
                    .fetch(
                        url,
                        source.etag.as_deref().filter(|_| cached),
                        source.last_modified.as_deref().filter(|_| cached),
                        MAX_SOURCE_BYTES,
                    )
                    .await?;
                match fetched {
                    Fetched::NotModified => {
                        source.fetched_at = Some(self.clock.now_ms());
                        return Ok(());
                    }
                    Fetched::Body {
                        bytes,
                        etag,
                        last_modified,
                        ..
                    } => (bytes, etag, last_modified),
                }
            }
            SourceLocation::File(path) => (read_file(path).await?, None, None),
        };
        parse_catalogue(&bytes).map_err(|e| format!("{}: {e}", source.location.as_str()))?;
        source.body = Some(bytes);
        source.etag = etag;
        source.last_modified = last_modified;
        source.fetched_at = Some(self.clock.now_ms());
        Ok(())
    }

    // ---- my templates ----

    /// Saves one of the user's templates (a new one without `uuid`). It must read back as
    /// a valid catalogue entry, so whatever is saved also exports.
    pub async fn save_my_template(
        &self,
        uuid: Option<&str>,
        template: Template,
    ) -> CoreResult<MyTemplate> {
        let template = validate_template(template)?;
        let now = self.clock.now_ms();
        let existing = match uuid {
            Some(u) => Some(
                self.store
                    .list_my_templates()
                    .await?
                    .into_iter()
                    .find(|m| m.uuid == u)
                    .ok_or_else(|| CoreError::not_found("template"))?,
            ),
            None => None,
        };
        let mine = MyTemplate {
            uuid: existing
                .as_ref()
                .map(|m| m.uuid.clone())
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            created_at: existing.as_ref().map_or(now, |m| m.created_at),
            updated_at: now,
            template,
        };
        self.store.save_my_template(&mine).await?;
        Ok(mine)
    }

    pub async fn delete_my_template(&self, uuid: &str) -> CoreResult<()> {
        self.store.delete_my_template(uuid).await
    }

    /// Adds every readable template of a catalogue file to the user's own; the others are
    /// reported.
    pub async fn import_my_templates(&self, bytes: &[u8]) -> CoreResult<ImportReport> {
        let catalogue =
            parse_catalogue(bytes).map_err(|e| CoreError::InvalidInput(e.to_string()))?;
        let mut added = 0u32;
        let now = self.clock.now_ms();
        for template in catalogue.templates {
            let mine = MyTemplate {
                uuid: uuid::Uuid::new_v4().to_string(),
                template: Template {
                    id: None,
                    ..template
                },
                created_at: now,
                updated_at: now,
            };
            self.store.save_my_template(&mine).await?;
            added += 1;
        }
        Ok(ImportReport {
            added,
            problems: catalogue.problems,
        })
    }

    /// The user's templates (all, or those listed) as a Portainer v3 file.
    pub async fn export_my_templates(&self, uuids: Option<&[String]>) -> CoreResult<String> {
        let mine = self.store.list_my_templates().await?;
        let chosen: Vec<Template> = mine
            .into_iter()
            .filter(|m| uuids.is_none_or(|u| u.contains(&m.uuid)))
            .map(|m| m.template)
            .collect();
        Ok(to_portainer_v3(&chosen))
    }

    /// A draft template from an existing container ("save as template").
    pub async fn template_from_container(&self, container_uuid: &str) -> CoreResult<Template> {
        let details = self.containers.inspect(container_uuid).await?;
        Ok(template_from_container(&details))
    }

    // ---- deploy ----

    /// Every check of `plan` on each target, and the `docker run` line. Nothing is created.
    pub async fn check(&self, targets: &[String], plan: &DeployPlan) -> CoreResult<DeployCheck> {
        let problems = check_plan(plan);
        let checks = join_all(targets.iter().map(|t| self.check_target(t, plan))).await;
        Ok(DeployCheck {
            problems,
            targets: checks,
            run_line: docker_run_line(plan),
        })
    }

    async fn check_target(&self, device_uuid: &str, plan: &DeployPlan) -> TargetCheck {
        let device_name = self.device_name(device_uuid).await;
        let (problems, warnings) = match self.target_facts(device_uuid).await {
            Ok((_, facts)) => check_on_engine(plan, &facts),
            Err(e) => (
                vec![crate::templates::PlanProblem::new("device", e.to_string())],
                Vec::new(),
            ),
        };
        TargetCheck {
            device_uuid: device_uuid.to_owned(),
            device_name,
            problems,
            warnings,
        }
    }

    async fn target_facts(
        &self,
        device_uuid: &str,
    ) -> CoreResult<(Arc<dyn ContainerRuntime>, crate::ports::EngineFacts)> {
        let rt = self.containers.device_runtime(device_uuid).await?;
        let facts = rt.deploy_facts().await?;
        Ok((rt, facts))
    }

    async fn device_name(&self, device_uuid: &str) -> String {
        match self.repos.get_device(device_uuid).await {
            Ok(Some(d)) => d.name,
            _ => device_uuid.to_owned(),
        }
    }

    /// Deploys the plan to every target at once. The plan's own checks must pass (else
    /// nothing starts); each target then checks, pulls, creates and starts on its own,
    /// reporting to `sink`, and ends as its [`TargetOutcome`].
    pub async fn deploy(
        &self,
        request: DeployRequest,
        sink: DeploySink,
    ) -> CoreResult<Vec<TargetOutcome>> {
        let problems = check_plan(&request.plan);
        if let Some(first) = problems.first() {
            return Err(CoreError::InvalidInput(format!(
                "{}: {}",
                first.field, first.message
            )));
        }
        if request.targets.is_empty() {
            return Err(CoreError::InvalidInput(
                "choose at least one device to deploy to".into(),
            ));
        }
        let mut targets = request.targets.clone();
        targets.dedup();
        tracing::info!(image = %request.plan.image, name = %request.plan.name, targets = targets.len(), "deploy");
        let runs = targets
            .iter()
            .map(|t| self.deploy_one(t, &request.plan, request.pull, sink.clone()));
        Ok(join_all(runs).await)
    }

    async fn deploy_one(
        &self,
        device_uuid: &str,
        plan: &DeployPlan,
        pull: PullPolicy,
        sink: DeploySink,
    ) -> TargetOutcome {
        let device_name = self.device_name(device_uuid).await;
        let mut outcome = TargetOutcome {
            device_uuid: device_uuid.to_owned(),
            device_name,
            engine_id: None,
            container_uuid: None,
            error: None,
            cleaned_up: Vec::new(),
        };
        let step = |step| {
            sink(DeployEvent::Step {
                device_uuid: device_uuid.to_owned(),
                step,
            })
        };
        let fail = |outcome: &mut TargetOutcome, message: String, cleaned_up: Vec<String>| {
            tracing::warn!(device = %device_uuid, error = %message, "deploy failed");
            sink(DeployEvent::Failed {
                device_uuid: device_uuid.to_owned(),
                message: message.clone(),
                cleaned_up: cleaned_up.clone(),
            });
            outcome.error = Some(message);
            outcome.cleaned_up = cleaned_up;
        };

        step(DeployStep::Checking);
        let (rt, facts) = match self.target_facts(device_uuid).await {
            Ok(x) => x,
            Err(e) => {
                fail(&mut outcome, e.to_string(), Vec::new());
                return outcome;
            }
        };
        let (problems, warnings) = check_on_engine(plan, &facts);
        if !problems.is_empty() {
            let message = problems
                .iter()
                .map(|p| format!("{}: {}", p.field, p.message))
                .collect::<Vec<_>>()
                .join("; ");
            fail(&mut outcome, message, Vec::new());
            return outcome;
        }
        for message in warnings {
            sink(DeployEvent::Warning {
                device_uuid: device_uuid.to_owned(),
                message,
            });
        }

        if let Err(message) = self.pull(rt.as_ref(), device_uuid, plan, pull, &sink).await {
            fail(&mut outcome, message, Vec::new());
            return outcome;
        }

        step(DeployStep::Creating);
        // Subscribed before the container exists, so its arrival cannot be missed.
        let mut events = self.inventory.bus().subscribe();
        let new_volumes: Vec<String> = named_volumes(plan)
            .filter(|v| !facts.volumes.iter().any(|f| f == v))
            .map(str::to_owned)
            .collect();
        let engine_id = match rt.create_container(plan).await {
            Ok(id) => id,
            Err(e) => {
                let cleaned = self.clean_up(rt.as_ref(), None, &new_volumes).await;
                fail(
                    &mut outcome,
                    format!("creating the container failed: {e}"),
                    cleaned,
                );
                return outcome;
            }
        };
        step(DeployStep::Starting);
        if let Err(e) = rt.start(&engine_id).await {
            let cleaned = self
                .clean_up(rt.as_ref(), Some((&engine_id, &plan.name)), &new_volumes)
                .await;
            fail(
                &mut outcome,
                format!("starting the container failed: {e}"),
                cleaned,
            );
            return outcome;
        }
        let container_uuid = self
            .await_inventory(device_uuid, &engine_id, &mut events)
            .await;
        tracing::info!(device = %device_uuid, container = %plan.name, "deployed");
        sink(DeployEvent::Done {
            device_uuid: device_uuid.to_owned(),
            engine_id: engine_id.clone(),
            container_uuid: container_uuid.clone(),
        });
        outcome.engine_id = Some(engine_id);
        outcome.container_uuid = container_uuid;
        outcome
    }

    /// Pulls as the policy says; the error is a sentence.
    async fn pull(
        &self,
        rt: &dyn ContainerRuntime,
        device_uuid: &str,
        plan: &DeployPlan,
        policy: PullPolicy,
        sink: &DeploySink,
    ) -> Result<(), String> {
        let present = || async {
            rt.image_present(&plan.image)
                .await
                .map_err(|e| format!("cannot tell whether the image is there: {e}"))
        };
        let must_pull = match policy {
            PullPolicy::Always => true,
            PullPolicy::Missing => !present().await?,
            PullPolicy::Never => {
                if present().await? {
                    false
                } else {
                    return Err(format!(
                        "the image {} is not on this device, and pulling is off",
                        plan.image
                    ));
                }
            }
        };
        if !must_pull {
            return Ok(());
        }
        sink(DeployEvent::Step {
            device_uuid: device_uuid.to_owned(),
            step: DeployStep::Pulling,
        });
        let credentials = match &self.registries {
            Some(r) => r.credentials_for_image(&plan.image).await,
            None => None,
        };
        let report = |progress| {
            sink(DeployEvent::Pull {
                device_uuid: device_uuid.to_owned(),
                progress,
            })
        };
        let result =
            super::pull::pull_with_progress(rt, &plan.image, credentials.as_ref(), &report).await;
        match result {
            Ok(()) => Ok(()),
            Err(e) if policy == PullPolicy::Always && present().await.unwrap_or(false) => {
                sink(DeployEvent::Warning {
                    device_uuid: device_uuid.to_owned(),
                    message: format!(
                        "pulling {} failed ({e}); using the image already on this device",
                        plan.image
                    ),
                });
                Ok(())
            }
            Err(e) => Err(format!("pulling {} failed: {e}", plan.image)),
        }
    }

    /// Removes what a failed deploy created; returns what it removed, in words.
    async fn clean_up(
        &self,
        rt: &dyn ContainerRuntime,
        container: Option<(&str, &str)>,
        new_volumes: &[String],
    ) -> Vec<String> {
        let mut cleaned = Vec::new();
        if let Some((id, name)) = container {
            let options = RemoveOptions {
                force: true,
                remove_volumes: true,
            };
            match rt.remove(id, options).await {
                Ok(()) => cleaned.push(format!("container {name}")),
                Err(e) => tracing::warn!(container = %name, error = %e, "cleanup: cannot remove"),
            }
        }
        for volume in new_volumes {
            match rt.remove_volume(volume).await {
                Ok(()) => cleaned.push(format!("volume {volume}")),
                // Not created yet (the create failed before it): nothing to clean.
                Err(crate::EngineError::NoSuchObject(_)) => {}
                Err(e) => tracing::warn!(%volume, error = %e, "cleanup: cannot remove"),
            }
        }
        cleaned
    }

    /// The container's uuid once the inventory has it (or `None` after a while).
    async fn await_inventory(
        &self,
        device_uuid: &str,
        engine_id: &str,
        events: &mut tokio::sync::broadcast::Receiver<DomainEvent>,
    ) -> Option<String> {
        let deadline = tokio::time::Instant::now() + INVENTORY_WAIT;
        loop {
            if let Ok(Some(c)) = self.repos.find_container(device_uuid, engine_id).await {
                return Some(c.uuid);
            }
            let wait = tokio::time::timeout_at(deadline, async {
                loop {
                    match events.recv().await {
                        Ok(DomainEvent::ContainerUpserted { container })
                            if container.device_uuid == device_uuid
                                && container.engine_id == engine_id =>
                        {
                            return Some(container.uuid);
                        }
                        Ok(_) => {}
                        // Missed events: look in the store again.
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => return None,
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    }
                }
            })
            .await;
            match wait {
                Ok(Some(uuid)) => return Some(uuid),
                Ok(None) if tokio::time::Instant::now() < deadline => continue,
                _ => return None,
            }
        }
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn push_entries(entries: &mut Vec<CatalogueEntry>, source: &str, templates: &[Template]) {
    entries.extend(templates.iter().enumerate().map(|(i, t)| CatalogueEntry {
        key: format!("{source}/{i}"),
        source_uuid: source.to_owned(),
        template: t.clone(),
    }));
}

fn summary(source: &TemplateSource, catalogue: Option<&Catalogue>) -> SourceSummary {
    SourceSummary {
        uuid: source.uuid.clone(),
        name: source.name.clone(),
        location: Some(source.location.clone()),
        builtin: false,
        enabled: source.enabled,
        format: catalogue.map(|c| c.format),
        template_count: catalogue.map_or(0, |c| count(c.templates.len())),
        problems: catalogue.map(|c| c.problems.clone()).unwrap_or_default(),
        error: source.error.clone(),
        fetched_at: source.fetched_at,
    }
}

fn validate_location(location: SourceLocation) -> CoreResult<SourceLocation> {
    match location {
        SourceLocation::Url(url) => {
            let url = url.trim().to_owned();
            let lower = url.to_ascii_lowercase();
            if !(lower.starts_with("https://") || lower.starts_with("http://"))
                || url.len() < 10
                || url.chars().any(char::is_whitespace)
            {
                return Err(CoreError::InvalidInput(format!(
                    "\"{url}\" is not a web address; a source URL starts with https:// or http://"
                )));
            }
            // A user or password in the address would be stored and logged with it; secrets
            // go to the keyring only.
            let authority = url.split('/').nth(2).unwrap_or_default();
            if authority.contains('@') {
                return Err(CoreError::InvalidInput(
                    "a source address cannot hold a user name or password; use a public \
                     address (private catalogues with credentials are not supported yet)"
                        .into(),
                ));
            }
            Ok(SourceLocation::Url(url))
        }
        SourceLocation::File(path) => {
            let path = path.trim().to_owned();
            if !path.starts_with('/') {
                return Err(CoreError::InvalidInput(format!(
                    "\"{path}\" is not an absolute path; choose the file again"
                )));
            }
            Ok(SourceLocation::File(path))
        }
    }
}

fn default_source_name(location: &SourceLocation) -> String {
    let text = location.as_str();
    let tail = text
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(text);
    let host = match location {
        SourceLocation::Url(u) => u.split('/').nth(2).unwrap_or(tail),
        SourceLocation::File(_) => tail,
    };
    host.chars().take(SOURCE_NAME_MAX).collect()
}

async fn read_file(path: &str) -> Result<Vec<u8>, String> {
    let meta = tokio::fs::metadata(path)
        .await
        .map_err(|e| format!("cannot read {path}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{path} is not a file"));
    }
    if meta.len() > MAX_SOURCE_BYTES as u64 {
        return Err(format!(
            "{path} is larger than {} MiB; a catalogue is never that big",
            MAX_SOURCE_BYTES >> 20
        ));
    }
    tokio::fs::read(path)
        .await
        .map_err(|e| format!("cannot read {path}: {e}"))
}

/// A template the user saves must read back as itself from a catalogue file.
fn validate_template(template: Template) -> CoreResult<Template> {
    let file = to_portainer_v3(std::slice::from_ref(&template));
    let parsed =
        parse_catalogue(file.as_bytes()).map_err(|e| CoreError::InvalidInput(e.to_string()))?;
    if let Some(p) = parsed.problems.first() {
        return Err(CoreError::InvalidInput(format!(
            "{}: {}",
            p.field, p.message
        )));
    }
    parsed
        .templates
        .into_iter()
        .next()
        .map(|t| Template { id: None, ..t })
        .ok_or_else(|| CoreError::InvalidInput("the template is empty".into()))
}
