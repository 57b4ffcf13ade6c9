//! Writing what a container gave as a tar archive (the engine's archive API) into a folder
//! the user chose, and nowhere else. Every entry's path must stay inside: an absolute path,
//! a `..`, a link pointing out of the folder, or a file written through a link is refused,
//! named in the error, and nothing of the archive is left behind. Entries are written into a
//! hidden folder beside them first and moved into place once all were written; a name that
//! is already in the folder is not replaced.

use std::ffi::OsStr;
use std::fs;
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    pub files: u64,
    pub dirs: u64,
    pub links: u64,
    pub bytes: u64,
    /// Devices and pipes are not written: how many were left out.
    pub skipped: u64,
    /// What now stands in the folder, at its top.
    pub top: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExtractError {
    /// An entry that would reach outside the folder: the whole archive is refused.
    #[error("the archive's entry \"{entry}\" {why}: nothing of the download was kept. Save it as a .tar archive instead")]
    Unsafe { entry: String, why: String },
    #[error("\"{0}\" is already in the folder: choose another folder, or move it away first")]
    Exists(String),
    #[error("{0}")]
    Io(String),
}

fn shown(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(200).collect()
}

fn io_error(what: &str, e: &io::Error) -> ExtractError {
    ExtractError::Io(format!("{what}: {e}"))
}

/// An entry's path as a path inside the folder, or why it is not one.
pub fn inside(bytes: &[u8]) -> Result<PathBuf, String> {
    let path = Path::new(OsStr::from_bytes(bytes));
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err("goes up out of the folder (..)".into()),
            Component::RootDir | Component::Prefix(_) => return Err("is an absolute path".into()),
        }
    }
    Ok(out)
}

/// Where a symbolic link at `at` (inside the folder) points, as a path inside the folder;
/// `Err` when it leads out of it.
fn link_inside(at: &Path, target: &[u8]) -> Result<PathBuf, String> {
    let target = Path::new(OsStr::from_bytes(target));
    let mut out: Vec<&OsStr> = at.parent().map(|p| p.iter().collect()).unwrap_or_default();
    // A `..` after a name would be taken after following that name, which may itself be a
    // link: only leading `..`s (out of the link's own folders, which are real folders) are
    // counted.
    let mut named = false;
    for c in target.components() {
        match c {
            Component::Normal(part) => {
                named = true;
                out.push(part);
            }
            Component::CurDir => {}
            Component::ParentDir if named => {
                return Err(format!(
                    "is a link to {} , which goes back up after a name (it could lead out of the folder)",
                    target.display()
                ))
            }
            Component::ParentDir => {
                if out.pop().is_none() {
                    return Err(format!(
                        "is a link to {} , outside the folder",
                        target.display()
                    ));
                }
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "is a link to the absolute path {}, outside the folder",
                    target.display()
                ))
            }
        }
    }
    Ok(out.iter().collect())
}

/// Refuses a path whose folders below `root` include a link (a write would go through it).
fn no_link_on_the_way(root: &Path, rel: &Path) -> Result<(), String> {
    let mut at = root.to_path_buf();
    let parts: Vec<_> = rel.components().collect();
    for part in parts.iter().take(parts.len().saturating_sub(1)) {
        at.push(part);
        if let Ok(meta) = fs::symlink_metadata(&at) {
            if meta.file_type().is_symlink() {
                return Err(format!(
                    "would be written through the link {}",
                    at.strip_prefix(root).unwrap_or(&at).display()
                ));
            }
        }
    }
    Ok(())
}

/// Writes the archive read from `reader` into `dest`, safely (see the module's note).
pub fn extract_safely<R: Read>(reader: R, dest: &Path) -> Result<Extracted, ExtractError> {
    if !dest.is_dir() {
        return Err(ExtractError::Io(format!(
            "{} is not a folder",
            dest.display()
        )));
    }
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let staging = dest.join(format!(".squirrel-download-{}-{stamp}", std::process::id()));
    fs::create_dir(&staging)
        .map_err(|e| io_error("the download cannot start in that folder", &e))?;
    let result = write_all(reader, &staging).and_then(|mut done| {
        move_into_place(&staging, dest, &mut done)?;
        Ok(done)
    });
    let _ = fs::remove_dir_all(&staging);
    result
}

