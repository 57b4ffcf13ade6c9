//! A container's file archives moved on a connection of their own, beside hyper.
//!
//! Through hyper, an archive came out of the response body in the engine's own pieces (32 KiB
//! each), each handed from the connection's task to a reading task and on to the tar
//! reader's thread. Here one task reads the connection in reads of up to a MiB, takes the
//! HTTP/1.1 framing apart ([`crate::http1`]) and hands what each read gave to the tar
//! reader's thread, which writes to disk meanwhile (the engine keeps sending: a single
//! thread reading and writing in turn was slower still). An upload is framed as chunks of
//! 256 KiB by the tar writer's thread, which writes them itself, while a task reads the
//! answer (a refusal can come before the body ends).
//!
//! Neither has a deadline for the whole transfer (a large one takes as long as it takes):
//! connecting and the response head have [`OPEN_DEADLINE`], and the transfer fails when the
//! engine takes or gives nothing for [`STALL`].

use std::io::{self, Read, Write};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use squirrel_core::EngineError;
use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::runtime::Handle;
use tokio::sync::{mpsc, watch};

use crate::client::{status_error, Engine};
use crate::http::{Dialer, RawIo};
use crate::http1::{encode, Body, Head, MAX_HEAD};

/// How long connecting, asking and the response head may take together.
const OPEN_DEADLINE: Duration = Duration::from_secs(60);
/// How long the engine may take or give nothing before the transfer fails.
pub(crate) const STALL: Duration = Duration::from_secs(60);
/// Bytes asked of the connection at a time.
const READ_SIZE: usize = 1 << 20;
/// Reads of a download on their way to the disk.
const IN_FLIGHT: usize = 16;
/// The size of an upload's chunks.
const CHUNK: usize = 256 * 1024;
/// The most of an error response's body read for its message.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// `/v…/containers/{id}/archive?path=…`.
fn archive_path(engine: &Engine, id: &str, path: &str) -> String {
    format!(
        "/v{}/containers/{}/archive?path={}",
        engine.docker.client_version(),
        encode(id),
        encode(path)
    )
}

fn lost(what: &str, e: &io::Error) -> EngineError {
    EngineError::Unreachable(format!("{what}: {e}"))
}

/// Opens a connection of its own and sends `request` (its head; a body follows, if any).
async fn ask(dial: &Dialer, request: &str, what: &str) -> Result<Box<dyn RawIo>, EngineError> {
    let mut io = dial
        .open()
        .await
        .map_err(|e| lost(&format!("cannot open a connection for {what}"), &e))?;
    io.write_all(request.as_bytes())
        .await
        .map_err(|e| lost(&format!("cannot send the request for {what}"), &e))?;
    io.flush()
        .await
        .map_err(|e| lost(&format!("cannot send the request for {what}"), &e))?;
    Ok(io)
}

/// Reads a response head from `io` into `buf` (what follows it stays in `buf`).
async fn read_head<R: tokio::io::AsyncRead + Unpin>(
    io: &mut R,
    buf: &mut BytesMut,
) -> Result<Head, EngineError> {
    loop {
        match Head::parse(buf) {
            Ok(Some(head)) => {
                buf.advance(head.length);
                // An interim answer (`100 Continue`) comes before the real one.
                if (100..200).contains(&head.status) {
                    continue;
                }
                return Ok(head);
            }
            Ok(None) if buf.len() > MAX_HEAD => {
                return Err(EngineError::Other(
                    "the engine's answer has a head that does not end".into(),
                ))
            }
            Ok(None) => {
                buf.reserve(16 * 1024);
                let n = io
                    .read_buf(buf)
                    .await
                    .map_err(|e| lost("the engine's connection failed", &e))?;
                if n == 0 {
                    return Err(EngineError::Unreachable(
                        "the engine closed the connection before it answered".into(),
                    ));
                }
            }
            Err(e) => {
                return Err(EngineError::Other(format!(
                    "the engine's answer is not HTTP: {e}"
                )))
            }
        }
    }
}

