//! A container's file archives moved on a connection of their own, beside hyper.
//!
//! Through hyper, an archive came out of the response body in the engine's own pieces (32 KiB
//! each), each handed from the connection's task to a reading task and on to the tar
//! reader's thread. Here, on the engine's local socket, the tar reader's thread reads the
//! socket itself, with blocking reads, body bytes straight into the tar reader's buffer
//! (the framing of [`crate::http1`] read apart in small reads between them). Over SSH and
//! TLS one task reads the connection in reads of up to a MiB, takes the framing apart and
//! hands what each read gave to the tar reader's thread, which writes to disk meanwhile.
//!
//! Why two ways: on the local socket, handing pieces over cost the app a third of its CPU.
//! Read where they are written, body bytes skip two copies (into a piece, then out of it)
//! and no thread wakes another for each piece: the app's CPU for a 1 GiB download fell
//! from about 0.84 to 0.58 CPU-s, the throughput the same within the engine's noise
//! (`cargo bench -p squirrel-app --bench files`).
//!
//! An upload is framed as chunks of 256 KiB by the tar writer's thread, which writes them
//! itself, while a task reads the answer (a refusal can come before the body ends).
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
use crate::http1::{encode, lost, read_head, Body, Step};

/// How long connecting, asking and the response head may take together.
const OPEN_DEADLINE: Duration = Duration::from_secs(60);
/// How long the engine may take or give nothing before the transfer fails.
pub(crate) const STALL: Duration = Duration::from_secs(60);
/// Bytes asked of the connection at a time.
const READ_SIZE: usize = 1 << 20;
/// Bytes asked of the local socket at a time where framing comes next: a chunk's end and
/// the next one's size line, and little of its data (which goes straight where it is read).
const FRAMING_READ: usize = 256;
/// The least room a read of the local socket fills straight: smaller reads (the tar
/// reader's headers, small files) are served from one read of [`SMALL_READS`] instead of
/// a read each.
const DIRECT_MIN: usize = 16 * 1024;
/// Bytes asked of the local socket at a time for reads smaller than [`DIRECT_MIN`].
const SMALL_READS: usize = 64 * 1024;
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
/// tar stream (read it on a blocking thread, `spawn_blocking`). From the local socket it
/// reads the socket itself; over other transports a task reads the connection beside it,
/// so that the engine keeps sending while the reader writes to disk. Dropped, the
/// connection closes (and the task stops).
pub(crate) struct ArchiveReader {
    from: Source,
}

enum Source {
    /// Pieces read by a task, handed over (SSH, TLS); an empty piece says the body ended
    /// (a task gone without saying so cut it short).
    Handed {
        rx: mpsc::Receiver<io::Result<Bytes>>,
        current: Bytes,
        ended: bool,
    },
    /// The engine's local socket, in blocking mode, read here; `buf` holds what a read of
    /// framing brought beyond it.
    Local {
        socket: std::os::unix::net::UnixStream,
        buf: BytesMut,
        body: Body,
    },
}

/// The request for the archive of `path` in the container `id`.
fn archive_request(engine: &Engine, id: &str, path: &str) -> String {
    format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: Squirrel\r\n\r\n",
        archive_path(engine, id, path),
        engine.dial.host
    )
}

/// Sends `request` on `io` and reads the answer's head: the body's framing and what came
/// after the head, or the engine's refusal.
async fn answer<I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    io: &mut I,
    request: &str,
) -> Result<(BytesMut, Body), EngineError> {
    io.write_all(request.as_bytes())
        .await
        .map_err(|e| lost("cannot send the request for the files", &e))?;
    io.flush()
        .await
        .map_err(|e| lost("cannot send the request for the files", &e))?;
    let mut buf = BytesMut::with_capacity(16 * 1024);
    let head = read_head(io, &mut buf)
        .await
        .map_err(|e| e.engine_error("the request for the files"))?;
    if head.status != 200 {
        return Err(refusal(io, &mut buf, head.body, head.status).await);
    }
    Ok((buf, head.body))
}

fn no_answer() -> EngineError {
    EngineError::Unreachable(format!(
        "the engine did not answer the request for the files within {} s",
        OPEN_DEADLINE.as_secs()
    ))
}

