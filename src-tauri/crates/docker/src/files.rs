//! Files of a container through the engine's archive API (running or stopped): a path
//! downloaded into a folder the user chose (written by [`crate::archive`], which keeps every
//! entry inside it), and local files or folders uploaded into a folder of the container.
//! Both stream: at most a few chunks are held between the engine and the disk.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use bollard::query_parameters::{DownloadFromContainerOptions, UploadToContainerOptions};
use bollard::Docker;
use bytes::Bytes;
use futures_util::StreamExt;
use squirrel_core::model::FileTransfer;
use squirrel_core::EngineError;
use tokio::sync::mpsc;

use crate::archive::{extract_safely, ExtractError};
use crate::client::engine_error;

/// Chunks in flight between the engine and the disk.
const IN_FLIGHT: usize = 32;
/// The size of an upload's chunks.
const CHUNK: usize = 256 * 1024;

/// Reads what an async task sends, for the blocking tar reader.
struct ChannelReader {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(chunk)) => self.current = chunk,
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
        let n = out.len().min(self.current.len());
        out[..n].copy_from_slice(&self.current[..n]);
        self.current = self.current.slice(n..);
        Ok(n)
    }
}

/// Sends what the blocking tar writer makes to an async task, in chunks.
struct ChannelWriter {
    tx: mpsc::Sender<Bytes>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx.blocking_send(chunk).map_err(|_| {
            io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the engine stopped taking the upload",
            )
        })
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

fn extract_error(e: ExtractError) -> EngineError {
    match e {
        ExtractError::Unsafe { .. } | ExtractError::Exists(_) => {
            EngineError::BadRequest(e.to_string())
        }
        ExtractError::Io(m) => EngineError::Other(m),
    }
}

/// Downloads `path` of the container `id` into the folder `dest`: a file as itself, a
/// folder with what it holds.
pub(crate) async fn download(
    docker: &Docker,
    id: &str,
    path: &str,
    dest: &Path,
) -> Result<FileTransfer, EngineError> {
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(IN_FLIGHT);
    let folder = dest.to_path_buf();
    let writer = tokio::task::spawn_blocking(move || {
        extract_safely(
            ChannelReader {
                rx,
                current: Bytes::new(),
            },
            &folder,
        )
    });
    let mut stream = docker.download_from_container(
        id,
        Some(DownloadFromContainerOptions {
            path: path.to_string(),
        }),
    );
    let mut refused = None;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(bytes) => {
                if tx.send(Ok(bytes)).await.is_err() {
                    // The writer stopped (a refused entry): it says why.
                    break;
                }
            }
            Err(e) => {
                let _ = tx.send(Err(io::Error::other(e.to_string()))).await;
                refused = Some(engine_error(e));
                break;
            }
        }
    }
    drop(tx);
    drop(stream);
    let written = writer
        .await
        .map_err(|e| EngineError::Other(format!("the download stopped: {e}")))?;
    if let Some(e) = refused {
        return Err(e);
    }
    let done = written.map_err(extract_error)?;
    Ok(FileTransfer {
        files: done.files,
        folders: done.dirs,
        links: done.links,
        bytes: done.bytes,
        skipped: done.skipped,
        saved: done.top.iter().map(|p| p.display().to_string()).collect(),
    })
}