fn write_all<R: Read>(reader: R, staging: &Path) -> Result<Extracted, ExtractError> {
    let mut archive = tar::Archive::new(reader);
    let mut done = Extracted::default();
    let mut chunk = vec![0u8; 256 * 1024];
    let entries = archive
        .entries()
        .map_err(|e| io_error("the archive cannot be read", &e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| io_error("the archive cannot be read", &e))?;
        let raw = entry.path_bytes().into_owned();
        let refuse = |why: String| ExtractError::Unsafe {
            entry: shown(&raw),
            why,
        };
        let rel = inside(&raw).map_err(refuse)?;
        if rel.as_os_str().is_empty() {
            continue;
        }
        no_link_on_the_way(staging, &rel).map_err(refuse)?;
        let target = staging.join(&rel);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| io_error("a folder cannot be made", &e))?;
        }
        // Never writable by others, never set-id: what the user keeps is theirs.
        let mode = entry.header().mode().unwrap_or(0o644) & 0o755;
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            if fs::symlink_metadata(&target).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(refuse(
                    "is a folder where a link of the same name already is".into(),
                ));
            }
            fs::create_dir_all(&target).map_err(|e| io_error("a folder cannot be made", &e))?;
            let _ =
                fs::set_permissions(&target, fs::Permissions::from_mode((mode & 0o755) | 0o700));
            done.dirs += 1;
        } else if kind.is_file() {
            if fs::symlink_metadata(&target).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(refuse(
                    "would be written through a link of the same name".into(),
                ));
            }
            let mut file = fs::File::create(&target)
                .map_err(|e| io_error(&format!("{} cannot be written", rel.display()), &e))?;
            done.bytes += copy_large(&mut entry, &mut file, &mut chunk)
                .map_err(|e| io_error(&format!("{} cannot be written", rel.display()), &e))?;
            let _ = fs::set_permissions(&target, fs::Permissions::from_mode(mode));
            done.files += 1;
        } else if kind.is_symlink() {
            let link = entry
                .link_name_bytes()
                .map(|l| l.into_owned())
                .ok_or_else(|| refuse("is a link without a target".into()))?;
            link_inside(&rel, &link).map_err(refuse)?;
            let _ = fs::remove_file(&target);
            std::os::unix::fs::symlink(OsStr::from_bytes(&link), &target)
                .map_err(|e| io_error(&format!("the link {} cannot be made", rel.display()), &e))?;
            done.links += 1;
        } else if kind.is_hard_link() {
            let link = entry
                .link_name_bytes()
                .map(|l| l.into_owned())
                .ok_or_else(|| refuse("is a link without a target".into()))?;
            let source =
                inside(&link).map_err(|why| refuse(format!("links to an entry that {why}")))?;
            no_link_on_the_way(staging, &source).map_err(refuse)?;
            let source = staging.join(source);
            if !fs::symlink_metadata(&source).is_ok_and(|m| m.is_file()) {
                return Err(refuse(
                    "links to a file the archive did not hold before it".into(),
                ));
            }
            let _ = fs::remove_file(&target);
            fs::hard_link(&source, &target)
                .map_err(|e| io_error(&format!("the link {} cannot be made", rel.display()), &e))?;
            done.links += 1;
        } else {
            // Devices, pipes, sockets: nothing a download needs.
            done.skipped += 1;
        }
    }
    Ok(done)
}

