//! Terminals and one-off commands in a container: an exec created through the API, then
//! attached on a connection of its own (the transport's dialer: socket, TLS or SSH channel)
//! with an HTTP upgrade, read and written as raw bytes (a TTY) or as the engine's frames
//! (a command without one).
//!
//! A terminal's shell is started by a small `sh` script that first says, in an escape
//! sequence the terminal never shows, the shell's process id inside the container and its
//! name (`ESC ] 5379 ; pid ; shell BEL`), then `exec`s it. The reader takes the sequence out
//! of the output; closing the terminal then sends SIGHUP to that process (and its group), as
//! closing a terminal window does: the engine itself leaves an exec's process running when
//! its connection closes.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bollard::models::ExecConfig;
use bollard::query_parameters::ResizeExecOptions;
use bollard::Docker;
use bytes::{Buf, BytesMut};
use futures_util::{FutureExt, StreamExt};
use squirrel_core::model::{CommandRun, TerminalRequest, COMMAND_OUTPUT_MAX, SHELLS};
use squirrel_core::ports::{TerminalControl, TerminalIo};
use squirrel_core::EngineError;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::client::{engine_error, status_error, Engine};
use crate::http::{Dialer, RawIo};

/// The escape sequence's opening: OSC 5379 (a number no terminal uses).
const MARK: &[u8] = b"\x1b]5379;";
/// The most bytes read before the sequence must have come (keys typed ahead are echoed
/// before it).
const MARK_MAX: usize = 4096;
/// How long attaching to an exec may take.
const ATTACH_DEADLINE: Duration = Duration::from_secs(30);
const MAX_HEAD: usize = 16 * 1024;
const READ_SIZE: usize = 64 * 1024;
/// The largest frame a command's output may announce.
const MAX_FRAME: usize = 16 << 20;

/// How long opening a terminal waits for the shell to say its name.
const NAME_WAIT: Duration = Duration::from_secs(5);