/// Uploads local files and folders (links kept as links) into the folder `into` of the
/// container `id`.
pub(crate) async fn upload(
    docker: &Docker,
    id: &str,
    sources: &[PathBuf],
    into: &str,
) -> Result<FileTransfer, EngineError> {
    for source in sources {
        if source.file_name().is_none() || std::fs::symlink_metadata(source).is_err() {
            return Err(EngineError::BadRequest(format!(
                "{} cannot be read",
                source.display()
            )));
        }
    }
    let (tx, mut rx) = mpsc::channel::<Bytes>(IN_FLIGHT);
    let sources = sources.to_vec();
    let maker = tokio::task::spawn_blocking(move || -> io::Result<FileTransfer> {
        let mut made = FileTransfer::default();
        let mut builder = tar::Builder::new(ChannelWriter {
            tx,
            buf: Vec::with_capacity(CHUNK),
        });
        builder.follow_symlinks(false);
        for source in &sources {
            let name = source.file_name().map(PathBuf::from).unwrap_or_default();
            let meta = std::fs::symlink_metadata(source)?;
            if meta.is_dir() {
                builder.append_dir_all(&name, source)?;
                for entry in walk(source)? {
                    count(&mut made, &entry)?;
                }
            } else {
                builder.append_path_with_name(source, &name)?;
                count(&mut made, source)?;
            }
        }
        builder.into_inner()?.flush()?;
        Ok(made)
    });
    let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let sent = docker
        .upload_to_container(
            id,
            Some(UploadToContainerOptions {
                path: into.to_string(),
                no_overwrite_dir_non_dir: Some("1".into()),
                copy_uidgid: None,
            }),
            bollard::body_stream(body),
        )
        .await;
    let made = maker
        .await
        .map_err(|e| EngineError::Other(format!("the upload stopped: {e}")))?;
    if let Err(e) = sent {
        return Err(match engine_error(e) {
            EngineError::BadRequest(m) | EngineError::NoSuchObject(m) | EngineError::Other(m)
                if m.contains("not a directory")
                    || m.contains("Could not find")
                    || m.contains("no such file") =>
            {
                EngineError::BadRequest(format!(
                    "{into} is not a folder in the container: upload into a folder ({m})"
                ))
            }
            other => other,
        });
    }
    made.map_err(|e| EngineError::BadRequest(format!("the files could not be read: {e}")))
        .map(|mut m| {
            m.saved = vec![into.to_string()];
            m
        })
}

/// Every path under a folder, the folder included.
fn walk(root: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = vec![root.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        let at = out[i].clone();
        if std::fs::symlink_metadata(&at)?.is_dir() {
            for e in std::fs::read_dir(&at)? {
                out.push(e?.path());
            }
        }
        i += 1;
    }
    Ok(out)
}

fn count(made: &mut FileTransfer, path: &Path) -> io::Result<()> {
    let meta = std::fs::symlink_metadata(path)?;
    if meta.is_dir() {
        made.folders += 1;
    } else if meta.file_type().is_symlink() {
        made.links += 1;
    } else if meta.is_file() {
        made.files += 1;
        made.bytes += meta.len();
    } else {
        made.skipped += 1;
    }
    Ok(())
}

/// The most of a folder's archive read to list it (its files' contents come with it).
const LIST_BUDGET: u64 = 512 << 20;
/// The most entries a listing holds.
const LIST_MAX: usize = 10_000;
/// The most of a file a preview reads.
const PREVIEW_MAX: usize = 256 * 1024;

/// The engine's refusal, once the reader is done: the sending task ends as soon as it
/// notices the reader left; a stalled engine is not waited for.
async fn refusal(mut engine: tokio::task::JoinHandle<Option<EngineError>>) -> Option<EngineError> {
    match tokio::time::timeout(std::time::Duration::from_secs(5), &mut engine).await {
        Ok(Ok(refused)) => refused,
        _ => {
            engine.abort();
            None
        }
    }
}

/// The archive of `path`, as the engine sends it, into a channel (for a blocking reader);
/// the engine's refusal, if any, comes back from the returned task.
fn archive_into(
    docker: &Docker,
    id: &str,
    path: &str,
) -> (
    mpsc::Receiver<io::Result<Bytes>>,
    tokio::task::JoinHandle<Option<EngineError>>,
) {
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(IN_FLIGHT);
    let mut stream = docker.download_from_container(
        id,
        Some(DownloadFromContainerOptions {
            path: path.to_string(),
        }),
    );
    let task = tokio::spawn(async move {
        loop {
            let chunk = tokio::select! {
                chunk = stream.next() => chunk,
                () = tx.closed() => return None,
            };
            let Some(chunk) = chunk else { break };
            match chunk {
                Ok(bytes) => {
                    if tx.send(Ok(bytes)).await.is_err() {
                        return None;
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(io::Error::other(e.to_string()))).await;
                    return Some(engine_error(e));
                }
            }
        }
        None
    });
    (rx, task)
}

