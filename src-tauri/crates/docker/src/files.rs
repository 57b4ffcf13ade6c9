//! Files of a container through the engine's archive API (running or stopped): a path
//! downloaded into a folder the user chose (written by [`crate::archive`], which keeps every
//! entry inside it), and local files or folders uploaded into a folder of the container.
//! Both stream on a connection of their own ([`crate::transfer`]): at most 16 reads
//! (usually a few MiB) ahead of the disk, a chunk written behind.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use squirrel_core::model::FileTransfer;
use squirrel_core::EngineError;

use crate::archive::{extract_safely, ExtractError};
use crate::client::Engine;
use crate::transfer::{self, STALL};

/// The size of the pieces a saved archive is written in.
const WRITE_SIZE: usize = 1 << 20;

fn extract_error(e: ExtractError) -> EngineError {
    match e {
        ExtractError::Unsafe { .. } | ExtractError::Exists(_) => {
            EngineError::BadRequest(e.to_string())
        }
        ExtractError::Io(m) => EngineError::Other(m),
    }
}

fn stopped(what: &str, e: &tokio::task::JoinError) -> EngineError {
    EngineError::Other(format!("the {what} stopped: {e}"))
}

/// Downloads `path` of the container `id` into the folder `dest`: a file as itself, a
/// folder with what it holds.
pub(crate) async fn download(
    engine: &Engine,
    id: &str,
    path: &str,
    dest: &Path,
) -> Result<FileTransfer, EngineError> {
    let reader = transfer::get(engine, id, path).await?;
    let folder = dest.to_path_buf();
    let written = tokio::task::spawn_blocking(move || extract_safely(reader, &folder))
        .await
        .map_err(|e| stopped("download", &e))?;
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

/// One thing an upload sends: a local path and its name in the archive.
struct Planned {
    path: PathBuf,
    name: PathBuf,
    folder: bool,
}

/// What an upload will send, read before anything is: every folder, file and link under
/// the sources (devices, pipes and sockets are left out, and counted as skipped), and a
/// file that cannot be opened refuses the whole upload before it starts.
fn plan(sources: &[PathBuf]) -> Result<(Vec<Planned>, FileTransfer), EngineError> {
    let unreadable = |path: &Path, e: &io::Error| {
        EngineError::BadRequest(format!(
            "{} cannot be read ({e}): nothing was uploaded",
            path.display()
        ))
    };
    let mut planned = Vec::new();
    let mut counts = FileTransfer::default();
    for source in sources {
        let Some(top) = source.file_name() else {
            return Err(EngineError::BadRequest(format!(
                "{} is not a file or a folder",
                source.display()
            )));
        };
        let mut pending = vec![(source.clone(), PathBuf::from(top))];
        while let Some((path, name)) = pending.pop() {
            let meta = std::fs::symlink_metadata(&path).map_err(|e| unreadable(&path, &e))?;
            let kind = meta.file_type();
            if kind.is_dir() {
                let mut inner = Vec::new();
                for item in std::fs::read_dir(&path).map_err(|e| unreadable(&path, &e))? {
                    let item = item.map_err(|e| unreadable(&path, &e))?;
                    inner.push((item.path(), name.join(item.file_name())));
                }
                // In name order, each folder before what it holds.
                inner.sort();
                pending.extend(inner.into_iter().rev());
                counts.folders += 1;
                planned.push(Planned {
                    path,
                    name,
                    folder: true,
                });
            } else if kind.is_symlink() || kind.is_file() {
                if kind.is_file() {
                    std::fs::File::open(&path).map_err(|e| unreadable(&path, &e))?;
                    counts.files += 1;
                    counts.bytes += meta.len();
                } else {
                    counts.links += 1;
                }
                planned.push(Planned {
                    path,
                    name,
                    folder: false,
                });
            } else {
                counts.skipped += 1;
            }
        }
    }
    Ok((planned, counts))
}

/// The engine's words when the target is not a folder, said as what to do.
fn not_a_folder(e: EngineError, into: &str) -> EngineError {
    match e {
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
    }
}

/// Uploads local files and folders (links kept as links) into the folder `into` of the
/// container `id`.
pub(crate) async fn upload(
    engine: &Engine,
    id: &str,
    sources: &[PathBuf],
    into: &str,
) -> Result<FileTransfer, EngineError> {
    let sources = sources.to_vec();
    let (planned, mut made) = tokio::task::spawn_blocking(move || plan(&sources))
        .await
        .map_err(|e| stopped("upload", &e))??;
    let (writer, answer) = transfer::put(engine, id, into).await?;
    let sent = tokio::task::spawn_blocking(move || -> io::Result<()> {
        let mut builder = tar::Builder::new(writer);
        builder.follow_symlinks(false);
        for item in &planned {
            if item.folder {
                builder.append_dir(&item.name, &item.path)?;
            } else {
                builder.append_path_with_name(&item.path, &item.name)?;
            }
        }
        builder.into_inner()?.finish()
    })
    .await;
    let sent = match sent {
        Ok(sent) => sent,
        Err(e) => {
            answer.abandon();
            return Err(stopped("upload", &e));
        }
    };
    if let Err(e) = sent {
        // The engine's refusal, when it came (it may be why the writing failed), says more.
        let refused = match answer.now() {
            Some(done) => Some(done),
            None if e.kind() == io::ErrorKind::BrokenPipe => Some(
                answer_soon(answer)
                    .await
                    .and_then(|()| Err(EngineError::Other(e.to_string()))),
            ),
            None => {
                answer.abandon();
                None
            }
        };
        return Err(match refused {
            Some(Err(refused)) => not_a_folder(refused, into),
            _ => EngineError::Other(format!(
                "the upload stopped ({e}): what was sent before it may be in the container"
            )),
        });
    }
    answer
        .within(STALL)
        .await
        .map_err(|e| not_a_folder(e, into))?;
    made.saved = vec![into.to_string()];
    Ok(made)
}

/// The answer of an engine that stopped taking the upload: it comes at once, or not.
async fn answer_soon(answer: transfer::Answer) -> Result<(), EngineError> {
    answer.within(std::time::Duration::from_secs(5)).await
}

/// The most of a folder's archive read to list it (its files' contents come with it).
const LIST_BUDGET: u64 = 512 << 20;
/// The most entries a listing holds.
const LIST_MAX: usize = 10_000;
/// The most of a file a preview reads.
const PREVIEW_MAX: usize = 256 * 1024;

/// Saves the archive of `path` to `file` as the engine gives it (nothing is unpacked: the
/// archive is what the user keeps). The file must not exist; it appears once whole.
pub(crate) async fn download_archive(
    engine: &Engine,
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
    let mut reader = transfer::get(engine, id, path).await?;
    let (target, kept) = (file.to_path_buf(), partial.clone());
    let saved = tokio::task::spawn_blocking(move || -> Result<u64, EngineError> {
        let written =
            |e: io::Error| EngineError::Other(format!("{} cannot be written: {e}", kept.display()));
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&kept)
            .map_err(written)?;
        let mut chunk = vec![0u8; WRITE_SIZE];
        let mut bytes = 0u64;
        loop {
            let n = reader.read(&mut chunk).map_err(|e| {
                EngineError::Unreachable(format!("the archive could not be read: {e}"))
            })?;
            if n == 0 {
                break;
            }
            out.write_all(&chunk[..n]).map_err(written)?;
            bytes += n as u64;
        }
        out.flush().map_err(written)?;
        // Never over a file that appeared meanwhile: a second name is made only where none
        // is (a file system without them, a FAT stick, gets a rename after a last look).
        let exists = || {
            EngineError::BadRequest(format!(
                "{} already exists: nothing was replaced",
                target.display()
            ))
        };
        let placed = match std::fs::hard_link(&kept, &target) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(exists()),
            Err(_) if std::fs::symlink_metadata(&target).is_ok() => return Err(exists()),
            Err(_) => std::fs::rename(&kept, &target),
            Ok(()) => Ok(()),
        };
        placed.map_err(|e| {
            EngineError::Other(format!("{} cannot be written: {e}", target.display()))
        })?;
        Ok(bytes)
    })
    .await
    .map_err(|e| stopped("download", &e));
    let _ = std::fs::remove_file(&partial);
    let bytes = saved??;
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

