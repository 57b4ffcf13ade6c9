//! Squirrel's data folder and its files are its owner's only, even when the folder existed
//! before with a wider mode.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;

use squirrel_app::{App, AppConfig};

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn the_data_folder_is_0700_and_the_database_0600() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("squirrel");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();

    let app = App::open(AppConfig::desktop(dir.clone())).await.unwrap();
    assert_eq!(mode(&dir), 0o700);
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    assert!(!files.is_empty());
    for file in files {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    app.shutdown().await;
}