/// The script that finds (or takes) the shell, says its pid and name, and becomes it.
fn launcher(shell: Option<&str>) -> Vec<String> {
    let say = r#"printf '\033]5379;%s;%s\007' "$$" "$s""#;
    let script = match shell {
        Some(_) => format!(r#"s="$1"; {say}; exec "$s""#),
        None => format!(
            r#"for s in {}; do if command -v "$s" >/dev/null 2>&1; then {say}; exec "$s"; fi; done; echo "no shell found (tried {})" >&2; exit 127"#,
            SHELLS.join(" "),
            SHELLS.join(", ")
        ),
    };
    let mut argv = vec![
        "/bin/sh".to_string(),
        "-c".into(),
        script,
        "squirrel".into(),
    ];
    argv.extend(shell.map(str::to_string));
    argv
}

/// The request that starts an exec and takes its connection over.
fn start_request(dial: &Dialer, api_version: &str, exec_id: &str, tty: bool) -> Vec<u8> {
    let body = format!("{{\"Detach\":false,\"Tty\":{tty}}}");
    format!(
        "POST /v{api_version}/exec/{exec_id}/start HTTP/1.1\r\nHost: {}\r\nUser-Agent: Squirrel\r\nContent-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: {}\r\n\r\n{body}",
        dial.host,
        body.len()
    )
    .into_bytes()
}

/// Starts the exec on a connection of its own: the connection, and what came after the
/// response head (already output).
async fn attach(
    dial: &Dialer,
    api_version: &str,
    exec_id: &str,
    tty: bool,
) -> Result<(Box<dyn RawIo>, BytesMut), EngineError> {
    let opened = async {
        let mut io = dial.open().await.map_err(|e| {
            EngineError::Unreachable(format!("cannot open a connection for the exec: {e}"))
        })?;
        io.write_all(&start_request(dial, api_version, exec_id, tty))
            .await
            .map_err(|e| lost(&e))?;
        io.flush().await.map_err(|e| lost(&e))?;
        let mut buf = BytesMut::with_capacity(4096);
        loop {
            if let Some((status, length)) = head(&buf)? {
                buf.advance(length);
                if status == 101 || status == 200 {
                    return Ok((io, buf));
                }
                // A refusal: its body, as far as it comes quickly.
                let _ = tokio::time::timeout(Duration::from_secs(2), async {
                    while buf.len() < MAX_HEAD && io.read_buf(&mut buf).await.unwrap_or(0) > 0 {}
                })
                .await;
                let body = String::from_utf8_lossy(&buf);
                let message = serde_json::from_str::<serde_json::Value>(body.trim())
                    .ok()
                    .and_then(|v| v.get("message")?.as_str().map(str::to_string))
                    .unwrap_or_else(|| body.trim().to_string());
                return Err(status_error(status, &message));
            }
            if buf.len() > MAX_HEAD {
                return Err(EngineError::Other(
                    "the engine's answer to the exec has no end".into(),
                ));
            }
            if io.read_buf(&mut buf).await.map_err(|e| lost(&e))? == 0 {
                return Err(EngineError::Unreachable(
                    "the engine closed the connection before it answered the exec".into(),
                ));
            }
        }
    };
    tokio::time::timeout(ATTACH_DEADLINE, opened)
        .await
        .map_err(|_| {
            EngineError::Unreachable(format!(
                "the engine did not start the exec within {} s",
                ATTACH_DEADLINE.as_secs()
            ))
        })?
}

fn lost(e: &io::Error) -> EngineError {
    EngineError::Unreachable(format!("the exec's connection was lost: {e}"))
}

/// A response head at the start of `bytes`: its status and length; `None` until whole.
fn head(bytes: &[u8]) -> Result<Option<(u16, usize)>, EngineError> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(bytes) {
        Ok(httparse::Status::Complete(n)) => Ok(Some((response.code.unwrap_or_default(), n))),
        Ok(httparse::Status::Partial) => Ok(None),
        Err(e) => Err(EngineError::Other(format!(
            "the engine's answer to the exec is not HTTP: {e}"
        ))),
    }
}

/// What the launcher said: the shell's pid in the container, and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Launched {
    pid: u32,
    shell: String,
}

/// Takes the launcher's sequence out of the first bytes of a terminal's output. `Ok(None)`
/// while it may still come; `Ok(Some(..))` once read (the bytes after it stay in `buf`);
/// `Err` with the output as it is when it did not come (no `/bin/sh`, a refusal).
fn take_mark(buf: &mut BytesMut) -> Result<Option<Launched>, ()> {
    // Typed-ahead keys echoed by the terminal may come before it: it is looked for in the
    // first bytes, and what came before it is kept.
    let Some(start) = buf.windows(MARK.len()).position(|w| w == MARK) else {
        return if buf.len() < MARK_MAX {
            Ok(None)
        } else {
            Err(())
        };
    };
    let after = &buf[start + MARK.len()..];
    let Some(end) = after.iter().position(|b| *b == 0x07) else {
        return if buf.len() < start + MARK_MAX {
            Ok(None)
        } else {
            Err(())
        };
    };
    let text = String::from_utf8_lossy(&after[..end]).into_owned();
    let (pid, shell) = text.split_once(';').unwrap_or((&text, ""));
    // Never the container's init (or every process, for -1): only a pid a shell can have.
    let pid = match pid.trim().parse::<u32>() {
        Ok(p) if p > 1 => p,
        _ => return Err(()),
    };
    let launched = Launched {
        pid,
        shell: shell.chars().take(200).collect(),
    };
    let rest = buf.split_off(start + MARK.len() + end + 1);
    buf.truncate(start);
    buf.unsplit(rest);
    Ok(Some(launched))
}

struct Control {
    docker: Docker,
    exec_id: String,
    container: String,
    launched: Arc<Mutex<Option<Launched>>>,
}