/// Lists a folder from inside a running container: one `stat` for all its entries, then
/// each link's target (in the C locale: `stat` says kinds in English). Prints the number of entries, a line a entry (kind, size, mode, ids,
/// names, time, name: the name last, so a `|` in it stays), `\001`, then `name\0target\0` for
/// each link. Errors go nowhere: a folder it cannot read exits with a code of its own.
const LIST_SCRIPT: &str = r#"list() {
  cd -- "$1" 2>/dev/null || exit 3
  [ -r . ] || exit 5
  shift
  for f in * .[!.]* ..?*; do
    if [ -e "$f" ] || [ -L "$f" ]; then set -- "$@" "$f"; fi
  done
  printf '%s\n' "$#"
  if [ "$#" -gt 0 ]; then
    stat -c '%F|%s|%a|%u|%g|%U|%G|%Y|%n' -- "$@" 2>/dev/null || exit 4
  fi
  printf '\001'
  for f do
    if [ -L "$f" ]; then printf '%s\0%s\0' "$f" "$(readlink -- "$f" 2>/dev/null)"; fi
  done
}
LC_ALL=C
export LC_ALL
list "$1""#;

/// How long a listing from inside may take before the archive lists the folder instead.
const LIST_LIMIT: std::time::Duration = std::time::Duration::from_secs(20);
/// The most a listing script's output is read.
const LIST_OUTPUT_MAX: usize = 16 << 20;