/// Saves the archive of `path` to `file` as the engine gives it (nothing is unpacked: the
/// archive is what the user keeps). The file must not exist; it appears once whole.
pub(crate) async fn download_archive(
    docker: &Docker,
    id: &str,
    path: &str,
    file: &Path,
) -> Result<FileTransfer, EngineError> {
    if std::fs::symlink_metadata(file).is_ok() {
        return Err(EngineError::BadRequest(format!(
            "{} already exists: nothing was replaced",
            file.display()
        )));
    }
    // A name of its own beside the file, made anew (never an existing file or link).
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}-{stamp}.part", std::process::id()));
    let partial = file.with_file_name(name);
    let mut out = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&partial)
        .await
        .map_err(|e| EngineError::Other(format!("{} cannot be written: {e}", partial.display())))?;
    let mut stream = docker.download_from_container(
        id,
        Some(DownloadFromContainerOptions {
            path: path.to_string(),
        }),
    );
    let mut bytes = 0u64;
    let result = async {
        use tokio::io::AsyncWriteExt;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(engine_error)?;
            bytes += chunk.len() as u64;
            out.write_all(&chunk).await.map_err(|e| {
                EngineError::Other(format!("{} cannot be written: {e}", partial.display()))
            })?;
        }
        out.flush()
            .await
            .map_err(|e| EngineError::Other(e.to_string()))?;
        tokio::fs::rename(&partial, file)
            .await
            .map_err(|e| EngineError::Other(format!("{} cannot be written: {e}", file.display())))
    }
    .await;
    if let Err(e) = result {
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(e);
    }
    Ok(FileTransfer {
        files: 1,
        bytes,
        saved: vec![file.display().to_string()],
        ..Default::default()
    })
}

fn entry_of(
    header: &tar::Header,
    name: String,
    link: Option<String>,
) -> squirrel_core::model::DirEntry {
    let kind = header.entry_type();
    squirrel_core::model::DirEntry {
        name,
        kind: if kind.is_dir() {
            "folder"
        } else if kind.is_symlink() || kind.is_hard_link() {
            "link"
        } else if kind.is_file() {
            "file"
        } else {
            "other"
        }
        .into(),
        size: header.size().unwrap_or(0),
        mode: header.mode().unwrap_or(0) & 0o7777,
        uid: header
            .uid()
            .ok()
            .and_then(|u| u32::try_from(u).ok())
            .unwrap_or(0),
        gid: header
            .gid()
            .ok()
            .and_then(|g| u32::try_from(g).ok())
            .unwrap_or(0),
        owner: match (
            header.username().ok().flatten(),
            header.groupname().ok().flatten(),
        ) {
            (Some(u), Some(g)) if !u.is_empty() => Some(format!("{u}:{g}")),
            (Some(u), _) if !u.is_empty() => Some(u.to_string()),
            _ => None,
        },
        modified: header
            .mtime()
            .ok()
            .and_then(|m| i64::try_from(m).ok())
            .unwrap_or(0),
        link_target: link,
    }
}

