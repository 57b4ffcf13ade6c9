//! The container service: lists containers from the store and acts on them through their
//! device's runtime.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::engine::WatcherEngine;
use crate::error::{CoreError, CoreResult};
use crate::model::{Container, ContainerPatch};
use crate::ports::{ContainerDetails, ContainerRuntime, RemoveOptions, Repositories};
use crate::rules::DISPLAY_NAME_MAX;
use crate::services::inventory::InventoryService;

/// A lifecycle action on one container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "action", rename_all = "camelCase")]
pub enum ContainerAction {
    Start,
    Stop {
        #[serde(rename = "timeoutSecs")]
        timeout_secs: Option<u32>,
    },
    Restart {
        #[serde(rename = "timeoutSecs")]
        timeout_secs: Option<u32>,
    },
    Pause,
    Unpause,
    Kill {
        signal: Option<String>,
    },
}

impl ContainerAction {
    /// Its name in [`Capabilities`](crate::model::Capabilities).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Stop { .. } => "stop",
            Self::Restart { .. } => "restart",
            Self::Pause => "pause",
            Self::Unpause => "unpause",
            Self::Kill { .. } => "kill",
        }
    }
}

/// Refuses what a container's kind cannot do, in words, before any engine is asked.
pub fn refuse_unless(c: &Container, allowed: bool, what: &str) -> CoreResult<()> {
    if allowed {
        return Ok(());
    }
    Err(CoreError::InvalidInput(format!(
        "{} is a {}: it cannot be {what} from Squirrel.",
        c.name,
        c.kind.capabilities().label,
    )))
}

/// Checks a Docker container name: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`, as the engine requires.
pub fn validate_engine_name(name: &str) -> CoreResult<&str> {
    let name = name.trim().trim_start_matches('/');
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if name.len() < 2 || !first_ok || !rest_ok {
        return Err(CoreError::InvalidInput(format!(
            "\"{name}\" is not a valid container name: use at least two characters, \
             letters, digits, '_', '.' or '-', starting with a letter or digit"
        )));
    }
    Ok(name)
}

/// Container use cases: queries from the store, actions through the device's runtime.
pub struct ContainerService {
    repos: Arc<dyn Repositories>,
    engine: Arc<WatcherEngine>,
    inventory: Arc<InventoryService>,
}

impl ContainerService {
    pub fn new(
        repos: Arc<dyn Repositories>,
        engine: Arc<WatcherEngine>,
        inventory: Arc<InventoryService>,
    ) -> Self {
        Self {
            repos,
            engine,
            inventory,
        }
    }

    /// Every container of one device, or of all devices. Filtering by text and state is
    /// the UI's, on this list.
    pub async fn list(&self, device_uuid: Option<&str>) -> CoreResult<Vec<Container>> {
        match device_uuid {
            Some(d) => self.repos.list_device_containers(d).await,
            None => self.repos.list_containers().await,
        }
    }

    pub async fn get(&self, uuid: &str) -> CoreResult<Container> {
        self.repos
            .get_container(uuid)
            .await?
            .ok_or_else(|| CoreError::not_found("container"))
    }

    /// Updates Squirrel's own fields (the display name) and publishes the change.
    pub async fn update(&self, uuid: &str, patch: ContainerPatch) -> CoreResult<Container> {
        let mut container = self.get(uuid).await?;
        if let Some(name) = patch.display_name {
            let name = name.trim();
            if name.chars().count() > DISPLAY_NAME_MAX as usize {
                return Err(CoreError::InvalidInput(format!(
                    "a display name has at most {DISPLAY_NAME_MAX} characters"
                )));
            }
            let name = (!name.is_empty()).then_some(name);
            self.repos.set_display_name(uuid, name).await?;
            container.display_name = name.map(str::to_string);
            self.inventory
                .bus()
                .publish(crate::events::DomainEvent::ContainerUpserted {
                    container: Box::new(container.clone()),
                });
        }
        Ok(container)
    }