/// Takes a listing script's output apart; `None` when it is not what the script prints (a
/// name with a line break in it, a `stat` of another make): the archive lists it instead.
fn parse_listing(out: &[u8]) -> Option<Vec<squirrel_core::model::DirEntry>> {
    let (count, mut rest) = out.split_at(out.iter().position(|b| *b == b'\n')?);
    let count: usize = std::str::from_utf8(count).ok()?.trim().parse().ok()?;
    rest = &rest[1..];
    let mut entries = Vec::with_capacity(count.min(LIST_MAX));
    let mut names = std::collections::HashMap::new();
    for _ in 0..count {
        let end = rest.iter().position(|b| *b == b'\n')?;
        let line = &rest[..end];
        rest = &rest[end + 1..];
        let fields: Vec<&[u8]> = line.splitn(9, |b| *b == b'|').collect();
        let [kind, size, mode, uid, gid, user, group, time, name] = fields[..] else {
            return None;
        };
        let text = |f: &[u8]| String::from_utf8_lossy(f).into_owned();
        let (kind, size, mode, uid, gid) =
            (text(kind), text(size), text(mode), text(uid), text(gid));
        let (user, group, time, name) = (text(user), text(group), text(time), name.to_vec());
        let kind = match kind.as_str() {
            "directory" => "folder",
            "symbolic link" => "link",
            k if k.contains("regular") => "file",
            _ => "other",
        };
        let owner = match (user.as_str(), group.as_str()) {
            ("UNKNOWN", _) => None,
            (u, "UNKNOWN") => Some(u.to_string()),
            (u, g) => Some(format!("{u}:{g}")),
        };
        names.insert(name.clone(), entries.len());
        entries.push(squirrel_core::model::DirEntry {
            name: String::from_utf8_lossy(&name).into_owned(),
            kind: kind.into(),
            // As the archive says them: the size of a file's contents only.
            size: if kind == "file" {
                size.parse().ok()?
            } else {
                0
            },
            mode: u32::from_str_radix(&mode, 8).ok()? & 0o7777,
            uid: uid.parse().ok()?,
            gid: gid.parse().ok()?,
            owner,
            modified: time.parse().ok()?,
            link_target: None,
        });
    }
    rest = rest.strip_prefix(b"\x01")?;
    while !rest.is_empty() {
        let name_end = rest.iter().position(|b| *b == 0)?;
        let name = &rest[..name_end];
        let after = &rest[name_end + 1..];
        let target_end = after.iter().position(|b| *b == 0)?;
        let at = *names.get(name)?;
        entries[at].link_target = Some(String::from_utf8_lossy(&after[..target_end]).into_owned());
        rest = &after[target_end + 1..];
    }
    (entries.len() == count && names.len() == count).then_some(entries)
}

/// A running container's folder, listed from inside it (no archive of all it holds is
/// read); `None` when it cannot be (the container is not running, has no `sh` or `stat`, or
/// its user may not read there): the archive lists it then.
async fn list_by_exec(
    engine: &Engine,
    id: &str,
    path: &str,
) -> Option<squirrel_core::model::DirListing> {
    let argv = [
        "/bin/sh".to_string(),
        "-c".into(),
        LIST_SCRIPT.into(),
        "squirrel-list".into(),
        path.to_string(),
    ];
    let spec = crate::exec::Run {
        argv: &argv,
        user: None,
        working_dir: None,
        errors: false,
        max: LIST_OUTPUT_MAX,
        limit: Some(LIST_LIMIT),
    };
    let run = crate::exec::run_raw(engine, id, &spec).await.ok()?;
    if run.exit_code != Some(0) || run.truncated || run.timed_out {
        return None;
    }
    let mut entries = parse_listing(&run.output)?;
    let partial = entries.len() > LIST_MAX;
    entries.truncate(LIST_MAX);
    Some(squirrel_core::model::DirListing {
        path: path.to_string(),
        entries,
        partial,
    })
}

