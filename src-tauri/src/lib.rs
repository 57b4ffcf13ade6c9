//! The Squirrel desktop app: a Tauri shell around `squirrel_app::App` (commands that call
//! it, its events forwarded to the window, window setup).

mod commands;
mod error;
mod events;
mod logging;
mod state;
pub mod webview_env;
mod webview_guard;

use std::path::PathBuf;
use std::sync::Arc;

use tauri::Manager;
use tauri_specta::{collect_commands, collect_events, Builder};

pub use error::AppError;
use squirrel_app::{App, AppConfig};
use squirrel_core::rules::Rules;
use state::AppState;

/// The typed command and event surface, shared by the app and the bindings exporter.
pub fn specta_builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            commands::containers::containers_list,
            commands::containers::container_get,
            commands::containers::container_update,
            commands::containers::container_remove,
            commands::containers::container_action,
            commands::containers::container_rename,
            commands::containers::container_inspect,
            commands::containers::container_guest_details,
            commands::devices::devices_list,
            commands::devices::device_add,
            commands::devices::device_set_enabled,
            commands::devices::device_remove,
            commands::devices::device_update,
            commands::devices::device_test_connection,
            commands::devices::devices_discover,
            commands::devices::devices_import_contexts,
            commands::devices::device_trust_host_key,
            commands::terminal::terminal_open,
            commands::terminal::terminal_write,
            commands::terminal::terminal_resize,
            commands::terminal::terminal_ack,
            commands::terminal::terminal_close,
            commands::terminal::terminal_pop_out,
            commands::terminal::terminal_attach,
            commands::terminal::terminal_window_close,
            commands::terminal::container_run_command,
            commands::files::files_list,
            commands::files::files_preview,
            commands::files::files_download,
            commands::files::files_upload,
            commands::logs::logs_open,
            commands::logs::logs_ack,
            commands::logs::logs_close,
            commands::logs::logs_download,
            commands::history::log_history_overview,
            commands::history::log_history_query,
            commands::history::log_history_set_keep,
            commands::history::log_history_set_budget,
            commands::history::log_history_forget,
            commands::inventory::images_list,
            commands::inventory::image_remove,
            commands::inventory::image_tag,
            commands::inventory::images_prune,
            commands::inventory::image_pull,
            commands::inventory::volumes_list,
            commands::inventory::networks_list,
            commands::stats::stats_latest,
            commands::stats::stats_loads,
            commands::stats::stats_container_series,
            commands::stats::stats_fleet_series,
            commands::stats::containers_count_by_state,
            commands::stats::stats_live_start,
            commands::stats::stats_live_stop,
            commands::stats::stats_retention_get,
            commands::stats::stats_retention_set,
            commands::window::window_visibility_set,
            commands::templates::templates_catalogue,
            commands::templates::template_source_add,
            commands::templates::template_source_refresh,
            commands::templates::template_source_set_enabled,
            commands::templates::template_source_remove,
            commands::templates::template_file_pick,
            commands::templates::my_template_save,
            commands::templates::my_template_delete,
            commands::templates::my_templates_import,
            commands::templates::my_templates_export,
            commands::templates::template_from_container,
            commands::templates::template_plan,
            commands::templates::deploy_check,
            commands::templates::deploy_run,
            commands::templates::template_logo,
            commands::updates::updates_last,
            commands::updates::updates_check_now,
            commands::updates::updates_interval_get,
            commands::updates::updates_interval_set,
            commands::updates::container_recreate,
            commands::updates::containers_recreate_many,
            commands::updates::container_roll_back,
            commands::updates::kept_images_list,
            commands::updates::kept_images_hours_get,
            commands::updates::kept_images_hours_set,
            commands::registries::registries_list,
            commands::registries::registry_add,
            commands::registries::registry_test,
            commands::registries::registry_remove,
            commands::registries::registries_import_docker,
        ])
        .events(collect_events![
            events::InventoryEvents,
            events::ResyncRequired
        ])
        .typ::<Rules>()
        .typ::<squirrel_core::model::Capabilities>()
        .constant("RULES", Rules::current())
        // What each kind of container can do: the window offers only these actions and tabs.
        .constant(
            "CONTAINER_KINDS",
            squirrel_core::model::ContainerKind::ALL.map(|k| k.capabilities()),
        )
}

/// Writes `ui/src/bindings.ts` (or `path`) from the Rust types.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    specta_builder()
        .export(
            specta_typescript::Typescript::default()
                .header("// @ts-nocheck\n/* eslint-disable */\n// Generated by tauri-specta from the Rust types: do not edit.\n"),
            path,
        )
        .map_err(|e| e.to_string())
}