impl Control {
    async fn running(&self) -> Option<bool> {
        self.docker.inspect_exec(&self.exec_id).await.ok()?.running
    }

    /// Sends `signal` to the shell's process group and to the shell, from another exec.
    async fn signal(&self, pid: u32, signal: &str) {
        let script = format!(
            "kill -{signal} -- -\"$1\" 2>/dev/null; kill -{signal} \"$1\" 2>/dev/null; true"
        );
        let config = ExecConfig {
            cmd: Some(vec![
                "/bin/sh".into(),
                "-c".into(),
                script,
                "squirrel".into(),
                pid.to_string(),
            ]),
            attach_stdout: Some(false),
            attach_stderr: Some(false),
            user: Some("0".into()),
            ..Default::default()
        };
        let Ok(created) = self.docker.create_exec(&self.container, config).await else {
            return;
        };
        let _ = self
            .docker
            .start_exec(
                &created.id,
                Some(bollard::exec::StartExecOptions {
                    detach: true,
                    ..Default::default()
                }),
            )
            .await;
    }
}

#[async_trait]
impl TerminalControl for Control {
    async fn resize(&self, cols: u16, rows: u16) -> Result<(), EngineError> {
        self.docker
            .resize_exec(
                &self.exec_id,
                ResizeExecOptions {
                    h: i32::from(rows),
                    w: i32::from(cols),
                },
            )
            .await
            .map_err(engine_error)
    }