fn sort_entries(entries: &mut [squirrel_core::model::DirEntry]) {
    entries.sort_by(|a, b| {
        (b.kind == "folder")
            .cmp(&(a.kind == "folder"))
            .then_with(|| a.name.cmp(&b.name))
    });
}

/// The entries right under `path`: from inside the container when it runs (see
/// [`list_by_exec`]), else from its archive (read up to [`LIST_BUDGET`]: a larger folder is
/// listed in part, and says so).
pub(crate) async fn list_dir(
    engine: &Engine,
    id: &str,
    path: &str,
) -> Result<squirrel_core::model::DirListing, EngineError> {
    if let Some(mut listing) = list_by_exec(engine, id, path).await {
        sort_entries(&mut listing.entries);
        return Ok(listing);
    }
    list_by_archive(engine, id, path).await
}

async fn list_by_archive(
    engine: &Engine,
    id: &str,
    path: &str,
) -> Result<squirrel_core::model::DirListing, EngineError> {
    let reader = transfer::get(engine, id, path).await?;
    let reading = tokio::task::spawn_blocking(
        move || -> io::Result<(Vec<squirrel_core::model::DirEntry>, bool, bool)> {
            let mut archive = tar::Archive::new(reader);
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
    let listed = reading.await.map_err(|e| stopped("listing", &e))?;
    let (mut entries, partial, top_is_dir) = listed
        .map_err(|e| EngineError::Other(format!("the folder's archive cannot be read: {e}")))?;
    if !top_is_dir {
        return Err(EngineError::BadRequest(format!("{path} is not a folder")));
    }
    sort_entries(&mut entries);
    Ok(squirrel_core::model::DirListing {
        path: path.to_string(),
        entries,
        partial,
    })
}

/// The start of a file, as text when it is text.
pub(crate) async fn preview(
    engine: &Engine,
    id: &str,
    path: &str,
) -> Result<squirrel_core::model::FilePreview, EngineError> {
    let reader = transfer::get(engine, id, path).await?;
    let reading =
        tokio::task::spawn_blocking(move || -> io::Result<Option<(u64, Vec<u8>, bool)>> {
            let mut archive = tar::Archive::new(reader);
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
    let read = reading.await.map_err(|e| stopped("preview", &e))?;
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_listing_script_s_output_is_taken_apart() {
        let out = b"4\n\
directory|4096|755|0|0|root|root|1700000000|etc\n\
regular file|12|4755|1000|50|UNKNOWN|UNKNOWN|1700000001|a|b c\n\
symbolic link|3|777|0|0|root|UNKNOWN|1700000002|to-etc\n\
regular file|5|644|0|0|root|root|1700000003|caf\xe9\n\
\x01to-etc\0/etc\0";
        let entries = parse_listing(out).unwrap();
        let facts: Vec<_> = entries
            .iter()
            .map(|e| {
                (
                    e.name.as_str(),
                    e.kind.as_str(),
                    e.size,
                    e.mode,
                    e.owner.as_deref(),
                    e.link_target.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            facts,
            [
                ("etc", "folder", 0, 0o755, Some("root:root"), None),
                ("a|b c", "file", 12, 0o4755, None, None),
                ("to-etc", "link", 0, 0o777, Some("root"), Some("/etc")),
                ("caf\u{FFFD}", "file", 5, 0o644, Some("root:root"), None),
            ]
        );
        assert_eq!(parse_listing(b"0\n\x01").unwrap(), []);
    }

    #[test]
    fn a_listing_it_cannot_be_sure_of_is_left_to_the_archive() {
        // A name with a line break: more lines than entries.
        let broken = b"1\nregular file|1|644|0|0|root|root|1|a\nb\n\x01";
        assert!(parse_listing(broken).is_none());
        // A stat of another make (fewer fields), a link the list does not hold, cut short.
        assert!(parse_listing(b"1\nregular file|1|644|a\n\x01").is_none());
        assert!(parse_listing(b"0\n\x01ghost\0/x\0").is_none());
        assert!(parse_listing(b"2\ndirectory|0|755|0|0|r|r|1|x\n").is_none());
    }

    proptest! {
        #[test]
        fn any_output_never_panics(out in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_listing(&out);
        }
    }
}
