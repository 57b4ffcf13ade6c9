//! Files of a container through the archive API, against a real dockerd: a folder tree with
//! links, spaces, a name that is not UTF-8 and a 100 MiB file downloads byte for byte as
//! `docker cp` gives it; a single file downloads as itself; an upload lands where `docker
//! exec cat` reads it; an upload into a file and a download into a folder that has it are
//! refused in words.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use support::{App, TestEngine};

/// Every path under `root` with what it is: a file's bytes' hash, a link's target, a folder.
fn tree(root: &Path) -> Vec<(Vec<u8>, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(at) = stack.pop() {
        for e in std::fs::read_dir(&at).unwrap() {
            let p = e.unwrap().path();
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .as_os_str()
                .as_bytes()
                .to_vec();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            let what = if meta.file_type().is_symlink() {
                format!("link to {}", std::fs::read_link(&p).unwrap().display())
            } else if meta.is_dir() {
                stack.push(p.clone());
                "folder".to_string()
            } else {
                let bytes = std::fs::read(&p).unwrap();
                format!(
                    "file of {} bytes, sum {}",
                    bytes.len(),
                    bytes
                        .iter()
                        .fold(0u64, |a, b| a.wrapping_mul(31).wrapping_add(u64::from(*b)))
                )
            };
            out.push((rel, what));
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_download_as_docker_cp_gives_them_and_upload_where_cat_reads_them() {
    let engine = TestEngine::start();
    engine.cli(&[
        "run",
        "-d",
        "--name",
        "files",
        "busybox:local",
        "sleep",
        "3600",
    ]);
    engine.cli(&[
        "exec",
        "files",
        "sh",
        "-c",
        "mkdir -p '/data/with space/deeper' && echo hello > '/data/with space/a b.txt' \
         && printf bytes > \"/data/$(printf 'caf\\351')\" && ln -s 'with space/a b.txt' /data/link \
         && mkdir /escaping && ln -s /etc/passwd /escaping/absolute-link \
         && head -c 104857600 /dev/urandom > /data/big \
         && mkdir -p /etc && echo root:x:0:0::/:/bin/sh > /etc/passwd && echo root:x:0: > /etc/group",
    ]);
    let app = App::new().await;
    app.add_engine(&engine, "local").await;
    let uuid = app
        .containers
        .list(None)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == "files")
        .unwrap()
        .uuid;

    // A folder: the same tree, byte for byte, as `docker cp`.
    let ours = tempfile::tempdir().unwrap();
    let theirs = tempfile::tempdir().unwrap();
    let done = app
        .containers
        .download(&uuid, "/data", ours.path())
        .await
        .unwrap();
    engine.cli(&["cp", "files:/data", &theirs.path().display().to_string()]);
    assert_eq!(tree(ours.path()), tree(theirs.path()));
    assert_eq!((done.files, done.links), (3, 1));
    assert!(done.bytes > 100 << 20);
    // A link pointing out of the chosen folder is refused, named, and nothing is kept.
    let escaping = tempfile::tempdir().unwrap();
    let refused = app
        .containers
        .download(&uuid, "/escaping", escaping.path())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("escaping/absolute-link") && refused.contains("outside the folder"),
        "{refused}"
    );
    assert_eq!(std::fs::read_dir(escaping.path()).unwrap().count(), 0);
    // Saved as the archive it is instead: nothing unpacked, the link inside.
    let tar_file = escaping.path().join("escaping.tar");
    app.containers
        .download_archive(&uuid, "/escaping", &tar_file)
        .await
        .unwrap();
    let archive = std::fs::read(&tar_file).unwrap();
    assert!(archive.windows(22).any(|w| w == b"escaping/absolute-link"));

    // Browsing: a folder's entries, folders first, with their kinds, sizes and links.
    let listing = app.containers.list_dir(&uuid, "/data").await.unwrap();
    let seen: Vec<(String, String)> = listing
        .entries
        .iter()
        .map(|e| (e.name.clone(), e.kind.clone()))
        .collect();
    assert_eq!(
        seen,
        [
            ("with space".to_string(), "folder".to_string()),
            ("big".into(), "file".into()),
            ("caf\u{FFFD}".into(), "file".into()),
            ("link".into(), "link".into()),
        ]
    );
    assert!(!listing.partial);
    let big = listing.entries.iter().find(|e| e.name == "big").unwrap();
    assert_eq!((big.size, big.mode), (100 << 20, 0o644));
    let link = listing.entries.iter().find(|e| e.name == "link").unwrap();
    assert_eq!(link.link_target.as_deref(), Some("with space/a b.txt"));
    assert!(app
        .containers
        .list_dir(&uuid, "/data/big")
        .await
        .unwrap_err()
        .to_string()
        .contains("not a folder"));
    // The root, whose archive names its entries from `/`.
    let root = app.containers.list_dir(&uuid, "/").await.unwrap();
    let names: Vec<&str> = root.entries.iter().map(|e| e.name.as_str()).collect();
    assert!(
        names.contains(&"data") && names.contains(&"bin") && names.contains(&"escaping"),
        "{names:?}"
    );
    // A preview: text as text, a binary file as binary, a folder refused.
    let text = app
        .containers
        .preview_file(&uuid, "/data/with space/a b.txt")
        .await
        .unwrap();
    assert_eq!(
        (text.text.as_deref(), text.size, text.truncated),
        (Some("hello\n"), 6, false)
    );
    let binary = app
        .containers
        .preview_file(&uuid, "/data/big")
        .await
        .unwrap();
    assert_eq!((binary.text, binary.truncated), (None, true));
    assert!(app.containers.preview_file(&uuid, "/data").await.is_err());

    // Again into the same folder: refused, nothing replaced.
    let again = app
        .containers
        .download(&uuid, "/data", ours.path())
        .await
        .unwrap_err()
        .to_string();
    assert!(again.contains("already in the folder"), "{again}");
    // One file: the file itself.
    let one = tempfile::tempdir().unwrap();
    app.containers
        .download(&uuid, "/data/big", one.path())
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(one.path().join("big")).unwrap(),
        std::fs::read(theirs.path().join("data/big")).unwrap()
    );
    // A path that is not there, or not absolute: said.
    let missing = app
        .containers
        .download(&uuid, "/nope", one.path())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        missing.to_lowercase().contains("no such") || missing.contains("Could not find"),
        "{missing}"
    );
    assert!(app
        .containers
        .download(&uuid, "data", one.path())
        .await
        .is_err());

    // Upload a file and a folder; cat reads them back.
    let up = tempfile::tempdir().unwrap();
    std::fs::write(up.path().join("up load.txt"), b"uploaded\n").unwrap();
    std::fs::create_dir(up.path().join("folder")).unwrap();
    std::fs::write(up.path().join("folder/inner"), b"inside\n").unwrap();
    std::os::unix::fs::symlink("inner", up.path().join("folder/link")).unwrap();
    // A name that is not UTF-8, and 24 MiB of noise (many chunks on the connection).
    std::fs::write(
        up.path()
            .join("folder")
            .join(std::ffi::OsStr::from_bytes(b"caf\xe9")),
        b"latin-1\n",
    )
    .unwrap();
    let noise: Vec<u8> = (0..24u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(up.path().join("folder/noise"), &noise).unwrap();
    // A pipe is no file to send: left out, and counted.
    let made = std::process::Command::new("mkfifo")
        .arg(up.path().join("folder/pipe"))
        .status()
        .unwrap();
    assert!(made.success());
    let sent = app
        .containers
        .upload(
            &uuid,
            &[up.path().join("up load.txt"), up.path().join("folder")],
            "/data",
        )
        .await
        .unwrap();
    assert_eq!(
        (sent.files, sent.folders, sent.links, sent.skipped),
        (4, 1, 1, 1),
        "{sent:?}"
    );
    assert_eq!(sent.bytes, 9 + 7 + 8 + (24 << 20));
    // Read back byte for byte, as `docker exec cat` gives it.
    let back = std::process::Command::new("docker")
        .env("DOCKER_HOST", engine.host())
        .args(["exec", "files", "cat", "/data/folder/noise"])
        .output()
        .unwrap();
    assert!(back.status.success());
    assert!(back.stdout == noise, "the uploaded file differs");
    assert_eq!(
        engine.cli(&["exec", "files", "busybox", "readlink", "/data/folder/link"]),
        "inner"
    );
    assert_eq!(
        engine.cli(&["exec", "files", "sh", "-c", "cat /data/folder/caf?"]),
        "latin-1"
    );
    assert!(engine
        .try_cli(&["exec", "files", "ls", "/data/folder/pipe"])
        .is_err());
    assert_eq!(
        engine.cli(&["exec", "files", "cat", "/data/up load.txt"]),
        "uploaded"
    );
    assert_eq!(
        engine.cli(&["exec", "files", "cat", "/data/folder/inner"]),
        "inside"
    );
    // Into a file: refused in words.
    let into_file = app
        .containers
        .upload(&uuid, &[up.path().join("up load.txt")], "/data/big")
        .await
        .unwrap_err()
        .to_string();
    assert!(into_file.contains("not a folder"), "{into_file}");
    // A running container's folder is listed from inside it (names of owners come from its
    // own users), a stopped one's from its archive: the same entries either way.
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    let since = now();
    let inside = app.containers.list_dir(&uuid, "/data").await.unwrap();
    assert!(
        inside
            .entries
            .iter()
            .all(|e| e.owner.as_deref() == Some("root:root")),
        "{:?}",
        inside.entries
    );
    // Listed by a command in the container: the engine recorded its exec.
    let execs = engine.cli(&[
        "events",
        "--since",
        &since.to_string(),
        "--until",
        &(now() + 1).to_string(),
        "--filter",
        "event=exec_create",
        "--format",
        "{{.Action}}",
    ]);
    assert!(execs.contains("squirrel-list"), "{execs}");
    // A stopped container's files download all the same.
    engine.cli(&["stop", "-t", "0", "files"]);
    let archived = app.containers.list_dir(&uuid, "/data").await.unwrap();
    let facts = |l: &squirrel_core::model::DirListing| {
        l.entries
            .iter()
            .map(|e| {
                (
                    e.name.clone(),
                    e.kind.clone(),
                    e.size,
                    e.mode,
                    (e.uid, e.gid),
                    e.modified,
                    e.link_target.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(facts(&inside), facts(&archived));
    assert!(facts(&inside).len() >= 6, "{:?}", facts(&inside));
    assert!(!inside.partial && !archived.partial);
    let stopped = tempfile::tempdir().unwrap();
    app.containers
        .download(&uuid, "/data/with space", stopped.path())
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(stopped.path().join("with space/a b.txt")).unwrap(),
        b"hello\n"
    );
    app.shutdown().await;
}
