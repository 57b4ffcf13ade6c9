//! Terminals into containers and one-off commands: what is asked, and what comes back.

use serde::{Deserialize, Serialize};
use specta::Type;

/// The shells tried in turn when none is chosen.
pub const SHELLS: [&str; 3] = ["bash", "ash", "sh"];
/// The smallest and largest size a terminal may be given (columns, rows).
pub const TERMINAL_MIN: u16 = 2;
pub const TERMINAL_MAX: u16 = 1000;
/// The most output a one-off command keeps (the rest is said to be cut).
pub const COMMAND_OUTPUT_MAX: usize = 1 << 20;

/// A terminal to open in a container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TerminalRequest {
    /// The shell to run (`bash`, `/bin/zsh`); `None` finds one: bash, then ash, then sh.
    pub shell: Option<String>,
    /// Who it runs as (`root`, `1000:1000`); `None`: the container's user.
    pub user: Option<String>,
    /// Where it starts; `None`: the container's working directory.
    pub working_dir: Option<String>,
    pub cols: u16,
    pub rows: u16,
}

/// What a terminal sends the window, in order, over the terminal's own channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum TerminalEvent {
    /// The terminal's output, text as the terminal shows it (UTF-8 split across reads is
    /// joined; invalid bytes are U+FFFD). `seq` counts from 1, for `terminal_ack`.
    #[serde(rename_all = "camelCase")]
    Output { seq: u32, data: String },
    /// The shell ended: its exit code, or why the session ended.
    #[serde(rename_all = "camelCase")]
    Ended {
        #[specta(type = Option<f64>)]
        code: Option<i64>,
        reason: Option<String>,
    },
}

/// A terminal a window shows: what it runs and where (for its tab or its window's title).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TerminalOpened {
    pub id: u32,
    /// The shell it runs, as found or chosen (`/bin/bash`, `sh`).
    pub shell: String,
    pub container_uuid: String,
    pub container_name: String,
}

/// A one-off command to run in a container, without a terminal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CommandRequest {
    /// The command line, split as a POSIX shell splits words (quotes kept together); run
    /// as is, not through a shell, unless it is the `sh -c` it names.
    pub command: String,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    /// How long it may run before it is stopped ([`COMMAND_SECS_DEFAULT`] when `None`; at
    /// most [`COMMAND_SECS_MAX`]).
    #[serde(default)]
    pub timeout_secs: Option<u32>,
}

/// How long a one-off command may run unless told otherwise, and at most.
pub const COMMAND_SECS_DEFAULT: u32 = 300;
pub const COMMAND_SECS_MAX: u32 = 3600;

/// What a one-off command did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CommandRun {
    #[specta(type = Option<f64>)]
    pub exit_code: Option<i64>,
    /// Its output and errors as they came, as text.
    pub output: String,
    /// More came than is kept ([`COMMAND_OUTPUT_MAX`]).
    pub truncated: bool,
    /// It was still running at its time limit, and was stopped there (its output is what it
    /// wrote until then).
    pub timed_out: bool,
    #[specta(type = f64)]
    pub millis: u64,
}

/// What a download or an upload moved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FileTransfer {
    #[specta(type = f64)]
    pub files: u64,
    #[specta(type = f64)]
    pub folders: u64,
    #[specta(type = f64)]
    pub links: u64,
    #[specta(type = f64)]
    pub bytes: u64,
    /// Devices and pipes, not moved.
    #[specta(type = f64)]
    pub skipped: u64,
    /// Where it now is: the paths written in the chosen folder, or the container's folder.
    pub saved: Vec<String>,
}

/// One entry of a folder in a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DirEntry {
    /// Its name (bytes that are not UTF-8 shown as U+FFFD).
    pub name: String,
    /// `file`, `folder`, `link` or `other` (a device, a pipe).
    pub kind: String,
    #[specta(type = f64)]
    pub size: u64,
    /// Permission bits (`0o755`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// The owner's and group's names, when the archive names them.
    pub owner: Option<String>,
    /// Unix seconds.
    #[specta(type = f64)]
    pub modified: i64,
    pub link_target: Option<String>,
}

/// A folder of a container, as its archive shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DirListing {
    pub path: String,
    /// Folders first, then by name.
    pub entries: Vec<DirEntry>,
    /// The folder holds more than was read (its archive is large): not every entry is here.
    pub partial: bool,
}

/// The start of a file of a container, for a preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FilePreview {
    pub path: String,
    #[specta(type = f64)]
    pub size: u64,
    /// Its text, when it is text (valid UTF-8 without NUL bytes); `None` for binary.
    pub text: Option<String>,
    /// Only its start is shown.
    pub truncated: bool,
}

