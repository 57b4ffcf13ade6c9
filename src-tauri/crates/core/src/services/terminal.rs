//! Terminals into containers and one-off commands. Each terminal's output goes to its own
//! sink (the window's channel for that terminal), never to the event bus, at the pace the
//! window shows it: at most [`WINDOW`] outputs unacknowledged before reading the engine
//! waits. Closing a terminal ends its shell in the container.
//!
//! Each terminal belongs to one window (its label). A window may give one to another (a
//! terminal popped out into its own window): the new window attaches with its own sink and
//! is shown the terminal's last output first. A window that loads its page anew or closes
//! ends the terminals it showed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::error::{CoreError, CoreResult};
use crate::model::{
    check_shell, decode_utf8, split_command, CommandRequest, CommandRun, ContainerState,
    TerminalEvent, TerminalOpened, TerminalRequest, COMMAND_SECS_DEFAULT, COMMAND_SECS_MAX,
    TERMINAL_MAX, TERMINAL_MIN,
};
use crate::ports::TerminalControl;
use crate::services::containers::refuse_unless;
use crate::services::ContainerService;

/// Where a terminal's events go; `false` when nobody listens any more (the terminal ends).
pub type TerminalSink = Arc<dyn Fn(TerminalEvent) -> bool + Send + Sync>;

/// Outputs sent and not yet shown before the engine is read again (each at most 64 KiB:
/// a flood holds at most 2 MiB between the engine and the screen).
pub const WINDOW: u32 = 32;
/// The most one output carries.
const READ_MAX: usize = 64 * 1024;
/// The most a terminal's input waits to be written (a paste of a few MiB is refused in parts).
const INPUT_MAX: usize = 1 << 20;
/// How long opening a terminal may take before it is given up (longer than the engine
/// adapter's own deadline for attaching, which ends a late shell itself).
const OPEN_DEADLINE: Duration = Duration::from_secs(45);
/// The most of a terminal's last output a window taking it over is shown.
const RECENT_MAX: usize = 256 * 1024;
/// How long past its own limit a one-off command is waited for (the engine stops it at its
/// limit; this is for an engine that does not answer then).
const COMMAND_GRACE: Duration = Duration::from_secs(30);

/// Where a terminal's output goes now, and what of it a window taking it over is shown.
struct Output {
    sink: TerminalSink,
    /// The last output sent (at most [`RECENT_MAX`]), from a line's start where it can.
    recent: String,
    /// The last output's number.
    seq: u32,
}

impl Output {
    fn keep(&mut self, data: &str) {
        self.recent.push_str(data);
        if self.recent.len() > RECENT_MAX {
            let mut cut = self.recent.len() - RECENT_MAX;
            while !self.recent.is_char_boundary(cut) {
                cut += 1;
            }
            // From the next line on, where one starts soon after (a screen redraws anyway).
            if let Some(nl) = self.recent[cut..].find('\n').filter(|&n| n < 4096) {
                cut += nl + 1;
            }
            self.recent.drain(..cut);
        }
    }
}

struct Session {
    input: mpsc::Sender<Vec<u8>>,
    control: Arc<dyn TerminalControl>,
    acked: watch::Sender<u32>,
    tasks: Vec<JoinHandle<()>>,
    output: Arc<Mutex<Output>>,
    /// The window showing it (its label).
    owner: String,
    /// Its owner's page shows it; not yet between a move and the new window's attach.
    attached: bool,
    /// Between a move and the attach: the window it came from and its sink, to go back to
    /// if the new window cannot open.
    given_from: Option<(String, TerminalSink)>,
    opened: TerminalOpened,
}

pub struct TerminalService {
    containers: Arc<ContainerService>,
    sessions: Arc<Mutex<HashMap<u32, Session>>>,
    next: AtomicU32,
    /// Per window, bumped when its page loads anew or it closes: a terminal that was still
    /// opening for it then has nobody to show it, and ends.
    generations: Mutex<HashMap<String, u64>>,
}

fn size(v: u16) -> u16 {
    v.clamp(TERMINAL_MIN, TERMINAL_MAX)
}

fn optional(text: &Option<String>, what: &str) -> CoreResult<Option<String>> {
    match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) if t.len() > 256 || t.chars().any(char::is_control) => {
            Err(CoreError::InvalidInput(format!(
                "the {what} is too long or holds control characters"
            )))
        }
        Some(t) => Ok(Some(t.to_string())),
    }
}

fn ended() -> CoreError {
    CoreError::InvalidInput("the terminal has ended".into())
}

