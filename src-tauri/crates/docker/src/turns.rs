//! The turns thread: one thread with a runtime of its own, where reads that need no answer
//! within the moment do their I/O in turns. Two kinds of work run there, on connections
//! they open on that runtime: stats rounds (see [`crate::stats`]) and the logs the history
//! keeps (see [`in_turns`]).
//!
//! Both are many small messages that come one by one: a round's hundreds of answers, a busy
//! container's lines, which the engine writes and flushes one at a time. Read as they come,
//! each message woke a thread (on the app's runtime, often two: 4 to 6 context switches an
//! answer were counted in a stats round, most of its CPU). While work is on, this thread
//! instead takes a turn every [`TURN`]: it reads whatever came since, then sleeps without
//! listening, and what came meanwhile waits in the sockets to be read in one go. With no
//! work on, the thread waits for some and costs nothing.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::StreamExt;
use squirrel_core::model::LogLine;
use squirrel_core::ports::{Bunched, LogLines};
use squirrel_core::EngineError;
use tracing::Instrument;

/// How often the thread looks at its connections while work is on.
pub(crate) const TURN: Duration = Duration::from_millis(100);

pub(crate) struct Turns {
    pub handle: tokio::runtime::Handle,
    /// Works on; the thread takes turns while there is one.
    on: Arc<AtomicUsize>,
    started: Arc<tokio::sync::Notify>,
}

/// Counts a work on the turns thread for as long as it lives.
pub(crate) struct On(&'static Turns);

impl Drop for On {
    fn drop(&mut self) {
        self.0.on.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A task on another runtime, stopped when the one waiting for it stops waiting.
pub(crate) struct AbortOnDrop(pub tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Turns {
    /// The turns thread, made on first use. `None` if it cannot be made: the work then runs
    /// where it is awaited.
    pub(crate) fn get() -> Option<&'static Turns> {
        static TURNS: OnceLock<Option<Turns>> = OnceLock::new();
        TURNS.get_or_init(make).as_ref()
    }

    /// Counts a work on from now until the guard is dropped.
    pub(crate) fn on(&'static self) -> On {
        self.on.fetch_add(1, Ordering::SeqCst);
        self.started.notify_one();
        On(self)
    }
}

fn make() -> Option<Turns> {
    let on = Arc::new(AtomicUsize::new(0));
    let started = Arc::new(tokio::sync::Notify::new());
    let (works, start) = (on.clone(), started.clone());
    let (made, runtime_made) = std::sync::mpsc::sync_channel(1);
    // The runtime is made, used and dropped on its own thread (a runtime dropped on a
    // thread of another runtime panics).
    let spawned = std::thread::Builder::new()
        .name("squirrel-turns".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    let _ = made.send(Err(e.to_string()));
                    return;
                }
            };
            if made.send(Ok(runtime.handle().clone())).is_err() {
                return;
            }
            loop {
                if works.load(Ordering::SeqCst) == 0 {
                    // No work: wait for some, answering events as they come.
                    runtime.block_on(start.notified());
                } else {
                    // One turn: what is ready runs and the I/O driver is read without
                    // waiting (the first yield); what that made ready runs at once (the
                    // second). Then the thread sleeps without listening.
                    runtime.block_on(async {
                        tokio::task::yield_now().await;
                        tokio::task::yield_now().await;
                    });
                    std::thread::sleep(TURN);
                }
            }
        });
    let handle = spawned
        .map_err(|e| e.to_string())
        .and_then(|_| runtime_made.recv().map_err(|e| e.to_string())?);
    match handle {
        Ok(handle) => Some(Turns {
            handle,
            on,
            started,
        }),
        Err(e) => {
            tracing::warn!(error = %e, "no turns thread; its work runs on the app's runtime");
            None
        }
    }
}

/// At most this many lines, or about this many bytes, cross from the turns thread at once.
const CROSS_LINES: usize = 4_096;
const CROSS_BYTES: usize = 1024 * 1024;