/// Connects (`connect`), sends `request` and reads the answer's head, all within
/// [`OPEN_DEADLINE`]: the connection, what came after the head, and the body's framing.
async fn asked<I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    connect: impl std::future::Future<Output = io::Result<I>>,
    request: &str,
) -> Result<(I, BytesMut, Body), EngineError> {
    let opened = async move {
        let mut io = connect
            .await
            .map_err(|e| lost("cannot open a connection for the files", &e))?;
        let (buf, body) = answer(&mut io, request).await?;
        Ok((io, buf, body))
    };
    tokio::time::timeout(OPEN_DEADLINE, opened)
        .await
        .map_err(|_| no_answer())?
}

/// Sends `request` on a new connection to the engine's local socket at `path` and reads the
/// answer's head; the connection is then read with blocking reads (see [`read_local`]).
async fn open_local(path: &std::path::Path, request: &str) -> Result<ArchiveReader, EngineError> {
    let (io, buf, body) = asked(tokio::net::UnixStream::connect(path), request).await?;
    let blocking = |e: io::Error| lost("the connection for the files cannot be read", &e);
    let socket = io.into_std().map_err(blocking)?;
    socket.set_nonblocking(false).map_err(blocking)?;
    socket.set_read_timeout(Some(STALL)).map_err(blocking)?;
    Ok(ArchiveReader {
        from: Source::Local { socket, buf, body },
    })
}

/// Asks the engine for the archive of `path` in the container `id`; the engine's refusal
/// (no such path, no such container) comes back in its words.
pub(crate) async fn get(
    engine: &Engine,
    id: &str,
    path: &str,
) -> Result<ArchiveReader, EngineError> {
    let request = archive_request(engine, id, path);
    if let Some(local) = engine.dial.local.clone() {
        return open_local(&local, &request).await;
    }
    let (io, buf, body) = asked(engine.dial.open(), &request).await?;
    let (tx, rx) = mpsc::channel(IN_FLIGHT);
    tokio::spawn(pump(io, buf, body, tx));
    Ok(ArchiveReader {
        from: Source::Handed {
            rx,
            current: Bytes::new(),
            ended: false,
        },
    })
}

fn broken(e: String) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the engine's answer is broken ({e})"),
    )
}

fn stalled() -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!("the engine sent nothing for {} s", STALL.as_secs()),
    )
}

fn cut_short() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the engine closed the connection before the archive ended",
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
            let _ = tx.send(Ok(Bytes::new())).await;
            return;
        }
        buf.reserve(READ_SIZE);
        let read = tokio::select! {
            read = tokio::time::timeout(STALL, io.read_buf(&mut buf)) => read,
            () = tx.closed() => return,
        };
        let failure = match read {
            Err(_) => stalled(),
            Ok(Err(e)) => e,
            Ok(Ok(0)) if body == Body::UntilClosed => {
                let _ = tx.send(Ok(Bytes::new())).await;
                return;
            }
            Ok(Ok(0)) => cut_short(),
            Ok(Ok(_)) => continue,
        };
        let _ = tx.send(Err(failure)).await;
        return;
    }
}

/// One blocking read of the local socket; a read that waited [`STALL`] fails.
fn read_socket(socket: &mut std::os::unix::net::UnixStream, into: &mut [u8]) -> io::Result<usize> {
    loop {
        match socket.read(into) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(stalled())
            }
            other => return other,
        }
    }
}

/// The connection closed: the end of a body read until then, else one cut short.
fn closed(body: &mut Body) -> io::Result<usize> {
    if *body == Body::UntilClosed {
        *body = Body::Ended;
        Ok(0)
    } else {
        Err(cut_short())
    }
}

/// The local socket's next body bytes into `out`: taken from `buf` if a read of framing
/// brought them, else read straight into `out`; framing is read apart in small reads.
fn read_local(
    socket: &mut std::os::unix::net::UnixStream,
    buf: &mut BytesMut,
    body: &mut Body,
    out: &mut [u8],
) -> io::Result<usize> {
    if out.is_empty() {
        return Ok(0);
    }
    loop {
        match body.step(buf, out.len()).map_err(broken)? {
            Step::Data(n) => {
                out[..n].copy_from_slice(&buf[..n]);
                buf.advance(n);
                return Ok(n);
            }
            Step::Ended => return Ok(0),
            Step::More => {}
        }
        let ahead = body.data_ahead();
        if let (true, true, Some(ahead)) = (buf.is_empty(), out.len() >= DIRECT_MIN, ahead) {
            let room = usize::try_from(ahead).map_or(out.len(), |a| a.min(out.len()));
            if room == 0 {
                // Nothing left of a length or a chunk: where it ends, not more to read.
                body.passed(0);
                continue;
            }
            let n = read_socket(socket, &mut out[..room])?;
            if n == 0 {
                return closed(body);
            }
            body.passed(n);
            return Ok(n);
        }
        // Into the buffer: framing, in a small read (what follows it goes straight where it
        // is wanted), or body bytes for small reads, several at once.
        let want = if ahead.is_some() {
            SMALL_READS
        } else {
            FRAMING_READ
        };
        let had = buf.len();
        buf.resize(had + want, 0);
        let n = read_socket(socket, &mut buf[had..]);
        buf.truncate(had + *n.as_ref().unwrap_or(&0));
        if n? == 0 {
            return closed(body);
        }
    }
}