    pub(crate) async fn runtime_for(&self, c: &Container) -> CoreResult<Arc<dyn ContainerRuntime>> {
        self.device_runtime(&c.device_uuid).await
    }

    /// Removes an image of a device (the watcher stores the change when the engine says it).
    pub async fn remove_image(
        &self,
        device_uuid: &str,
        image: &str,
        force: bool,
    ) -> CoreResult<()> {
        if image.trim().is_empty() || image.len() > 512 {
            return Err(CoreError::InvalidInput("No image was named.".into()));
        }
        Ok(self
            .device_runtime(device_uuid)
            .await?
            .remove_image(image, force)
            .await?)
    }

    /// Tags an image of a device (by id or reference) as `reference`, as `docker tag` does;
    /// a reference that is not `repo[:tag]` (a digest, spaces, capitals) is refused in words.
    pub async fn tag_image(
        &self,
        device_uuid: &str,
        image: &str,
        reference: &str,
    ) -> CoreResult<String> {
        if image.trim().is_empty() || image.len() > 512 {
            return Err(CoreError::InvalidInput("No image was named.".into()));
        }
        let reference = valid_tag_reference(reference)?;
        self.device_runtime(device_uuid)
            .await?
            .tag_image(image.trim(), &reference)
            .await?;
        Ok(reference)
    }

    /// Prunes a device's images: dangling ones, or all that no container uses.
    pub async fn prune_images(
        &self,
        device_uuid: &str,
        all: bool,
    ) -> CoreResult<crate::model::ImagePrune> {
        Ok(self
            .device_runtime(device_uuid)
            .await?
            .prune_images(all)
            .await?)
    }

    /// The runtime of a connected device, or why there is none, in words.
    pub async fn device_runtime(&self, device_uuid: &str) -> CoreResult<Arc<dyn ContainerRuntime>> {
        let status = self.inventory.status(device_uuid);
        match self.engine.runtime(device_uuid).await {
            Some(rt) if status.is_online() => Ok(rt),
            _ => {
                let device = self
                    .repos
                    .get_device(device_uuid)
                    .await?
                    .map(|d| d.name)
                    .unwrap_or_else(|| device_uuid.to_owned());
                let reason = match status {
                    crate::model::DeviceStatus::Unreachable { reason } => reason,
                    crate::model::DeviceStatus::Disabled => "the device is disabled".into(),
                    _ => "still connecting; try again in a moment".into(),
                };
                Err(CoreError::DeviceUnavailable { device, reason })
            }
        }
    }

    pub async fn act(&self, uuid: &str, action: ContainerAction) -> CoreResult<()> {
        let c = self.get(uuid).await?;
        let offered = c
            .kind
            .capabilities()
            .actions
            .iter()
            .any(|a| a.action == action.name());
        refuse_unless(&c, offered, &format!("given \"{}\"", action.name()))?;
        let rt = self.runtime_for(&c).await?;
        let id = c.engine_id.as_str();
        tracing::info!(container = %c.name, device = %c.device_uuid, ?action, "container action");
        match action {
            ContainerAction::Start => rt.start(id).await?,
            ContainerAction::Stop { timeout_secs } => rt.stop(id, timeout_secs).await?,
            ContainerAction::Restart { timeout_secs } => rt.restart(id, timeout_secs).await?,
            ContainerAction::Pause => rt.pause(id).await?,
            ContainerAction::Unpause => rt.unpause(id).await?,
            ContainerAction::Kill { signal } => {
                let signal = signal.as_deref().map(str::trim).filter(|s| !s.is_empty());
                if let Some(s) = signal {
                    validate_signal(s)?;
                }
                rt.kill(id, signal).await?
            }
        }
        Ok(())
    }

    pub async fn remove(&self, uuid: &str, options: RemoveOptions) -> CoreResult<()> {
        let c = self.get(uuid).await?;
        refuse_unless(&c, c.kind.capabilities().remove, "removed")?;
        let rt = self.runtime_for(&c).await?;
        rt.remove(&c.engine_id, options).await?;
        Ok(())
    }