impl TerminalService {
    pub fn new(containers: Arc<ContainerService>) -> Self {
        Self {
            containers,
            sessions: Arc::default(),
            next: AtomicU32::new(1),
            generations: Mutex::default(),
        }
    }

    fn generation(&self, owner: &str) -> u64 {
        self.generations
            .lock()
            .map(|g| g.get(owner).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// The container, if it can take a terminal now.
    async fn running(&self, uuid: &str) -> CoreResult<crate::model::Container> {
        let c = self.containers.get(uuid).await?;
        refuse_unless(&c, c.kind.capabilities().terminal, "entered")?;
        if c.state != ContainerState::Running {
            return Err(CoreError::InvalidInput(format!(
                "{} is {}: a terminal or a command runs only in a running container. Start it first.",
                c.name,
                c.state.as_str()
            )));
        }
        Ok(c)
    }

    /// Opens a terminal in a running container for the window `owner`; its output goes to
    /// `sink`.
    pub async fn open(
        &self,
        container_uuid: &str,
        mut request: TerminalRequest,
        owner: &str,
        sink: TerminalSink,
    ) -> CoreResult<TerminalOpened> {
        if let Some(shell) = request.shell.as_deref().filter(|s| !s.trim().is_empty()) {
            request.shell = Some(
                check_shell(shell)
                    .map_err(CoreError::InvalidInput)?
                    .to_string(),
            );
        } else {
            request.shell = None;
        }
        request.user = optional(&request.user, "user")?;
        request.working_dir = optional(&request.working_dir, "working directory")?;
        request.cols = size(request.cols);
        request.rows = size(request.rows);
        let generation = self.generation(owner);
        let c = self.running(container_uuid).await?;
        let rt = self.containers.runtime_for(&c).await?;
        let io = tokio::time::timeout(OPEN_DEADLINE, rt.open_terminal(&c.engine_id, &request))
            .await
            .map_err(|_| {
                CoreError::Engine(crate::EngineError::Unreachable(format!(
                    "the engine did not open the terminal within {} s",
                    OPEN_DEADLINE.as_secs()
                )))
            })??;
        if self.generation(owner) != generation {
            io.control.end().await;
            return Err(CoreError::InvalidInput(
                "the window was reloaded while the terminal opened: open it again".into(),
            ));
        }
        tracing::info!(container = %c.name, shell = %io.shell, "terminal opened");
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let opened = TerminalOpened {
            id,
            shell: io.shell.clone(),
            container_uuid: c.uuid.clone(),
            container_name: c.name.clone(),
        };
        let (acked, mut acks) = watch::channel(0u32);
        let (input, mut typed) = mpsc::channel::<Vec<u8>>(64);
        let output = Arc::new(Mutex::new(Output {
            sink,
            recent: String::new(),
            seq: 0,
        }));
        // In the map before its tasks run, so that an end at once finds it to remove.
        if let Ok(mut all) = self.sessions.lock() {
            all.insert(
                id,
                Session {
                    input,
                    control: io.control.clone(),
                    acked,
                    tasks: Vec::new(),
                    output: output.clone(),
                    owner: owner.to_string(),
                    attached: true,
                    given_from: None,
                    opened: opened.clone(),
                },
            );
        }
        let mut writer = io.input;
        let write_task = tokio::spawn(async move {
            while let Some(bytes) = typed.recv().await {
                if writer.write_all(&bytes).await.is_err() || writer.flush().await.is_err() {
                    break;
                }
            }
            let _ = writer.shutdown().await;
        });
        let sessions = self.sessions.clone();
        let mut engine = io.output;
        let read_control = io.control.clone();
        let read_task = tokio::spawn(async move {
            let mut pending = Vec::new();
            let mut reason = None;
            let sent = |output: &Mutex<Output>| output.lock().map(|o| o.seq).unwrap_or(u32::MAX);
            loop {
                // Wait while the window has not shown enough of what was sent.
                while sent(&output).saturating_sub(*acks.borrow()) >= WINDOW {
                    if acks.changed().await.is_err() {
                        return;
                    }
                }
                match engine.next().await {
                    Some(Ok(bytes)) => {
                        for part in bytes.chunks(READ_MAX) {
                            let data = decode_utf8(&mut pending, part);
                            if data.is_empty() {
                                continue;
                            }
                            // Under the lock: a window taking the terminal over meanwhile
                            // gets this in what it is shown first, or after it, never twice.
                            let delivered = output.lock().is_ok_and(|mut out| {
                                out.seq += 1;
                                out.keep(&data);
                                let seq = out.seq;
                                (out.sink)(TerminalEvent::Output { seq, data })
                            });
                            if !delivered {
                                // The window is gone: the terminal ends with it.
                                read_control.end().await;
                                sessions.lock().map(|mut s| s.remove(&id)).ok();
                                return;
                            }
                        }
                    }
                    Some(Err(e)) => {
                        reason = Some(e.to_string());
                        break;
                    }
                    None => break,
                }
            }
            let code = read_control.exit_code().await;
            // Said and removed under the sessions' lock: a window attaching meanwhile either
            // gets the end, or finds the terminal gone.
            if let Ok(mut all) = sessions.lock() {
                if let Ok(out) = output.lock() {
                    let _ = (out.sink)(TerminalEvent::Ended { code, reason });
                }
                all.remove(&id);
            }
        });
        if let Ok(mut all) = self.sessions.lock() {
            // Not there when it already ended (the shell exited at once): its tasks end by
            // themselves.
            if let Some(session) = all.get_mut(&id) {
                session.tasks = vec![read_task, write_task];
            }
        }
        Ok(opened)
    }

    /// Gives a terminal to the window `owner` (one of its own, about to open): until that
    /// window attaches, output waits for it and the window it leaves gets nothing more.
    /// Only the window showing it may give it (once: a terminal on its way is not given
    /// again).
    pub fn move_to(&self, id: u32, from: &str, owner: &str) -> CoreResult<TerminalOpened> {
        let mut all = self.sessions.lock().map_err(|_| ended())?;
        let session = all
            .get_mut(&id)
            .filter(|s| s.owner == from && s.attached)
            .ok_or_else(|| {
                CoreError::InvalidInput(
                    "this terminal has ended, or is not this window's to give".into(),
                )
            })?;
        let parked: TerminalSink = Arc::new(|_| true);
        let previous = match session.output.lock() {
            Ok(mut out) => std::mem::replace(&mut out.sink, parked),
            Err(_) => return Err(ended()),
        };
        session.given_from = Some((
            std::mem::replace(&mut session.owner, owner.to_string()),
            previous,
        ));
        session.attached = false;
        Ok(session.opened.clone())
    }

    /// The window a terminal was given to could not open: it goes back to the window it
    /// came from, as it was (what came meanwhile is in what that window is sent next).
    pub fn move_back(&self, id: u32) {
        let Ok(mut all) = self.sessions.lock() else {
            return;
        };
        if let Some(session) = all.get_mut(&id) {
            if let Some((owner, sink)) = session.given_from.take() {
                if let Ok(mut out) = session.output.lock() {
                    out.sink = sink;
                }
                session.owner = owner;
                session.attached = true;
            }
        }
    }

    /// The window `owner` shows a terminal given to it: `sink` gets what the terminal showed
    /// last (up to [`RECENT_MAX`]) and then everything after it.
    pub fn attach(&self, id: u32, owner: &str, sink: TerminalSink) -> CoreResult<TerminalOpened> {
        let mut all = self.sessions.lock().map_err(|_| ended())?;
        let session = all
            .get_mut(&id)
            .filter(|s| s.owner == owner)
            .ok_or_else(|| {
                CoreError::InvalidInput(
                    "this terminal has ended, or was not given to this window".into(),
                )
            })?;
        {
            let mut out = session.output.lock().map_err(|_| ended())?;
            if !out.recent.is_empty() {
                let replay = TerminalEvent::Output {
                    seq: out.seq,
                    data: out.recent.clone(),
                };
                if !sink(replay) {
                    return Err(CoreError::InvalidInput("the window is gone".into()));
                }
            }
            out.sink = sink;
            // Counted as shown: the new window acknowledges from here on.
            let seq = out.seq;
            session.acked.send_if_modified(|a| {
                let newer = seq > *a;
                *a = (*a).max(seq);
                newer
            });
        }
        session.attached = true;
        session.given_from = None;
        Ok(session.opened.clone())
    }

    /// Types into a terminal.
    pub async fn write(&self, id: u32, data: String) -> CoreResult<()> {
        if data.len() > INPUT_MAX {
            return Err(CoreError::InvalidInput(format!(
                "that is more than {} MiB to type at once",
                INPUT_MAX >> 20
            )));
        }
        let input = self
            .sessions
            .lock()
            .ok()
            .and_then(|s| s.get(&id).map(|s| s.input.clone()))
            .ok_or_else(|| CoreError::not_found("terminal"))?;
        input.send(data.into_bytes()).await.map_err(|_| ended())
    }

    pub async fn resize(&self, id: u32, cols: u16, rows: u16) -> CoreResult<()> {
        let control = self
            .sessions
            .lock()
            .ok()
            .and_then(|s| s.get(&id).map(|s| s.control.clone()))
            .ok_or_else(|| CoreError::not_found("terminal"))?;
        Ok(control.resize(size(cols), size(rows)).await?)
    }

    /// The window has shown every output up to `seq`.
    pub fn ack(&self, id: u32, seq: u32) {
        if let Ok(all) = self.sessions.lock() {
            if let Some(s) = all.get(&id) {
                s.acked.send_if_modified(|a| {
                    let newer = seq > *a;
                    if newer {
                        *a = seq;
                    }
                    newer
                });
            }
        }
    }

    /// The window `owner` closes a terminal it shows (one it gave away is not its to close).
    pub async fn close_from(&self, id: u32, owner: &str) {
        let shown = self
            .sessions
            .lock()
            .is_ok_and(|s| s.get(&id).is_some_and(|s| s.owner == owner && s.attached));
        if shown {
            self.close(id).await;
        }
    }

    /// Closes a terminal: its shell (and what it runs) ends in the container.
    pub async fn close(&self, id: u32) {
        let session = self.sessions.lock().ok().and_then(|mut s| s.remove(&id));
        if let Some(session) = session {
            // Ended first, while its reader may still learn the shell's pid.
            session.control.end().await;
            for task in &session.tasks {
                task.abort();
            }
        }
    }

    fn bump(&self, owner: Option<&str>) {
        if let Ok(mut g) = self.generations.lock() {
            match owner {
                Some(owner) => *g.entry(owner.to_string()).or_default() += 1,
                None => g.values_mut().for_each(|v| *v += 1),
            }
        }
    }

    fn ids_where(&self, keep: impl Fn(&Session) -> bool) -> Vec<u32> {
        self.sessions
            .lock()
            .map(|s| {
                s.iter()
                    .filter(|(_, s)| !keep(s))
                    .map(|(id, _)| *id)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The window `owner` loaded its page anew: the terminals it showed end (one given to it
    /// and not yet attached is what the new page is about to show, and stays). Which ones is
    /// settled at once (before the new page can attach anything): they are returned, for
    /// [`TerminalService::close_ids`].
    pub fn page_loaded(&self, owner: &str) -> Vec<u32> {
        self.bump(Some(owner));
        self.ids_where(|s| s.owner != owner || !s.attached)
    }

    /// The window `owner` closed: every terminal it showed, or was given, ends.
    pub async fn window_closed(&self, owner: &str) {
        if let Ok(mut g) = self.generations.lock() {
            g.remove(owner);
        }
        let ids = self.ids_where(|s| s.owner != owner);
        self.close_ids(ids).await;
    }

    /// Closes these terminals.
    pub async fn close_ids(&self, ids: Vec<u32>) {
        futures_util::future::join_all(ids.into_iter().map(|id| self.close(id))).await;
    }

    /// Closes every terminal (the app quits).
    pub async fn close_all(&self) {
        self.bump(None);
        let ids = self.ids_where(|_| false);
        self.close_ids(ids).await;
    }

    pub fn open_count(&self) -> usize {
        self.sessions.lock().map(|s| s.len()).unwrap_or(0)
    }

    /// Runs a one-off command in a running container, without a terminal.
    pub async fn run(
        &self,
        container_uuid: &str,
        request: CommandRequest,
    ) -> CoreResult<CommandRun> {
        let argv = split_command(&request.command).map_err(CoreError::InvalidInput)?;
        let user = optional(&request.user, "user")?;
        let working_dir = optional(&request.working_dir, "working directory")?;
        let secs = request.timeout_secs.unwrap_or(COMMAND_SECS_DEFAULT);
        if !(1..=COMMAND_SECS_MAX).contains(&secs) {
            return Err(CoreError::InvalidInput(format!(
                "a command may run from 1 s to {COMMAND_SECS_MAX} s"
            )));
        }
        let limit = Duration::from_secs(u64::from(secs));
        let c = self.running(container_uuid).await?;
        let rt = self.containers.runtime_for(&c).await?;
        let started = Instant::now();
        let mut run = tokio::time::timeout(
            limit + COMMAND_GRACE,
            rt.run_command(
                &c.engine_id,
                &argv,
                user.as_deref(),
                working_dir.as_deref(),
                limit,
            ),
        )
        .await
        .map_err(|_| {
            CoreError::InvalidInput(format!(
                "the engine did not stop the command at its limit ({} s)",
                limit.as_secs()
            ))
        })??;
        run.millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(container = %c.name, program = %argv[0], code = ?run.exit_code, "command run");
        Ok(run)
    }
}