/// The engine's refusal, in its own words (`{"message": …}`), read within a bound.
async fn refusal<R: tokio::io::AsyncRead + Unpin>(
    io: &mut R,
    buf: &mut BytesMut,
    mut body: Body,
    status: u16,
) -> EngineError {
    let mut text = BytesMut::new();
    let read = async {
        loop {
            if body.take(buf, &mut text).is_err()
                || body == Body::Ended
                || text.len() >= MAX_ERROR_BODY
            {
                break;
            }
            buf.reserve(16 * 1024);
            match io.read_buf(buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), read).await;
    let message = serde_json::from_slice::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("message")?.as_str().map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(&text).trim().to_string());
    if message.is_empty() {
        status_error(status, &format!("the engine refused (HTTP {status})"))
    } else {
        status_error(status, &message)
    }
}

/// The archive of a container's path, being sent by the engine: a blocking [`Read`] of the
/// tar stream (read it on a blocking thread, `spawn_blocking`). A task reads the connection
/// beside it, so that the engine keeps sending while the reader writes to disk; dropped, the
/// task stops and the connection closes.
pub(crate) struct ArchiveReader {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
}

/// Asks the engine for the archive of `path` in the container `id`; the engine's refusal
/// (no such path, no such container) comes back in its words.
pub(crate) async fn get(
    engine: &Engine,
    id: &str,
    path: &str,
) -> Result<ArchiveReader, EngineError> {
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: Squirrel\r\n\r\n",
        archive_path(engine, id, path),
        engine.dial.host
    );
    let dial = engine.dial.clone();
    let opened = async move {
        let mut io = ask(&dial, &request, "the files").await?;
        let mut buf = BytesMut::with_capacity(READ_SIZE);
        let head = read_head(&mut io, &mut buf).await?;
        if head.status != 200 {
            return Err(refusal(&mut io, &mut buf, head.body, head.status).await);
        }
        Ok((io, buf, head.body))
    };
    let (io, buf, body) = tokio::time::timeout(OPEN_DEADLINE, opened)
        .await
        .map_err(|_| {
            EngineError::Unreachable(format!(
                "the engine did not answer the request for the files within {} s",
                OPEN_DEADLINE.as_secs()
            ))
        })??;
    let (tx, rx) = mpsc::channel(IN_FLIGHT);
    tokio::spawn(pump(io, buf, body, tx));
    Ok(ArchiveReader {
        rx,
        current: Bytes::new(),
    })
}

fn broken(e: String) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the engine's answer is broken ({e})"),
    )
}

/// Reads the body off the connection, as large as each read gives it, until it ends, fails,
/// or nobody reads any more.
async fn pump(
    mut io: Box<dyn RawIo>,
    mut buf: BytesMut,
    mut body: Body,
    tx: mpsc::Sender<io::Result<Bytes>>,
) {
    let mut payload = BytesMut::new();
    loop {
        if let Err(e) = body.take(&mut buf, &mut payload) {
            let _ = tx.send(Err(broken(e))).await;
            return;
        }
        if !payload.is_empty() && tx.send(Ok(payload.split().freeze())).await.is_err() {
            return;
        }
        if body == Body::Ended {
            return;
        }
        buf.reserve(READ_SIZE);
        let read = tokio::select! {
            read = tokio::time::timeout(STALL, io.read_buf(&mut buf)) => read,
            () = tx.closed() => return,
        };
        let failure = match read {
            Err(_) => io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the engine sent nothing for {} s", STALL.as_secs()),
            ),
            Ok(Err(e)) => e,
            Ok(Ok(0)) if body == Body::UntilClosed => return,
            Ok(Ok(0)) => io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the engine closed the connection before the archive ended",
            ),
            Ok(Ok(_)) => continue,
        };
        let _ = tx.send(Err(failure)).await;
        return;
    }
}

impl Read for ArchiveReader {
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
        self.current.advance(n);
        Ok(n)
    }
}

/// The engine's answer to an upload, read as soon as it comes (a refusal may come before
/// the body ends).
pub(crate) struct Answer {
    rx: watch::Receiver<Option<Result<(), EngineError>>>,
    reading: tokio::task::JoinHandle<()>,
}

impl Answer {
    /// What the engine answered, if it has.
    pub(crate) fn now(&self) -> Option<Result<(), EngineError>> {
        self.rx.borrow().clone()
    }