    /// Renames the container on its engine (`docker rename`).
    pub async fn rename(&self, uuid: &str, new_name: &str) -> CoreResult<()> {
        let new_name = validate_engine_name(new_name)?;
        let c = self.get(uuid).await?;
        refuse_unless(&c, c.kind.capabilities().rename, "renamed")?;
        let rt = self.runtime_for(&c).await?;
        rt.rename(&c.engine_id, new_name).await?;
        Ok(())
    }

    pub async fn inspect(&self, uuid: &str) -> CoreResult<ContainerDetails> {
        let c = self.get(uuid).await?;
        let rt = self.runtime_for(&c).await?;
        Ok(rt.inspect(&c.engine_id).await?)
    }

    /// Downloads `path` of a container (running or stopped) into the local folder `dest`:
    /// nothing is written outside it, and nothing there is replaced.
    pub async fn download(
        &self,
        uuid: &str,
        path: &str,
        dest: &std::path::Path,
    ) -> CoreResult<crate::model::FileTransfer> {
        let path = crate::model::check_container_path(path).map_err(CoreError::InvalidInput)?;
        let c = self.get(uuid).await?;
        refuse_unless(&c, c.kind.capabilities().terminal, "browsed")?;
        let rt = self.runtime_for(&c).await?;
        let done = rt.download_path(&c.engine_id, path, dest).await?;
        tracing::info!(container = %c.name, %path, files = done.files, bytes = done.bytes, "downloaded");
        Ok(done)
    }

    /// Saves the archive of `path` of a container, as the engine gives it, to the local `file`
    /// (which must not exist).
    pub async fn download_archive(
        &self,
        uuid: &str,
        path: &str,
        file: &std::path::Path,
    ) -> CoreResult<crate::model::FileTransfer> {
        let path = crate::model::check_container_path(path).map_err(CoreError::InvalidInput)?;
        let c = self.get(uuid).await?;
        refuse_unless(&c, c.kind.capabilities().terminal, "browsed")?;
        let rt = self.runtime_for(&c).await?;
        Ok(rt.download_archive(&c.engine_id, path, file).await?)
    }

    /// The entries of a folder of a container (running or stopped).
    pub async fn list_dir(&self, uuid: &str, path: &str) -> CoreResult<crate::model::DirListing> {
        let path = crate::model::check_container_path(path).map_err(CoreError::InvalidInput)?;
        let c = self.get(uuid).await?;
        refuse_unless(&c, c.kind.capabilities().terminal, "browsed")?;
        let rt = self.runtime_for(&c).await?;
        Ok(rt.list_dir(&c.engine_id, path).await?)
    }

    /// The start of a file of a container, as text when it is text.
    pub async fn preview_file(
        &self,
        uuid: &str,
        path: &str,
    ) -> CoreResult<crate::model::FilePreview> {
        let path = crate::model::check_container_path(path).map_err(CoreError::InvalidInput)?;
        let c = self.get(uuid).await?;
        refuse_unless(&c, c.kind.capabilities().terminal, "browsed")?;
        let rt = self.runtime_for(&c).await?;
        Ok(rt.preview_file(&c.engine_id, path).await?)
    }

    /// Uploads local files and folders into the folder `into` of a container.
    pub async fn upload(
        &self,
        uuid: &str,
        sources: &[std::path::PathBuf],
        into: &str,
    ) -> CoreResult<crate::model::FileTransfer> {
        let into = crate::model::check_container_path(into).map_err(CoreError::InvalidInput)?;
        if sources.is_empty() {
            return Err(CoreError::InvalidInput(
                "choose files or folders to upload".into(),
            ));
        }
        let c = self.get(uuid).await?;
        refuse_unless(&c, c.kind.capabilities().terminal, "written to")?;
        let rt = self.runtime_for(&c).await?;
        let done = rt.upload_paths(&c.engine_id, sources, into).await?;
        tracing::info!(container = %c.name, %into, files = done.files, bytes = done.bytes, "uploaded");
        Ok(done)
    }