/// A path in a container as the archive API takes it: absolute, without NUL or newline.
pub fn check_container_path(path: &str) -> Result<&str, String> {
    let path = path.trim();
    if !path.starts_with('/') || path.len() > 4096 || path.chars().any(|c| c == '\0' || c == '\n') {
        return Err(format!(
            "\"{}\" is not a path in the container: give an absolute one, like /etc/hosts",
            path.chars().take(80).collect::<String>()
        ));
    }
    Ok(path)
}

/// A shell name or path the user may choose: a bare name or an absolute path of plain
/// characters (it is passed as an argument, never through a shell, but is shown back).
pub fn check_shell(shell: &str) -> Result<&str, String> {
    let shell = shell.trim();
    let ok = !shell.is_empty()
        && shell.len() <= 200
        && shell
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.' | '+'));
    if ok {
        Ok(shell)
    } else {
        Err(format!(
            "\"{}\" is not a shell: give a name such as bash or a path such as /bin/zsh",
            shell.chars().take(60).collect::<String>()
        ))
    }
}

/// Splits a command line into words as a POSIX shell does for quotes and backslashes (no
/// expansion, no operators: `|` or `>` are words; run `sh -c '…'` for a pipeline): the
/// templates' splitter, with an empty line refused.
pub fn split_command(line: &str) -> Result<Vec<String>, String> {
    let words = crate::templates::words::split_words(line)?;
    if words.is_empty() {
        return Err("the command is empty".into());
    }
    Ok(words)
}

/// Text from a byte stream cut anywhere: `pending` holds the start of a character split
/// across reads until its end comes; invalid bytes become U+FFFD.
pub fn decode_utf8(pending: &mut Vec<u8>, chunk: &[u8]) -> String {
    pending.extend_from_slice(chunk);
    let mut out = String::with_capacity(pending.len());
    let mut rest: &[u8] = pending;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                rest = &[];
                break;
            }
            Err(e) => {
                let (good, after) = rest.split_at(e.valid_up_to());
                // `good` is valid by construction.
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                match e.error_len() {
                    Some(n) => {
                        out.push('\u{FFFD}');
                        rest = &after[n..];
                    }
                    // The end of a character that has not come yet.
                    None => {
                        rest = after;
                        break;
                    }
                }
            }
        }
    }
    let keep = rest.to_vec();
    *pending = keep;
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_command_line_is_split_as_a_shell_splits_it() {
        assert_eq!(
            split_command("echo  hello world").unwrap(),
            ["echo", "hello", "world"]
        );
        assert_eq!(
            split_command(r#"sh -c 'echo $HOME | wc -c' "a \"b\"" c\ d"#).unwrap(),
            ["sh", "-c", "echo $HOME | wc -c", "a \"b\"", "c d"]
        );
        assert_eq!(split_command("''").unwrap(), [""]);
        assert!(split_command("  ").is_err());
        assert!(split_command("echo 'open").is_err());
        assert!(split_command("echo \\").is_err());
    }

    #[test]
    fn shells_are_names_or_paths() {
        assert!(check_shell("bash").is_ok());
        assert!(check_shell("/usr/bin/zsh").is_ok());
        assert!(check_shell("bash; rm -rf /").is_err());
        assert!(check_shell("").is_err());
    }

    #[test]
    fn a_character_split_across_reads_is_joined() {
        let mut pending = Vec::new();
        let text = "é€😀";
        let bytes = text.as_bytes();
        let mut out = decode_utf8(&mut pending, &bytes[..1]);
        assert_eq!(out, "");
        out += &decode_utf8(&mut pending, &bytes[1..4]);
        out += &decode_utf8(&mut pending, &bytes[4..]);
        assert_eq!(out, text);
        assert!(pending.is_empty());
        assert_eq!(decode_utf8(&mut pending, b"a\xffb"), "a\u{FFFD}b");
    }

    proptest! {
        #[test]
        fn any_text_cut_anywhere_decodes_whole(text in "\\PC{0,40}", cuts in proptest::collection::vec(0usize..200, 0..6)) {
            let bytes = text.as_bytes();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.sort_unstable();
            let mut pending = Vec::new();
            let mut out = String::new();
            let mut at = 0;
            for c in cuts.into_iter().chain([bytes.len()]) {
                out += &decode_utf8(&mut pending, &bytes[at..c]);
                at = c;
            }
            prop_assert_eq!(out, text);
            prop_assert!(pending.is_empty());
        }

        #[test]
        fn any_bytes_decode_to_text_without_growing_pending(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut pending = Vec::new();
            let _ = decode_utf8(&mut pending, &bytes);
            prop_assert!(pending.len() <= 3);
        }

        #[test]
        fn any_line_splits_or_is_refused(line in "\\PC{0,60}") {
            if let Ok(words) = split_command(&line) {
                prop_assert!(!words.is_empty());
            }
        }
    }
}