/// Where Squirrel keeps its database: `SQUIRREL_DATA_DIR`, else the OS app-data directory.
/// Never a shared temporary folder: without a home, Squirrel says so instead.
fn data_dir(app: &tauri::App) -> Result<PathBuf, String> {
    std::env::var_os(squirrel_store::DATA_DIR_ENV)
        .map(PathBuf::from)
        .or_else(|| app.path().app_data_dir().ok())
        .ok_or_else(|| {
            format!(
                "Squirrel cannot tell where to keep its data (no home folder): set HOME or {}",
                squirrel_store::DATA_DIR_ENV
            )
        })
}

pub fn run() {
    // First: the environment is changed while no other thread runs.
    let renderer = webview_env::choose_renderer();
    let builder = specta_builder();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(builder.invoke_handler())
        .on_page_load(|webview, payload| {
            let main = webview.label() == "main";
            if payload.event() == tauri::webview::PageLoadEvent::Finished {
                if main {
                    tracing::info!(url = %payload.url(), "the main window's page loaded");
                }
                return;
            }
            // The main page reports whether it is hidden once loaded; until then it is taken
            // as shown. (A terminal's own window has no say in it.)
            if main {
                if let Some(visibility) = webview.try_state::<events::WindowVisibility>() {
                    visibility.set(true);
                }
            }
            if let Some(Ok(app)) = webview.try_state::<AppState>().map(|s| s.app()) {
                // A (re)loaded main page has no open chart or log: end the streams nobody
                // watches.
                if main {
                    app.stats.live_stop_all();
                    app.logs.close_all();
                }
                // A page loaded anew shows no terminal: the window's shells end. Not in a
                // terminal's own window: its page loads once, and this may run only after that
                // page attached its terminal (a CI run saw it); its terminal ends with it.
                if !webview
                    .label()
                    .starts_with(commands::terminal::TERMINAL_WINDOW)
                {
                    let ending = app.terminals.page_loaded(webview.label());
                    let terminals = app.terminals.clone();
                    tauri::async_runtime::spawn(async move { terminals.close_ids(ending).await });
                }
            }
        })
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::Destroyed = event {
                if window.label() == "main" {
                    // The terminals' own windows go with the main one: the app quits.
                    window.app_handle().exit(0);
                } else if let Some(Ok(app)) = window.try_state::<AppState>().map(|s| s.app()) {
                    let terminals = app.terminals.clone();
                    let label = window.label().to_string();
                    tauri::async_runtime::spawn(
                        async move { terminals.window_closed(&label).await },
                    );
                }
            }
        })
        .setup(move |app| {
            builder.mount_events(app);
            let visibility = events::WindowVisibility::default();
            app.manage(visibility.clone());
            let dir = data_dir(app);
            let log_dir = app
                .path()
                .app_log_dir()
                .ok()
                .or_else(|| dir.as_ref().ok().map(|d| d.join("logs")));
            let guard = logging::init(log_dir.as_deref());
            app.manage(guard);
            if let Some(choice) = renderer {
                tracing::info!(reason = choice.reason, "{}=1", choice.var);
            }
            let opened = dir.and_then(|dir| {
                tauri::async_runtime::block_on(App::open(AppConfig::desktop(dir)))
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            });
            if let Err(reason) = &opened {
                tracing::error!(%reason, "storage unavailable");
            }
            if let Ok(squirrel) = opened.clone() {
                let handle = app.handle().clone();
                tauri::async_runtime::spawn(events::forward(
                    handle,
                    squirrel.bus().clone(),
                    visibility,
                ));
                tauri::async_runtime::spawn(async move { squirrel.start().await });
            }
            app.manage(AppState(opened));
            match app.get_webview_window("main") {
                Some(main) => {
                    webview_guard::reload_when_its_process_ends(&main, webview_guard::MAIN_GAVE_UP)
                }
                None => tracing::warn!("no main window to watch"),
            }
            Ok(())
        })
        .build(tauri::generate_context!());
    match result {
        Ok(app) => app.run(|handle, event| {
            if let tauri::RunEvent::Exit = event {
                if let Ok(app) = handle.state::<AppState>().app() {
                    tauri::async_runtime::block_on(app.shutdown());
                }
            }
        }),
        Err(e) => {
            eprintln!("Squirrel could not start: {e}");
            std::process::exit(1);
        }
    }
}
