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
const IN_FLIGHT: usize = 8;
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