/// Copies in large reads and writes (a file of gigabytes in 8 KiB pieces costs more than
/// the copy itself).
fn copy_large(from: &mut impl Read, to: &mut fs::File, chunk: &mut [u8]) -> io::Result<u64> {
    let mut total = 0u64;
    loop {
        let mut filled = 0;
        while filled < chunk.len() {
            match from.read(&mut chunk[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if filled == 0 {
            return Ok(total);
        }
        io::Write::write_all(to, &chunk[..filled])?;
        total += filled as u64;
    }
}

/// Moves `from` to `to`, never over something at `to`, even one that appeared after the
/// look for it: a file or link gets its new name as a second name (refused where one is)
/// and loses the old; a folder is renamed (refused over a file or a folder with anything
/// in it). A file system without second names (FAT) gets a rename after a last look.
fn place(from: &Path, to: &Path) -> io::Result<()> {
    if fs::symlink_metadata(from)?.is_dir() {
        // Over a folder with something in it, or a file: something is there.
        return fs::rename(from, to).map_err(|e| match e.kind() {
            io::ErrorKind::DirectoryNotEmpty | io::ErrorKind::NotADirectory => {
                io::Error::from(io::ErrorKind::AlreadyExists)
            }
            _ => e,
        });
    }
    match fs::hard_link(from, to) {
        Ok(()) => fs::remove_file(from),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(e),
        Err(_) if fs::symlink_metadata(to).is_ok() => {
            Err(io::Error::from(io::ErrorKind::AlreadyExists))
        }
        Err(_) => fs::rename(from, to),
    }
}

/// Moves what was written into the folder, once nothing there would be replaced.
fn move_into_place(staging: &Path, dest: &Path, done: &mut Extracted) -> Result<(), ExtractError> {
    let mut names = Vec::new();
    for item in
        fs::read_dir(staging).map_err(|e| io_error("the download cannot be read back", &e))?
    {
        let item = item.map_err(|e| io_error("the download cannot be read back", &e))?;
        let name = item.file_name();
        if fs::symlink_metadata(dest.join(&name)).is_ok() {
            return Err(ExtractError::Exists(name.to_string_lossy().into_owned()));
        }
        names.push(name);
    }
    for name in names {
        if let Err(e) = place(&staging.join(&name), &dest.join(&name)) {
            if e.kind() == io::ErrorKind::AlreadyExists {
                // It appeared meanwhile: kept, and said, as one there from the start.
                for moved in done.top.drain(..) {
                    if let Some(back) = moved.file_name() {
                        let _ = fs::rename(&moved, staging.join(back));
                    }
                }
                return Err(ExtractError::Exists(name.to_string_lossy().into_owned()));
            }
            // What was moved goes back: nothing of a failed download stays.
            for moved in done.top.drain(..) {
                if let Some(back) = moved.file_name() {
                    let _ = fs::rename(&moved, staging.join(back));
                }
            }
            return Err(io_error("the download cannot be moved into place", &e));
        }
        done.top.push(dest.join(name));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    /// An archive entry written byte for byte, as a hostile archive would (the `tar` crate's
    /// builder refuses such paths).
    fn entry(out: &mut Vec<u8>, name: &[u8], kind: tar::EntryType, data: &[u8], link: &[u8]) {
        let mut h = tar::Header::new_ustar();
        {
            let old = h.as_old_mut();
            old.name[..name.len()].copy_from_slice(name);
            old.linkname[..link.len()].copy_from_slice(link);
        }
        h.set_entry_type(kind);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }

    fn finish(mut out: Vec<u8>) -> Vec<u8> {
        out.extend_from_slice(&[0; 1024]);
        out
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut all = Vec::new();
        for e in fs::read_dir(dir).unwrap() {
            all.push(e.unwrap().file_name().to_string_lossy().into_owned());
        }
        all.sort();
        all
    }

    #[test]
    fn a_tree_with_links_odd_names_and_a_hard_link_is_written_whole() {
        let mut t = Vec::new();
        entry(&mut t, b"app/", tar::EntryType::Directory, b"", b"");
        entry(
            &mut t,
            b"app/with space.txt",
            tar::EntryType::Regular,
            b"hello",
            b"",
        );
        entry(
            &mut t,
            b"app/latin1-\xe9t\xe9",
            tar::EntryType::Regular,
            b"bytes",
            b"",
        );
        entry(&mut t, b"app/sub/", tar::EntryType::Directory, b"", b"");
        entry(
            &mut t,
            b"app/sub/up",
            tar::EntryType::Symlink,
            b"",
            b"../with space.txt",
        );
        entry(
            &mut t,
            b"app/same",
            tar::EntryType::Link,
            b"",
            b"app/with space.txt",
        );
        entry(&mut t, b"app/null", tar::EntryType::Char, b"", b"");
        let dir = tempfile::tempdir().unwrap();
        let done = extract_safely(&finish(t)[..], dir.path()).unwrap();
        assert_eq!(
            (done.files, done.dirs, done.links, done.skipped, done.bytes),
            (2, 2, 2, 1, 10)
        );
        assert_eq!(
            listing(dir.path()),
            ["app"],
            "nothing else left in the folder"
        );
        let app = dir.path().join("app");
        assert_eq!(fs::read(app.join("sub/up")).unwrap(), b"hello");
        assert_eq!(fs::read(app.join("same")).unwrap(), b"hello");
        assert_eq!(
            fs::read(app.join(OsStr::from_bytes(b"latin1-\xe9t\xe9"))).unwrap(),
            b"bytes"
        );
        // Written again into the same folder: refused, nothing replaced.
        let mut again = Vec::new();
        entry(&mut again, b"app/other", tar::EntryType::Regular, b"x", b"");
        let e = extract_safely(&finish(again)[..], dir.path()).unwrap_err();
        assert_eq!(e, ExtractError::Exists("app".into()));
        assert!(!app.join("other").exists());
        assert_eq!(listing(dir.path()), ["app"]);
    }

    #[test]
    fn placing_never_replaces_what_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("new"), dir.path().join("old"));
        fs::write(&from, b"new").unwrap();
        fs::write(&to, b"old").unwrap();
        let refused = place(&from, &to).unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&to).unwrap(), b"old");
        assert_eq!(fs::read(&from).unwrap(), b"new");
        // A link is placed as the link, over nothing.
        std::os::unix::fs::symlink("old", dir.path().join("link")).unwrap();
        place(&dir.path().join("link"), &dir.path().join("moved")).unwrap();
        assert_eq!(
            fs::read_link(dir.path().join("moved")).unwrap(),
            Path::new("old")
        );
        assert!(fs::symlink_metadata(dir.path().join("link")).is_err());
        // A folder goes over nothing, never over a folder with something in it.
        fs::create_dir_all(dir.path().join("a/inside")).unwrap();
        fs::create_dir_all(dir.path().join("b/kept")).unwrap();
        assert_eq!(
            place(&dir.path().join("a"), &dir.path().join("b"))
                .unwrap_err()
                .kind(),
            io::ErrorKind::AlreadyExists
        );
        assert!(dir.path().join("b/kept").is_dir());
        place(&from, &dir.path().join("fresh")).unwrap();
        assert_eq!(fs::read(dir.path().join("fresh")).unwrap(), b"new");
        assert!(!from.exists());
    }

    #[test]
    fn entries_that_reach_out_are_refused_by_name_and_nothing_is_kept() {
        type Entries<'a> = Vec<(&'a [u8], tar::EntryType, &'a [u8])>;
        let cases: Vec<(Entries, &str)> = vec![
            (vec![(b"../evil", tar::EntryType::Regular, b"")], "../evil"),
            (
                vec![(b"ok/../../evil", tar::EntryType::Regular, b"")],
                "ok/../../evil",
            ),
            (
                vec![(b"/etc/evil", tar::EntryType::Regular, b"")],
                "/etc/evil",
            ),
            (vec![(b"out", tar::EntryType::Symlink, b"../../etc")], "out"),
            (vec![(b"abs", tar::EntryType::Symlink, b"/etc")], "abs"),
            // A link that stays inside, then a file written through a link that does not.
            (
                vec![
                    (b"d/", tar::EntryType::Directory, b""),
                    (b"d/l", tar::EntryType::Symlink, b".."),
                    (b"d/l/x", tar::EntryType::Regular, b""),
                ],
                "d/l/x",
            ),
            (
                vec![(b"hard", tar::EntryType::Link, b"../../etc/passwd")],
                "hard",
            ),
        ];
        for (entries, named) in cases {
            let outer = tempfile::tempdir().unwrap();
            let dest = outer.path().join("chosen");
            fs::create_dir(&dest).unwrap();
            let mut t = Vec::new();
            entry(&mut t, b"first.txt", tar::EntryType::Regular, b"kept?", b"");
            for (name, kind, link) in entries {
                entry(&mut t, name, kind, b"", link);
            }
            let e = extract_safely(&finish(t)[..], &dest).unwrap_err();
            match &e {
                ExtractError::Unsafe { entry, .. } => assert_eq!(entry, named, "{e}"),
                other => panic!("{named}: {other}"),
            }
            assert!(e.to_string().contains(named), "{e}");
            assert_eq!(
                listing(&dest),
                Vec::<String>::new(),
                "{named}: nothing kept"
            );
            assert_eq!(
                listing(outer.path()),
                ["chosen"],
                "{named}: nothing outside"
            );
        }
    }

    proptest! {
        /// Whatever an archive's names and link targets: written inside the folder, or
        /// refused with nothing kept; never a file outside it.
        #[test]
        fn no_archive_writes_outside_the_folder(
            items in proptest::collection::vec((
                prop_oneof![Just(b"..".to_vec()), Just(b"/".to_vec()), Just(b"a".to_vec()), Just(b"b/".to_vec()), Just(b"./".to_vec()), "[a-c./]{1,8}".prop_map(|s| s.into_bytes())],
                0u8..4,
                prop_oneof![Just(b"../x".to_vec()), Just(b"/x".to_vec()), Just(b"a".to_vec()), "[a-c./]{1,6}".prop_map(|s| s.into_bytes())],
            ), 1..6)
        ) {
            let outer = tempfile::tempdir().unwrap();
            let dest = outer.path().join("chosen");
            fs::create_dir(&dest).unwrap();
            let mut t = Vec::new();
            for (name, kind, link) in &items {
                let kind = match kind { 0 => tar::EntryType::Regular, 1 => tar::EntryType::Directory, 2 => tar::EntryType::Symlink, _ => tar::EntryType::Link };
                let name = &name[..name.len().min(99)];
                entry(&mut t, name, kind, b"data", &link[..link.len().min(99)]);
            }
            let modes = || (fs::metadata(outer.path()).unwrap().permissions().mode(), fs::metadata(&dest).unwrap().permissions().mode());
            let before = modes();
            let result = extract_safely(&finish(t)[..], &dest);
            prop_assert_eq!(listing(outer.path()), vec!["chosen".to_string()]);
            // Nothing outside was changed either (a folder entry through a link would chmod it).
            prop_assert_eq!(modes(), before);
            if result.is_err() {
                prop_assert_eq!(listing(&dest), Vec::<String>::new());
            }
        }
    }
}
