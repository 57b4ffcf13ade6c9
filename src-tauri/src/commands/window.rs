//! The window: what the UI tells the backend about it.

use tauri::State;

use crate::events::WindowVisibility;

#[tauri::command]
#[specta::specta]
/// The window was shown or hidden (minimised, another tab or desktop): while hidden, it gets
/// no stats rounds nor live samples, and reloads them from the store when shown again.
pub fn window_visibility_set(visibility: State<'_, WindowVisibility>, visible: bool) {
    // Once a page load and at each change: the page's script runs and reaches the backend.
    tracing::info!(visible, "the window says whether it is shown");
    visibility.set(visible);
}