/// A log read on the turns thread: its connection opens there (the stream opens it when
/// first polled) and is read in turns, and its lines cross to the reader in bunches, one
/// wake-up of the reader a turn instead of one a line. For the history, which keeps lines
/// and can take them a turn late; a viewer's log is read as it comes.
///
/// Dropping the stream stops the reading at the thread's next turn, which closes the
/// connection. A reader that falls behind holds the thread's reading of this log only, and
/// the engine's lines wait in the connection.
pub(crate) fn in_turns(lines: LogLines) -> LogLines {
    let Some(turns) = Turns::get() else {
        return lines;
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Vec<LogLine>, EngineError>>(4);
    let on = turns.on();
    let task = turns.handle.spawn(
        async move {
            let _on = on;
            let mut bunches = Bunched::new(lines, CROSS_LINES, CROSS_BYTES);
            while let Some(bunch) = bunches.next().await {
                if tx.send(bunch).await.is_err() {
                    return;
                }
            }
        }
        .in_current_span(),
    );
    let stop = AbortOnDrop(task.abort_handle());
    futures_util::stream::poll_fn(move |cx| {
        let _stop_with_us = &stop;
        rx.poll_recv(cx)
    })
    .flat_map(|bunch| {
        futures_util::stream::iter(match bunch {
            Ok(lines) => lines.into_iter().map(Ok).collect::<Vec<_>>(),
            Err(e) => vec![Err(e)],
        })
    })
    .boxed()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::client::Engine;
    use crate::keepalive::tests::{serve, with_length};
    use crate::log_reader::tests::{chunked, frame, OK_CHUNKED, T1};
    use squirrel_core::model::LogQuery;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const FOLLOW: LogQuery = LogQuery {
        tail: None,
        since: None,
        until: None,
        follow: true,
        stdout: true,
        stderr: true,
    };

    /// The history's log of container `c` at the fake engine at `path`, as the device's
    /// runtime gives it; the names of the threads its connections opened on go to `threads`.
    async fn history_log_telling(
        path: &std::path::Path,
        threads: Arc<std::sync::Mutex<Vec<String>>>,
    ) -> LogLines {
        let (docker, dial) = crate::unix::connect(&path.display().to_string(), 5).unwrap();
        let engine = Engine {
            docker,
            dial: dial.telling_threads(threads),
            slots: None,
        };
        let client = crate::SharedClient::default();
        client.set(Some(engine));
        let runtime = crate::DockerRuntime::new(client);
        squirrel_core::ports::ContainerRuntime::logs_for_history(&runtime, "c", &FOLLOW)
            .await
            .unwrap()
    }

    async fn history_log(path: &std::path::Path) -> LogLines {
        history_log_telling(path, Arc::default()).await
    }

    #[tokio::test]
    async fn a_log_read_in_turns_gives_every_line_in_order_then_its_end() {
        // 300 lines of both outputs, written in 30 pieces, each flushed on its own.
        let (_dir, path, _) = serve(Arc::new(|_, _: &str| {
            let mut pieces = vec![OK_CHUNKED.as_bytes().to_vec()];
            for p in 0..30 {
                let frames: Vec<Vec<u8>> = (0..10)
                    .map(|k| {
                        let n = p * 10 + k;
                        frame(1 + (n % 2) as u8, format!("{T1} line {n}\n").as_bytes())
                    })
                    .collect();
                let body = chunked(&frames);
                // Each piece is its chunks without the body's end; the end comes last.
                pieces.push(body[..body.len() - 5].to_vec());
            }
            pieces.push(b"0\r\n\r\n".to_vec());
            (pieces, true)
        }));
        let threads = Arc::new(std::sync::Mutex::new(Vec::new()));
        let lines: Vec<_> = tokio::time::timeout(
            Duration::from_secs(10),
            history_log_telling(&path, threads.clone())
                .await
                .collect::<Vec<_>>(),
        )
        .await
        .expect("the log did not end within 10 s");
        let texts: Vec<String> = lines.into_iter().map(|l| l.unwrap().text).collect();
        let expected: Vec<String> = (0..300).map(|n| format!("line {n}")).collect();
        assert_eq!(texts, expected);
        // The history's log is read on the turns thread: its connection opened there.
        assert_eq!(*threads.lock().unwrap(), vec!["squirrel-turns".to_string()]);
    }

    #[tokio::test]
    async fn a_refusal_crosses_in_the_engine_s_words() {
        let (_dir, path, _) = serve(Arc::new(|_, _: &str| {
            let mut wire = with_length(br#"{"message":"No such container: c"}"#);
            wire.splice(9..15, b"404 Not Found".iter().copied());
            (vec![wire], true)
        }));
        let first = tokio::time::timeout(Duration::from_secs(10), history_log(&path).await.next())
            .await
            .expect("no answer within 10 s");
        match first {
            Some(Err(EngineError::NoSuchObject(m))) => assert!(m.contains("No such container")),
            other => panic!("expected the engine's refusal, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_log_dropped_closes_its_connection_on_the_turns_thread() {
        // An engine that sends one line and holds the log open; it tells when the client
        // closes the connection.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("docker.sock");
        let listener = tokio::net::UnixListener::bind(&path).unwrap();
        let (closed_tx, mut closed) = tokio::sync::mpsc::unbounded_channel::<()>();
        tokio::spawn(async move {
            let Ok((mut conn, _)) = listener.accept().await else {
                return;
            };
            let mut head = Vec::new();
            let mut more = [0u8; 4096];
            while !head.ends_with(b"\r\n\r\n") {
                match conn.read(&mut more).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => head.extend_from_slice(&more[..n]),
                }
            }
            let body = chunked(&[frame(1, format!("{T1} hello\n").as_bytes())]);
            let wire = [OK_CHUNKED.as_bytes(), &body[..body.len() - 5]].concat();
            conn.write_all(&wire).await.unwrap();
            while !matches!(conn.read(&mut more).await, Ok(0) | Err(_)) {}
            let _ = closed_tx.send(());
        });
        let mut log = history_log(&path).await;
        let first = tokio::time::timeout(Duration::from_secs(10), log.next())
            .await
            .expect("no line within 10 s");
        assert_eq!(first.unwrap().unwrap().text, "hello");
        drop(log);
        let closed = tokio::time::timeout(Duration::from_secs(2), closed.recv()).await;
        assert_eq!(
            closed,
            Ok(Some(())),
            "the log's connection was not closed within 2 s of dropping it"
        );
    }
}