/// The entries right under `path`, from its archive (read up to [`LIST_BUDGET`]: a larger
/// folder is listed in part, and says so).
pub(crate) async fn list_dir(
    docker: &Docker,
    id: &str,
    path: &str,
) -> Result<squirrel_core::model::DirListing, EngineError> {
    let (rx, engine) = archive_into(docker, id, path);
    let reading = tokio::task::spawn_blocking(
        move || -> io::Result<(Vec<squirrel_core::model::DirEntry>, bool, bool)> {
            let mut archive = tar::Archive::new(ChannelReader {
                rx,
                current: Bytes::new(),
            });
            let mut entries = Vec::new();
            let mut read = 0u64;
            let mut top_is_dir = true;
            let mut first = true;
            let mut top_depth = 0;
            for entry in archive.entries()? {
                let entry = entry?;
                read += 512 + entry.size();
                let raw = entry.path_bytes().into_owned();
                let text = String::from_utf8_lossy(&raw).into_owned();
                let parts: Vec<&str> = text
                    .trim_end_matches('/')
                    .split('/')
                    .filter(|p| !p.is_empty())
                    .collect();
                // The first entry is the folder itself (`data/`, or `/` for the root): its
                // entries are one level below it.
                if first {
                    first = false;
                    top_is_dir = entry.header().entry_type().is_dir();
                    top_depth = parts.len();
                    continue;
                }
                if parts.len() == top_depth + 1 {
                    let link = entry
                        .link_name_bytes()
                        .map(|l| String::from_utf8_lossy(&l).into_owned());
                    entries.push(entry_of(entry.header(), parts[top_depth].to_string(), link));
                }
                if read > LIST_BUDGET || entries.len() >= LIST_MAX {
                    return Ok((entries, true, top_is_dir));
                }
            }
            Ok((entries, false, top_is_dir))
        },
    );
    let listed = reading
        .await
        .map_err(|e| EngineError::Other(format!("the listing stopped: {e}")))?;
    if let Some(e) = refusal(engine).await {
        return Err(e);
    }
    let (mut entries, partial, top_is_dir) = listed
        .map_err(|e| EngineError::Other(format!("the folder's archive cannot be read: {e}")))?;
    if !top_is_dir {
        return Err(EngineError::BadRequest(format!("{path} is not a folder")));
    }
    entries.sort_by(|a, b| {
        (b.kind == "folder")
            .cmp(&(a.kind == "folder"))
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(squirrel_core::model::DirListing {
        path: path.to_string(),
        entries,
        partial,
    })
}

/// The start of a file, as text when it is text.
pub(crate) async fn preview(
    docker: &Docker,
    id: &str,
    path: &str,
) -> Result<squirrel_core::model::FilePreview, EngineError> {
    let (rx, engine) = archive_into(docker, id, path);
    let reading =
        tokio::task::spawn_blocking(move || -> io::Result<Option<(u64, Vec<u8>, bool)>> {
            let mut archive = tar::Archive::new(ChannelReader {
                rx,
                current: Bytes::new(),
            });
            let Some(entry) = archive.entries()?.next() else {
                return Ok(None);
            };
            let entry = entry?;
            if !entry.header().entry_type().is_file() {
                return Ok(None);
            }
            let size = entry.size();
            let mut head = Vec::new();
            entry.take(PREVIEW_MAX as u64).read_to_end(&mut head)?;
            Ok(Some((size, head, size > PREVIEW_MAX as u64)))
        });
    let read = reading
        .await
        .map_err(|e| EngineError::Other(format!("the preview stopped: {e}")))?;
    if let Some(e) = refusal(engine).await {
        return Err(e);
    }
    let Some((size, head, truncated)) =
        read.map_err(|e| EngineError::Other(format!("the file cannot be read: {e}")))?
    else {
        return Err(EngineError::BadRequest(format!(
            "{path} is not a file: only files are previewed"
        )));
    };
    // Text: UTF-8 (a character cut at the end of what was read is left out) and no NUL.
    let text = match std::str::from_utf8(&head) {
        Ok(t) => Some(t.to_string()),
        Err(e) if truncated && e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()])
                .ok()
                .map(str::to_string)
        }
        Err(_) => None,
    }
    .filter(|t| !t.contains('\0'));
    Ok(squirrel_core::model::FilePreview {
        path: path.to_string(),
        size,
        text,
        truncated,
    })
}