impl Read for ArchiveReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match &mut self.from {
            Source::Local { socket, buf, body } => read_local(socket, buf, body, out),
            Source::Handed { rx, current, ended } => {
                while current.is_empty() {
                    if *ended {
                        return Ok(0);
                    }
                    match rx.blocking_recv() {
                        Some(Ok(chunk)) if chunk.is_empty() => *ended = true,
                        Some(Ok(chunk)) => *current = chunk,
                        Some(Err(e)) => return Err(e),
                        None => {
                            return Err(io::Error::new(
                                io::ErrorKind::UnexpectedEof,
                                "the reading of the archive stopped before it ended",
                            ))
                        }
                    }
                }
                let n = out.len().min(current.len());
                out[..n].copy_from_slice(&current[..n]);
                current.advance(n);
                Ok(n)
            }
        }
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
        Err(e) => Err(e.engine_error("the upload")),
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::Write as _;
    use std::os::unix::net::UnixStream;

    use proptest::prelude::*;

    use super::*;
    use crate::http1::chunked;

    /// What the engine does after the body.
    #[derive(Clone, Copy, PartialEq)]
    enum Then {
        /// Closes the connection.
        Close,
        /// Keeps it open, and sends what a next answer would: a reader that read past the
        /// body would take it, or wait for more and fail at the test's short read timeout.
        KeepOpen,
    }

    /// What an [`ArchiveReader`] on a local socket reads, into pieces of `outs` (cycled),
    /// while a thread writes `wire` (what follows the head; `early` of it already read
    /// with the head) in writes of `writes` (cycled), then does as `then` says.
    fn read_locally(
        body: Body,
        wire: &[u8],
        early: usize,
        writes: &[usize],
        outs: &[usize],
        then: Then,
    ) -> io::Result<Vec<u8>> {
        let (socket, mut engine) = UnixStream::pair().unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let early = early.min(wire.len());
        let (buf, rest) = (BytesMut::from(&wire[..early]), wire[early..].to_vec());
        let writes = writes.to_vec();
        let (done, read) = std::sync::mpsc::channel::<()>();
        let writer = std::thread::spawn(move || {
            let (mut at, mut sizes) = (0, writes.iter().cycle());
            while at < rest.len() {
                let n = (*sizes.next().unwrap()).clamp(1, rest.len() - at);
                if engine.write_all(&rest[at..at + n]).is_err() {
                    return;
                }
                at += n;
            }
            if then == Then::KeepOpen {
                let _ = engine.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
                let _ = read.recv();
            }
        });
        let mut reader = ArchiveReader {
            from: Source::Local { socket, buf, body },
        };
        let (mut got, mut sizes) = (Vec::new(), outs.iter().cycle());
        let result = loop {
            let mut out = vec![0u8; *sizes.next().unwrap()];
            match reader.read(&mut out) {
                Ok(0) => break Ok(got),
                Ok(n) => got.extend_from_slice(&out[..n]),
                Err(e) => break Err(e),
            }
        };
        drop(reader);
        let _ = done.send(());
        writer.join().unwrap();
        result
    }

    /// A fake engine on a socket of its own that answers one request with `answer`, written
    /// in pieces of `piece` bytes, and keeps the connection open until the test ends.
    async fn engine_answering(
        answer: Vec<u8>,
        piece: usize,
    ) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("docker.sock");
        let listener = tokio::net::UnixListener::bind(&path).unwrap();
        tokio::spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            while !head.ends_with(b"\r\n\r\n") {
                let mut byte = [0u8; 1];
                if tokio::io::AsyncReadExt::read(&mut conn, &mut byte)
                    .await
                    .unwrap_or(0)
                    == 0
                {
                    return;
                }
                head.push(byte[0]);
            }
            assert!(head.starts_with(b"GET /v1.41/containers/c1/archive?path=%2Fdata HTTP/1.1\r\n"));
            for part in answer.chunks(piece) {
                if conn.write_all(part).await.is_err() {
                    return;
                }
                conn.flush().await.unwrap();
                tokio::task::yield_now().await;
            }
            // Open until the reader lets go.
            let mut rest = [0u8; 64];
            let _ = tokio::io::AsyncReadExt::read(&mut conn, &mut rest).await;
        });
        (dir, path)
    }

    const REQUEST: &str =
        "GET /v1.41/containers/c1/archive?path=%2Fdata HTTP/1.1\r\nHost: docker\r\n\r\n";

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_local_download_opens_reads_its_body_and_stops_there() {
        let body: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        answer.extend_from_slice(&chunked(&body, &[32_768, 7, 5_000]));
        // The head comes in pieces, some of the body with its last one.
        let (_dir, path) = engine_answering(answer, 61).await;
        let mut reader = open_local(&path, REQUEST).await.unwrap();
        let got = tokio::task::spawn_blocking(move || {
            let mut got = Vec::new();
            reader.read_to_end(&mut got).map(|_| got)
        })
        .await
        .unwrap()
        .unwrap();
        assert_eq!(got.len(), body.len());
        assert!(got == body);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_local_download_refused_says_the_engines_words() {
        let message = br#"{"message":"Could not find the file /data in container c1"}"#;
        let mut answer = format!(
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            message.len()
        )
        .into_bytes();
        answer.extend_from_slice(message);
        let (_dir, path) = engine_answering(answer, 1000).await;
        let Err(err) = open_local(&path, REQUEST).await else {
            panic!("a refusal was read as an archive");
        };
        assert!(
            err.to_string()
                .contains("Could not find the file /data in container c1"),
            "{err}"
        );
    }

    #[test]
    fn a_body_cut_short_on_the_local_socket_is_said() {
        let wire = chunked(b"the whole archive", &[5]);
        let err =
            read_locally(Body::ChunkSize, &wire[..12], 0, &[3], &[64], Then::Close).unwrap_err();
        assert!(
            err.to_string()
                .contains("closed the connection before the archive ended"),
            "{err}"
        );
        let err =
            read_locally(Body::ChunkSize, b"zz\r\n", 0, &[64], &[64], Then::Close).unwrap_err();
        assert!(err.to_string().contains("not a number"), "{err}");
    }

    proptest! {
        /// Any body, chunked any way, written in any pieces, some of it read with the head,
        /// read into buffers of any size: the same body, from the local socket's reader,
        /// which stops where the body does (what comes after it is left unread).
        #[test]
        fn the_local_reader_gives_any_body_back(
            body in proptest::collection::vec(any::<u8>(), 0..40_000),
            sizes in proptest::collection::vec(1usize..9_000, 1..6),
            writes in proptest::collection::vec(1usize..5_000, 1..6),
            outs in proptest::collection::vec(1usize..70_000, 1..6),
            early in 0usize..300,
        ) {
            let wire = chunked(&body, &sizes);
            prop_assert_eq!(read_locally(Body::ChunkSize, &wire, early, &writes, &outs, Then::KeepOpen).unwrap(), body.clone());
            let framed = if body.is_empty() { Body::Ended } else { Body::Length(body.len() as u64) };
            prop_assert_eq!(read_locally(framed, &body, early, &writes, &outs, Then::KeepOpen).unwrap(), body.clone());
            prop_assert_eq!(read_locally(Body::UntilClosed, &body, early, &writes, &outs, Then::Close).unwrap(), body);
        }

        /// Any body cut anywhere before its end: an error that says so, never a clean end.
        #[test]
        fn the_local_reader_never_takes_a_cut_for_the_end(
            body in proptest::collection::vec(any::<u8>(), 1..20_000),
            sizes in proptest::collection::vec(1usize..9_000, 1..6),
            outs in proptest::collection::vec(1usize..70_000, 1..6),
            cut in any::<prop::sample::Index>(),
        ) {
            let wire = chunked(&body, &sizes);
            let at = cut.index(wire.len());
            let err = read_locally(Body::ChunkSize, &wire[..at], 0, &[4_096], &outs, Then::Close).unwrap_err();
            prop_assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
            let at = cut.index(body.len());
            let err = read_locally(Body::Length(body.len() as u64), &body[..at], 0, &[4_096], &outs, Then::Close).unwrap_err();
            prop_assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        }
    }
}