    async fn end(&self) {
        // A terminal closed right after it opened: its launcher's word may be on its way.
        let mut pid = None;
        for _ in 0..20 {
            pid = self
                .launched
                .lock()
                .ok()
                .and_then(|l| l.as_ref().map(|l| l.pid));
            if pid.is_some() || self.running().await != Some(true) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let Some(pid) = pid else {
            return;
        };
        for signal in ["HUP", "KILL"] {
            if self.running().await != Some(true) {
                return;
            }
            self.signal(pid, signal).await;
            for _ in 0..20 {
                if self.running().await != Some(true) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        tracing::warn!(exec = %self.exec_id, "a terminal's shell outlived SIGKILL");
    }

    async fn exit_code(&self) -> Option<i64> {
        // The engine notes the exit a moment after the stream ends.
        for _ in 0..20 {
            match self.docker.inspect_exec(&self.exec_id).await {
                Ok(i) if i.running == Some(false) => return i.exit_code,
                Ok(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                Err(_) => return None,
            }
        }
        None
    }
}

/// Opens a terminal in the container `id`.
pub(crate) async fn open_terminal(
    engine: &Engine,
    id: &str,
    request: &TerminalRequest,
) -> Result<TerminalIo, EngineError> {
    // Where the transport limits streams, the terminal holds a viewer's slot while it lasts,
    // taken before the shell starts (a shell nobody may read would be left running).
    let permit = match &engine.slots {
        Some(slots) => Some(slots.viewers.clone().try_acquire_owned().map_err(|_| {
            EngineError::Busy(format!(
                "this device already has {} logs and terminals open over {}: close one to open another",
                slots.each, slots.over
            ))
        })?),
        None => None,
    };
    let config = ExecConfig {
        attach_stdin: Some(true),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        tty: Some(true),
        console_size: Some(vec![usize::from(request.rows), usize::from(request.cols)]),
        env: Some(vec!["TERM=xterm-256color".into()]),
        cmd: Some(launcher(request.shell.as_deref())),
        user: request.user.clone(),
        working_dir: request.working_dir.clone(),
        ..Default::default()
    };
    let created = engine
        .docker
        .create_exec(id, config)
        .await
        .map_err(engine_error)?;
    let version = engine.docker.client_version().to_string();
    let (io, first) = attach(&engine.dial, &version, &created.id, true).await?;
    let (read, write) = tokio::io::split(io);
    let launched = Arc::new(Mutex::new(None));
    let control = Arc::new(Control {
        docker: engine.docker.clone(),
        exec_id: created.id.clone(),
        container: id.to_string(),
        launched: launched.clone(),
    });
    // The first bytes until the launcher's sequence; then the output as it comes.
    let output = futures_util::stream::unfold(
        (read_state(read, first), launched.clone()),
        move |(mut state, launched)| async move {
            loop {
                if state.done {
                    let failed = state.failed.take()?;
                    return Some((Err(failed), (state, launched)));
                }
                if state.marked && !state.buf.is_empty() {
                    let out = state.buf.split().freeze().to_vec();
                    return Some((Ok(out), (state, launched)));
                }
                if !state.marked && !state.buf.is_empty() {
                    match take_mark(&mut state.buf) {
                        Ok(Some(l)) => {
                            tracing::debug!(pid = l.pid, shell = %l.shell, "terminal's shell started");
                            if let Ok(mut slot) = launched.lock() {
                                *slot = Some(l);
                            }
                            state.marked = true;
                            continue;
                        }
                        Ok(None) => {}
                        Err(()) => {
                            // No launcher: shown as it is, and said at the end.
                            state.marked = true;
                            state.unlaunched = true;
                            state.said = state.buf[..state.buf.len().min(512)].to_vec();
                            continue;
                        }
                    }
                }
                state.buf.reserve(READ_SIZE);
                match state.read.read_buf(&mut state.buf).await {
                    Ok(0) => {
                        state.done = true;
                        // A shell that never said it started: why, after what it printed.
                        if state.unlaunched || !state.marked {
                            let said = if state.unlaunched {
                                state.said.clone()
                            } else {
                                state.buf.to_vec()
                            };
                            state.failed = Some(unlaunched(&said));
                        }
                        if !state.buf.is_empty() {
                            let out = state.buf.split().freeze().to_vec();
                            return Some((Ok(out), (state, launched)));
                        }
                        let failed = state.failed.take()?;
                        return Some((Err(failed), (state, launched)));
                    }
                    Ok(_) => {
                        // What the connection already holds goes in the same output (a pty
                        // hands over a few KiB a read): fewer, fuller outputs under a flood.
                        while state.buf.len() < READ_SIZE {
                            match state.read.read_buf(&mut state.buf).now_or_never() {
                                Some(Ok(n)) if n > 0 => {}
                                // Nothing more now, the end, or an error: the next read says.
                                _ => break,
                            }
                        }
                    }
                    Err(e) => {
                        state.done = true;
                        return Some((Err(lost(&e)), (state, launched)));
                    }
                }
            }
        },
    );
    let mut output = output
        .map(move |item| {
            let _held = &permit;
            item
        })
        .boxed();
    // The shell's name as the launcher found it comes before its first output (a prompt):
    // waited for a moment, so that the terminal is named after the shell it runs.
    let opening = tokio::time::timeout(NAME_WAIT, output.next())
        .await
        .ok()
        .flatten();
    let found = launched
        .lock()
        .ok()
        .and_then(|l| l.as_ref().map(|l| l.shell.clone()))
        .filter(|s| !s.is_empty());
    let shell = found
        .or_else(|| request.shell.clone())
        .unwrap_or_else(|| SHELLS.join(" or "));
    Ok(TerminalIo {
        output: futures_util::stream::iter(opening).chain(output).boxed(),
        input: Box::new(write),
        control,
        shell,
    })
}

/// Why a terminal's shell did not start, from what the engine printed instead.
fn unlaunched(said: &[u8]) -> EngineError {
    let text = String::from_utf8_lossy(said);
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .chars()
        .take(300)
        .collect::<String>();
    if first.is_empty() || first.contains("/bin/sh") {
        EngineError::NoSuchObject(
            "no shell could start in this container: it has no /bin/sh. Use Run a command with a program it has".into(),
        )
    } else {
        EngineError::BadRequest(format!("the shell could not start: {first}"))
    }
}

struct ReadState {
    read: tokio::io::ReadHalf<Box<dyn RawIo>>,
    buf: BytesMut,
    /// The first bytes of a terminal whose launcher did not run: why, in the engine's words.
    said: Vec<u8>,
    /// Said after the last output, once the connection closed.
    failed: Option<EngineError>,
    marked: bool,
    unlaunched: bool,
    done: bool,
}

fn read_state(read: tokio::io::ReadHalf<Box<dyn RawIo>>, first: BytesMut) -> ReadState {
    ReadState {
        read,
        said: Vec::new(),
        failed: None,
        buf: first,
        marked: false,
        unlaunched: false,
        done: false,
    }
}

/// Moves the whole frames at the start of `buf` (an 8-byte header: stream, 0, 0, 0, length
/// big-endian; then the bytes) into `output`, keeping at most `max` bytes there. `Ok(true)`
/// once something was left out; a frame longer than [`MAX_FRAME`] is not the engine's.
fn take_frames(buf: &mut BytesMut, output: &mut Vec<u8>, max: usize) -> Result<bool, EngineError> {
    let mut cut = false;
    while buf.len() >= 8 {
        let length = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]) as usize;
        if length > MAX_FRAME {
            return Err(EngineError::Other(
                "the command's output is not in the engine's frames".into(),
            ));
        }
        if buf.len() < 8 + length {
            break;
        }
        buf.advance(8);
        let room = max.saturating_sub(output.len());
        cut |= length > room;
        output.extend_from_slice(&buf[..length.min(room)]);
        buf.advance(length);
    }
    Ok(cut)
}

/// What a command run without a terminal gave: its output, whether some was left out, and
/// its exit code (`None` when it was still running at its limit).
pub(crate) struct RawRun {
    pub output: Vec<u8>,
    pub truncated: bool,
    pub exit_code: Option<i64>,
    pub timed_out: bool,
    control: Control,
}

/// A command to run without a terminal.
pub(crate) struct Run<'a> {
    pub argv: &'a [String],
    pub user: Option<&'a str>,
    pub working_dir: Option<&'a str>,
    /// Its errors are read too, as they come among its output.
    pub errors: bool,
    /// The most of its output kept.
    pub max: usize,
    /// Reading stops then (the command is not ended: see [`run_command`]).
    pub limit: Option<Duration>,
}

/// Runs a command in the container `id` without a terminal: its output, cut at its `max`,
/// and its exit code.
pub(crate) async fn run_raw(
    engine: &Engine,
    id: &str,
    run: &Run<'_>,
) -> Result<RawRun, EngineError> {
    let (max, limit) = (run.max, run.limit);
    let config = ExecConfig {
        attach_stdout: Some(true),
        attach_stderr: Some(run.errors),
        tty: Some(false),
        cmd: Some(run.argv.to_vec()),
        user: run.user.map(str::to_string),
        working_dir: run.working_dir.map(str::to_string),
        ..Default::default()
    };
    let created = engine
        .docker
        .create_exec(id, config)
        .await
        .map_err(engine_error)?;
    let version = engine.docker.client_version().to_string();
    let (mut io, mut buf) = attach(&engine.dial, &version, &created.id, false).await?;
    let mut output: Vec<u8> = Vec::new();
    let mut truncated = false;
    let read = async {
        loop {
            if take_frames(&mut buf, &mut output, max)? {
                truncated = true;
            }
            // Full: the connection is let go (the command's next write fails, and it stops).
            if truncated {
                return Ok(());
            }
            buf.reserve(READ_SIZE);
            match io.read_buf(&mut buf).await {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) => return Err(lost(&e)),
            }
        }
    };
    let timed_out = match limit {
        Some(limit) => match tokio::time::timeout(limit, read).await {
            Ok(done) => done.map(|()| false)?,
            Err(_) => true,
        },
        None => read.await.map(|()| false)?,
    };
    let control = Control {
        docker: engine.docker.clone(),
        exec_id: created.id,
        container: id.to_string(),
        launched: Arc::default(),
    };
    let exit_code = if timed_out {
        None
    } else {
        control.exit_code().await
    };
    Ok(RawRun {
        output,
        truncated,
        exit_code,
        timed_out,
        control,
    })
}