    /// Waits for the answer, within `limit`.
    pub(crate) async fn within(mut self, limit: Duration) -> Result<(), EngineError> {
        let waited = tokio::time::timeout(limit, self.rx.wait_for(Option::is_some)).await;
        let result = match waited {
            Ok(Ok(done)) => done.clone().unwrap_or(Ok(())),
            Ok(Err(_)) => Err(EngineError::Unreachable(
                "the engine's connection closed before it answered the upload".into(),
            )),
            Err(_) => Err(EngineError::Unreachable(format!(
                "the engine did not answer the upload within {} s of its end",
                limit.as_secs()
            ))),
        };
        self.reading.abort();
        result
    }

    /// Gives the upload up: the connection closes, and the engine sees its body cut short.
    pub(crate) fn abandon(self) {
        self.reading.abort();
    }
}

/// An upload being sent: a blocking [`Write`] of the tar stream (on a blocking thread only,
/// as [`ArchiveReader`]), ended by [`ArchiveWriter::finish`]; then its [`Answer`].
pub(crate) struct ArchiveWriter {
    io: WriteHalf<Box<dyn RawIo>>,
    buf: Vec<u8>,
    handle: Handle,
    answered: watch::Receiver<Option<Result<(), EngineError>>>,
}

/// Starts an upload of a tar stream into the folder `into` of the container `id`.
pub(crate) async fn put(
    engine: &Engine,
    id: &str,
    into: &str,
) -> Result<(ArchiveWriter, Answer), EngineError> {
    let request = format!(
        "PUT {}&noOverwriteDirNonDir=1 HTTP/1.1\r\nHost: {}\r\nUser-Agent: Squirrel\r\n\
         Content-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n",
        archive_path(engine, id, into),
        engine.dial.host
    );
    let dial = engine.dial.clone();
    let opened = async move { ask(&dial, &request, "the upload").await };
    let io = tokio::time::timeout(OPEN_DEADLINE, opened)
        .await
        .map_err(|_| {
            EngineError::Unreachable(format!(
                "the engine did not take the upload within {} s",
                OPEN_DEADLINE.as_secs()
            ))
        })??;
    let (reader, writer) = tokio::io::split(io);
    let (tx, rx) = watch::channel(None);
    let reading = tokio::spawn(read_answer(reader, tx));
    Ok((
        ArchiveWriter {
            io: writer,
            buf: Vec::with_capacity(CHUNK),
            handle: Handle::current(),
            answered: rx.clone(),
        },
        Answer { rx, reading },
    ))
}

async fn read_answer(
    mut io: ReadHalf<Box<dyn RawIo>>,
    tx: watch::Sender<Option<Result<(), EngineError>>>,
) {
    let mut buf = BytesMut::new();
    let answer = match read_head(&mut io, &mut buf).await {
        Ok(head) if (200..300).contains(&head.status) => Ok(()),
        Ok(head) => Err(refusal(&mut io, &mut buf, head.body, head.status).await),
        Err(e) => Err(e),
    };
    let _ = tx.send(Some(answer));
}

impl ArchiveWriter {
    /// Writes what is buffered as one chunk, and the last (empty) chunk when `last`.
    fn send(&mut self, last: bool) -> io::Result<()> {
        if self.buf.is_empty() && !last {
            return Ok(());
        }
        let (io, buf, answered) = (&mut self.io, &mut self.buf, &mut self.answered);
        let written = self.handle.block_on(async {
            let write = async {
                if !buf.is_empty() {
                    io.write_all(format!("{:x}\r\n", buf.len()).as_bytes())
                        .await?;
                    io.write_all(buf).await?;
                    io.write_all(b"\r\n").await?;
                }
                if last {
                    io.write_all(b"0\r\n\r\n").await?;
                }
                io.flush().await
            };
            tokio::select! {
                written = tokio::time::timeout(STALL, write) => written.unwrap_or_else(|_| {
                    Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("the engine took nothing for {} s", STALL.as_secs()),
                    ))
                }),
                // The engine answered before the end: it takes no more.
                _ = answered.wait_for(Option::is_some) => Err(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "the engine answered before the upload ended",
                )),
            }
        });
        buf.clear();
        written
    }

    /// Ends the upload with its last chunk: the engine answers once it has written it all.
    pub(crate) fn finish(mut self) -> io::Result<()> {
        self.send(true)
    }
}

impl Write for ArchiveWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(CHUNK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() >= CHUNK {
            self.send(false)?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send(false)
    }
}