    /// A Proxmox guest's configuration and snapshots, read from its node now.
    pub async fn guest_details(&self, uuid: &str) -> CoreResult<crate::model::GuestDetails> {
        let c = self.get(uuid).await?;
        refuse_unless(&c, c.kind.capabilities().guest_config, "shown as a guest")?;
        let rt = self.runtime_for(&c).await?;
        Ok(rt.guest_details(&c.engine_id).await?)
    }
}

/// `SIGKILL`, `KILL`, `9`: what `docker kill --signal` accepts.
fn validate_signal(s: &str) -> CoreResult<()> {
    let ok = s.parse::<u8>().is_ok_and(|n| (1..=64).contains(&n))
        || (s.len() <= 12
            && s.starts_with(|c: char| c.is_ascii_uppercase())
            && s.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '+'));
    if ok {
        Ok(())
    } else {
        Err(CoreError::InvalidInput(format!(
            "\"{s}\" is not a signal: use a name such as SIGTERM or a number such as 15"
        )))
    }
}

/// A new name for an image: `[registry/]repository[:tag]`, lower-case repository, no digest;
/// `latest` when no tag is given. Returns it as it will be written.
fn valid_tag_reference(text: &str) -> CoreResult<String> {
    let text = text.trim();
    if text.len() > 255 {
        return Err(CoreError::InvalidInput(
            "An image name is at most 255 characters.".into(),
        ));
    }
    let parsed = crate::templates::ImageRef::parse(text)
        .map_err(|e| CoreError::InvalidInput(format!("\"{text}\" is not an image name: {e}.")))?;
    if parsed.digest.is_some() {
        return Err(CoreError::InvalidInput(
            "A tag names an image by repository and tag; a digest (@sha256:…) cannot be given to it."
                .into(),
        ));
    }
    let repository = match &parsed.registry {
        Some(registry) => format!("{registry}/{}", parsed.repository),
        None => parsed.repository.clone(),
    };
    Ok(format!(
        "{repository}:{}",
        parsed.tag.as_deref().unwrap_or("latest")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_names_follow_docker_rules() {
        assert_eq!(validate_engine_name(" /web-1 ").ok(), Some("web-1"));
        assert!(validate_engine_name("a").is_err());
        assert!(validate_engine_name("-web").is_err());
        assert!(validate_engine_name("<img src=x>").is_err());
        assert!(validate_engine_name("my app").is_err());
    }

    #[test]
    fn signals_accept_names_and_numbers_only() {
        assert!(validate_signal("SIGTERM").is_ok());
        assert!(validate_signal("9").is_ok());
        assert!(validate_signal("RTMIN+3").is_ok());
        assert!(validate_signal("0").is_err());
        assert!(validate_signal("sig term").is_err());
    }
    #[test]
    fn tag_references_are_repo_and_tag_only() {
        assert_eq!(
            valid_tag_reference(" web ").ok().as_deref(),
            Some("web:latest")
        );
        assert_eq!(
            valid_tag_reference("registry.lan:5000/apps/web:1.2")
                .ok()
                .as_deref(),
            Some("registry.lan:5000/apps/web:1.2")
        );
        assert!(valid_tag_reference("Web:1").is_err());
        assert!(valid_tag_reference(
            "web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        )
        .is_err());
        assert!(valid_tag_reference("<b>web</b>").is_err());
        assert!(valid_tag_reference("").is_err());
    }

    proptest::proptest! {
        /// Whatever is typed: no panic, and what is accepted names itself again.
        #[test]
        fn a_tag_reference_accepted_is_stable(text in "\\PC{0,80}") {
            if let Ok(reference) = valid_tag_reference(&text) {
                proptest::prop_assert_eq!(valid_tag_reference(&reference).ok(), Some(reference));
            }
        }
    }
}
