//! Templates: the catalogue and its sources, the user's own templates, and deploys (whose
//! progress goes over the channel each deploy opens, never the event bus).

use std::collections::BTreeMap;
use std::sync::Arc;

use squirrel_core::templates::{
    CatalogueView, DeployCheck, DeployEvent, DeployPlan, DeployRequest, ImportReport, MyTemplate,
    SourceLocation, SourceSummary, TargetOutcome, Template,
};
use tauri::ipc::Channel;
use tauri::State;
use tauri_plugin_dialog::DialogExt;

use crate::error::{AppError, CmdResult};
use crate::state::AppState;

/// Every source's state and the templates of the enabled ones.
#[tauri::command]
#[specta::specta]
pub async fn templates_catalogue(state: State<'_, AppState>) -> CmdResult<CatalogueView> {
    Ok(state.app()?.templates().catalogue().await?)
}

/// Adds a catalogue by URL or file path; it is read at once.
#[tauri::command]
#[specta::specta]
pub async fn template_source_add(
    state: State<'_, AppState>,
    name: String,
    location: SourceLocation,
) -> CmdResult<SourceSummary> {
    Ok(state.app()?.templates().add_source(&name, location).await?)
}

/// Reads a source again (conditionally, for a URL).
#[tauri::command]
#[specta::specta]
pub async fn template_source_refresh(
    state: State<'_, AppState>,
    uuid: String,
) -> CmdResult<SourceSummary> {
    Ok(state.app()?.templates().refresh_source(&uuid).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn template_source_set_enabled(
    state: State<'_, AppState>,
    uuid: String,
    enabled: bool,
) -> CmdResult<()> {
    Ok(state
        .app()?
        .templates()
        .set_source_enabled(&uuid, enabled)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn template_source_remove(state: State<'_, AppState>, uuid: String) -> CmdResult<()> {
    Ok(state.app()?.templates().remove_source(&uuid).await?)
}

/// Asks for a catalogue file in the system's open dialog; `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn template_file_pick(app: tauri::AppHandle) -> CmdResult<Option<String>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Choose a template catalogue")
        .add_filter("Template catalogue", &["json"])
        .pick_file(move |path| {
            let _ = tx.send(path.and_then(|p| p.into_path().ok()));
        });
    let path = rx.await.ok().flatten();
    Ok(path.map(|p| p.to_string_lossy().into_owned()))
}

/// Saves one of the user's templates (a new one without `uuid`).
#[tauri::command]
#[specta::specta]
pub async fn my_template_save(
    state: State<'_, AppState>,
    uuid: Option<String>,
    template: Template,
) -> CmdResult<MyTemplate> {
    Ok(state
        .app()?
        .templates()
        .save_my_template(uuid.as_deref(), template)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn my_template_delete(state: State<'_, AppState>, uuid: String) -> CmdResult<()> {
    Ok(state.app()?.templates().delete_my_template(&uuid).await?)
}

/// Adds the templates of a catalogue (v2, v3 or the old unversioned form) given as text.
#[tauri::command]
#[specta::specta]
pub async fn my_templates_import(
    state: State<'_, AppState>,
    text: String,
) -> CmdResult<ImportReport> {
    Ok(state
        .app()?
        .templates()
        .import_my_templates(text.as_bytes())
        .await?)
}

/// Writes the user's templates (all, or those listed) as a Portainer v3 file, asking where
/// in the system's save dialog. Returns the path, or `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn my_templates_export(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    uuids: Option<Vec<String>>,
) -> CmdResult<Option<String>> {
    let text = state
        .app()?
        .templates()
        .export_my_templates(uuids.as_deref())
        .await?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Export templates")
        .set_file_name("squirrel-templates.json")
        .add_filter("Template catalogue", &["json"])
        .save_file(move |path| {
            let _ = tx.send(path.and_then(|p| p.into_path().ok()));
        });
    let Some(path) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    tokio::fs::write(&path, text).await.map_err(|e| {
        AppError::new(
            "io",
            format!("cannot write {}: {e}", path.to_string_lossy()),
        )
    })?;
    Ok(Some(path.to_string_lossy().into_owned()))
}

/// A draft template from an existing container, for the editor ("save as template").
#[tauri::command]
#[specta::specta]
pub async fn template_from_container(
    state: State<'_, AppState>,
    container_uuid: String,
) -> CmdResult<Template> {
    Ok(state
        .app()?
        .templates()
        .template_from_container(&container_uuid)
        .await?)
}

/// The deploy form a template pre-fills; `env` holds values the user typed by name.
#[tauri::command]
#[specta::specta]
pub fn template_plan(template: Template, env: BTreeMap<String, String>) -> CmdResult<DeployPlan> {
    DeployPlan::from_template(&template, &env)
        .map_err(|p| AppError::new("invalid_input", format!("{}: {}", p.field, p.message)))
}

/// Every check of a plan on each target, and its `docker run` line. Creates nothing.
#[tauri::command]
#[specta::specta]
pub async fn deploy_check(
    state: State<'_, AppState>,
    targets: Vec<String>,
    plan: DeployPlan,
) -> CmdResult<DeployCheck> {
    Ok(state.app()?.templates().check(&targets, &plan).await?)
}

/// Deploys a plan to its targets side by side; progress goes to `on_event` as it happens,
/// and the outcome of each target is returned at the end.
#[tauri::command]
#[specta::specta]
pub async fn deploy_run(
    state: State<'_, AppState>,
    request: DeployRequest,
    on_event: Channel<DeployEvent>,
) -> CmdResult<Vec<TargetOutcome>> {
    let sink = Arc::new(move |event: DeployEvent| {
        // A closed window drops the channel; the deploy itself goes on.
        let _ = on_event.send(event);
    });
    Ok(state.app()?.templates().deploy(request, sink).await?)
}

/// A template's logo as a `data:` URL, fetched by the backend; `None` when there is none.
#[tauri::command]
#[specta::specta]
pub async fn template_logo(state: State<'_, AppState>, url: String) -> CmdResult<Option<String>> {
    Ok(state.app()?.logos().get(&url).await.map(|s| s.to_string()))
}
