//! A container's files through the engine's archive API: browse, preview, download into a
//! folder the user picks (or save the archive), upload files or a folder.

use squirrel_core::model::{DirListing, FilePreview, FileTransfer};
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

/// The entries of a folder of a container (running or stopped).
#[tauri::command]
#[specta::specta]
pub async fn files_list(
    state: State<'_, AppState>,
    container_uuid: String,
    path: String,
) -> CmdResult<DirListing> {
    Ok(state
        .app()?
        .containers
        .list_dir(&container_uuid, &path)
        .await?)
}

/// The start of a file of a container, as text when it is text.
#[tauri::command]
#[specta::specta]
pub async fn files_preview(
    state: State<'_, AppState>,
    container_uuid: String,
    path: String,
) -> CmdResult<FilePreview> {
    Ok(state
        .app()?
        .containers
        .preview_file(&container_uuid, &path)
        .await?)
}

/// The last part of a container path, for a file name (never a path of its own).
fn base_name(path: &str) -> String {
    let name: String = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .chars()
        .map(|c| if c.is_control() || c == '\\' { '_' } else { c })
        .take(120)
        .collect();
    if name.is_empty() || name == "." || name == ".." {
        "container-files".into()
    } else {
        name
    }
}

/// Downloads a path of a container into a folder the user picks; with `as_archive`, saves
/// the engine's archive of it as a `.tar` file the user names. `None` when the dialog is
/// cancelled.
#[tauri::command]
#[specta::specta]
pub async fn files_download(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    container_uuid: String,
    path: String,
    as_archive: bool,
) -> CmdResult<Option<FileTransfer>> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let dialog = app.dialog().file();
    if as_archive {
        dialog
            .set_title("Save the archive")
            .set_file_name(format!("{}.tar", base_name(&path)))
            .add_filter("Tar archive", &["tar"])
            .save_file(move |p| {
                let _ = tx.send(p.and_then(|p| p.into_path().ok()));
            });
    } else {
        dialog
            .set_title("Download into this folder")
            .pick_folder(move |p| {
                let _ = tx.send(p.and_then(|p| p.into_path().ok()));
            });
    }
    let Some(target) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    let containers = &state.app()?.containers;
    let done = if as_archive {
        containers
            .download_archive(&container_uuid, &path, &target)
            .await?
    } else {
        containers.download(&container_uuid, &path, &target).await?
    };
    Ok(Some(done))
}

/// Uploads files (or, with `folder`, one folder) the user picks into the folder `into` of a
/// container. `None` when the dialog is cancelled.
#[tauri::command]
#[specta::specta]
pub async fn files_upload(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    container_uuid: String,
    into: String,
    folder: bool,
) -> CmdResult<Option<FileTransfer>> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let dialog = app.dialog().file().set_title(format!("Upload into {into}"));
    if folder {
        dialog.pick_folder(move |p| {
            let _ = tx.send(p.and_then(|p| p.into_path().ok()).map(|p| vec![p]));
        });
    } else {
        dialog.pick_files(move |ps| {
            let _ =
                tx.send(ps.map(|ps| ps.into_iter().filter_map(|p| p.into_path().ok()).collect()));
        });
    }
    let Some(sources) = rx.await.ok().flatten().filter(|s: &Vec<_>| !s.is_empty()) else {
        return Ok(None);
    };
    Ok(Some(
        state
            .app()?
            .containers
            .upload(&container_uuid, &sources, &into)
            .await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::base_name;

    #[test]
    fn a_file_name_is_the_path_s_last_part_and_never_a_path() {
        assert_eq!(base_name("/etc/nginx/"), "nginx");
        assert_eq!(base_name("/"), "container-files");
        assert_eq!(base_name("/a/.."), "container-files");
        assert_eq!(base_name("/x/we\\ird\n"), "we_ird_");
    }
}