/// The script a one-off command starts under where the container has `sh`: it says its pid
/// (in a terminal launcher's sequence), then becomes the command, so that a command still
/// running at its limit can be ended.
fn command_launcher(argv: &[String]) -> Vec<String> {
    let mut launched = vec![
        "/bin/sh".to_string(),
        "-c".into(),
        r#"printf '\033]5379;%s;%s\007' "$$" "$1"; exec "$@""#.into(),
        "squirrel".into(),
    ];
    launched.extend(argv.iter().cloned());
    launched
}

/// Runs `argv` in the container `id` without a terminal: its output (stdout and stderr as
/// they came) as text, cut at [`COMMAND_OUTPUT_MAX`], and its exit code. One still running
/// after `limit` is ended (SIGHUP, then SIGKILL, as a closed terminal's shell) and said so,
/// with what it wrote until then; in a container without `sh` it runs as it is, and is only
/// let go at its limit.
pub(crate) async fn run_command(
    engine: &Engine,
    id: &str,
    argv: &[String],
    user: Option<&str>,
    working_dir: Option<&str>,
    limit: Duration,
) -> Result<CommandRun, EngineError> {
    let launched = command_launcher(argv);
    let mut spec = Run {
        argv: &launched,
        user,
        working_dir,
        errors: true,
        max: COMMAND_OUTPUT_MAX + MARK_MAX,
        limit: Some(limit),
    };
    let mut run = run_raw(engine, id, &spec).await?;
    let mut buf = BytesMut::from(run.output.as_slice());
    let mut output = match take_mark(&mut buf) {
        Ok(Some(said)) => {
            if let Ok(mut slot) = run.control.launched.lock() {
                *slot = Some(said);
            }
            buf.to_vec()
        }
        // No word from the launcher, and the engine's "cannot run it": `sh` could not start,
        // so the command never did. It runs as it is.
        _ if !run.timed_out && matches!(run.exit_code, Some(126 | 127)) => {
            spec.argv = argv;
            run = run_raw(engine, id, &spec).await?;
            std::mem::take(&mut run.output)
        }
        _ => std::mem::take(&mut run.output),
    };
    if run.timed_out {
        run.control.end().await;
    }
    let truncated = run.truncated || output.len() > COMMAND_OUTPUT_MAX;
    output.truncate(COMMAND_OUTPUT_MAX);
    let mut pending = Vec::new();
    let mut text = squirrel_core::model::decode_utf8(&mut pending, &output);
    if !pending.is_empty() {
        text.push('\u{FFFD}');
    }
    Ok(CommandRun {
        exit_code: run.exit_code,
        output: text,
        truncated,
        timed_out: run.timed_out,
        millis: 0,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_launcher_says_the_pid_then_becomes_the_shell() {
        let auto = launcher(None);
        assert_eq!(&auto[..2], ["/bin/sh", "-c"]);
        assert!(auto[2].contains("for s in bash ash sh"));
        assert_eq!(auto.len(), 4);
        // A chosen shell is an argument, never part of the script.
        let chosen = launcher(Some("/bin/zsh; rm -rf /"));
        assert!(!chosen[2].contains("zsh"));
        assert_eq!(chosen[4], "/bin/zsh; rm -rf /");
    }

    #[test]
    fn the_sequence_is_taken_out_of_the_output() {
        let mut buf = BytesMut::from(&b"\x1b]5379;42;bash\x07root@c:/# "[..]);
        let l = take_mark(&mut buf).unwrap().unwrap();
        assert_eq!((l.pid, l.shell.as_str()), (42, "bash"));
        assert_eq!(&buf[..], b"root@c:/# ");
        // After typed-ahead keys the terminal echoed: those are kept.
        let mut typed = BytesMut::from(&b"exit 3\r\n\x1b]5379;7;sh\x07$ "[..]);
        assert_eq!(take_mark(&mut typed).unwrap().unwrap().pid, 7);
        assert_eq!(&typed[..], b"exit 3\r\n$ ");
        // Cut before its end: waits.
        let mut part = BytesMut::from(&b"\x1b]5379;4"[..]);
        assert_eq!(take_mark(&mut part), Ok(None));
        let mut start = BytesMut::from(&b"\x1b]53"[..]);
        assert_eq!(take_mark(&mut start), Ok(None));
        // A pid no shell has (init, or every process for -1): not believed.
        let mut init = BytesMut::from(&b"\x1b]5379;1;sh\x07"[..]);
        assert_eq!(take_mark(&mut init), Err(()));
        // A lot without it: it will not come.
        let mut other = BytesMut::from(&[b'x'; MARK_MAX][..]);
        assert_eq!(take_mark(&mut other), Err(()));
    }

    #[test]
    fn a_shell_that_did_not_start_is_said_in_the_engine_s_words() {
        let e = unlaunched(b"unable to find user nobody: no matching entries in passwd file\r\n");
        assert_eq!(e.to_string(), "the shell could not start: unable to find user nobody: no matching entries in passwd file");
        let e = unlaunched(b"OCI runtime exec failed: exec failed: unable to start container process: exec: \"/bin/sh\": stat /bin/sh: no such file or directory: unknown\r\n");
        assert!(e.to_string().contains("it has no /bin/sh"), "{e}");
    }

    #[test]
    fn frames_are_joined_in_order_and_cut_at_the_most_kept() {
        let frame = |stream: u8, data: &[u8]| {
            let mut f = vec![stream, 0, 0, 0];
            f.extend_from_slice(&(data.len() as u32).to_be_bytes());
            f.extend_from_slice(data);
            f
        };
        let mut buf = BytesMut::new();
        buf.extend_from_slice(&frame(1, b"out\n"));
        buf.extend_from_slice(&frame(2, b"err\n"));
        buf.extend_from_slice(&frame(1, b"par")[..6]);
        let mut output = Vec::new();
        assert_eq!(take_frames(&mut buf, &mut output, 100), Ok(false));
        assert_eq!(output, b"out\nerr\n");
        assert_eq!(buf.len(), 6, "a frame cut short waits for its end");
        let mut small = Vec::new();
        let mut more = BytesMut::from(&frame(1, b"0123456789")[..]);
        assert_eq!(take_frames(&mut more, &mut small, 4), Ok(true));
        assert_eq!(small, b"0123");
    }

    proptest! {
        /// Whatever the engine sends: frames read, a wait for more, or refused; never more
        /// kept than allowed, never a panic.
        #[test]
        fn any_bytes_are_frames_a_wait_or_refused(bytes in proptest::collection::vec(any::<u8>(), 0..200), max in 0usize..64) {
            let mut buf = BytesMut::from(&bytes[..]);
            let mut output = Vec::new();
            if take_frames(&mut buf, &mut output, max).is_ok() {
                prop_assert!(output.len() <= max);
                prop_assert!(buf.len() < 8 || buf.len() < 8 + u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]) as usize);
            }
        }

        #[test]
        fn any_first_bytes_are_a_mark_a_wait_or_output(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut buf = BytesMut::from(&bytes[..]);
            let len = buf.len();
            match take_mark(&mut buf) {
                Ok(Some(_)) => prop_assert!(buf.len() < len),
                Ok(None) => prop_assert!(len < MARK_MAX),
                Err(()) => prop_assert_eq!(buf.len(), len),
            }
        }
    }
}
