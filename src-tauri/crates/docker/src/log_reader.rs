//! A log response read by Squirrel itself, straight from the connection.
//!
//! The engine writes every log line as a frame of its own, and flushes each: through hyper,
//! every frame came out of the response body as a chunk of its own, handed from the
//! connection's task to the reader's, two task wake-ups a line, which cost more than all
//! the rest Squirrel does with a line. Here one task reads the connection in large reads and
//! takes apart, in one pass, the HTTP/1.1 framing (`Transfer-Encoding: chunked`,
//! `Content-Length`, or until the connection closes) and the engine's stream frames (an
//! 8-byte header: the stream, three zero bytes, the length in big-endian; or, for a TTY
//! container, a raw byte stream).
//!
//! The connection comes from the device's own transport ([`Dialer`]): the same socket, TLS
//! settings or SSH connection as every other request. It is opened for one log and closed
//! with it: dropping the stream closes it, which the engine sees at once.

use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::{Buf, BytesMut};
use futures_util::Stream;
use squirrel_core::model::{LogLine, LogQuery, LogSource};
use squirrel_core::EngineError;
use tokio::io::AsyncWriteExt;

use crate::client::status_error;
use crate::http::{Dialer, RawIo};
use crate::http1::{encode, lost, read_head, Body};
use crate::logs::Lines;

/// Bytes asked of the connection at a time.
const READ_SIZE: usize = 64 * 1024;
/// The longest frame accepted. The engine cuts messages far shorter (its log copier at
/// 16 KiB); a longer one is a broken or hostile stream.
const MAX_FRAME: usize = 1024 * 1024;
/// Lines taken apart before they are handed on: a frame full of newlines cannot make
/// millions at once.
const LINES_AT_ONCE: usize = 4096;
/// The most of an error response's body read for its message.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// How long connecting, asking and the response head may take together.
pub(crate) const OPEN_DEADLINE: Duration = Duration::from_secs(60);

/// Where the engine's log query goes: `/v1.xx/containers/{id}/logs?…`, always with times.
pub(crate) fn request_path(api_version: &str, engine_id: &str, query: &LogQuery) -> String {
    let flag = |on: bool| if on { "1" } else { "0" };
    let mut path = format!(
        "/v{api_version}/containers/{}/logs?stdout={}&stderr={}&timestamps=1&follow={}&tail=",
        encode(engine_id),
        flag(query.stdout),
        flag(query.stderr),
        flag(query.follow && query.until.is_none()),
    );
    match query.tail {
        Some(n) => path.push_str(&n.to_string()),
        None => path.push_str("all"),
    }
    if let Some(since) = query.since.filter(|s| *s > 0) {
        path.push_str(&format!("&since={since}"));
    }
    if let Some(until) = query.until.filter(|s| *s > 0) {
        path.push_str(&format!("&until={until}"));
    }
    path
}

/// Opens a connection, asks for the log and reads the response head, within
/// [`OPEN_DEADLINE`]. A refusal (no such container, a bad query) comes back as the engine's
/// own words.
pub(crate) async fn open(dial: &Dialer, path: &str) -> Result<Reader, EngineError> {
    match tokio::time::timeout(OPEN_DEADLINE, open_unbounded(dial, path)).await {
        Ok(result) => result,
        Err(_) => Err(EngineError::Unreachable(format!(
            "the engine did not answer the log request within {} s",
            OPEN_DEADLINE.as_secs()
        ))),
    }
}

async fn open_unbounded(dial: &Dialer, path: &str) -> Result<Reader, EngineError> {
    let io = dial.open().await.map_err(|e| {
        EngineError::Unreachable(format!("cannot open a connection for the log: {e}"))
    })?;
    Reader::start(io, &dial.host, path).await
}

/// What the body carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frames {
    /// Not known until the first byte (or the content type) tells.
    Unknown,
    /// Frames with an 8-byte header (a container without a TTY).
    Multiplexed,
    /// The TTY's bytes as they are.
    Raw,
}

/// One log response being read: its lines come out of it as a [`Stream`].
pub(crate) struct Reader {
    io: Box<dyn RawIo>,
    /// Bytes read and not yet taken apart.
    buf: BytesMut,
    body: Body,
    /// The body's bytes not yet taken apart into frames.
    payload: BytesMut,
    frames: Frames,
    lines: Lines,
    ready: std::vec::IntoIter<LogLine>,
    /// The body ended (or failed): what is `ready` is all that is left, then `failure`.
    done: bool,
    failure: Option<EngineError>,
}

impl Reader {
    /// Sends the request for `path` on `io` and reads the response head.
    pub(crate) async fn start(
        mut io: Box<dyn RawIo>,
        host: &str,
        path: &str,
    ) -> Result<Self, EngineError> {
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: Squirrel\r\n\r\n");
        io.write_all(request.as_bytes())
            .await
            .map_err(|e| lost("cannot send the log request", &e))?;
        io.flush()
            .await
            .map_err(|e| lost("cannot send the log request", &e))?;
        let mut reader = Self {
            io,
            buf: BytesMut::with_capacity(READ_SIZE),
            body: Body::UntilClosed,
            payload: BytesMut::new(),
            frames: Frames::Unknown,
            lines: Lines::default(),
            ready: Vec::new().into_iter(),
            done: false,
            failure: None,
        };
        let head = read_head(&mut reader.io, &mut reader.buf)
            .await
            .map_err(|e| e.engine_error("the log request"))?;
        reader.body = head.body;
        if head.multiplexed {
            reader.frames = Frames::Multiplexed;
        }
        if head.status != 200 {
            return Err(reader.refusal(head.status).await);
        }
        Ok(reader)
    }

    /// Reads once from the connection: the number of bytes read, 0 when it closed.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<Result<usize, EngineError>> {
        self.buf.reserve(READ_SIZE);
        tokio_util::io::poll_read_buf(Pin::new(&mut self.io), cx, &mut self.buf)
            .map_err(|e| lost("the log's connection failed", &e))
    }

    /// Ends the reading with `e`, after the lines already read and any line left unfinished.
    fn fail(&mut self, e: EngineError, out: &mut Vec<LogLine>) {
        self.done = true;
        out.extend(self.lines.finish());
        self.failure = Some(e);
    }

    async fn fill(&mut self) -> Result<usize, EngineError> {
        std::future::poll_fn(|cx| self.poll_fill(cx)).await
    }

    /// Takes apart what was read: the body's framing, then the engine's frames, into lines.
    /// Whether it stopped with frames left, once `out` held [`LINES_AT_ONCE`] lines.
    fn take_apart(&mut self, out: &mut Vec<LogLine>) -> Result<bool, String> {
        self.body.take(&mut self.buf, &mut self.payload)?;
        if self.frames == Frames::Unknown {
            // Times always lead (`timestamps=1`): a TTY's output starts with a digit, a
            // frame with its stream (0 to 3) and three zero bytes.
            match self.payload.first() {
                None => return Ok(false),
                Some(0..=3) => self.frames = Frames::Multiplexed,
                Some(_) => self.frames = Frames::Raw,
            }
        }
        if self.frames == Frames::Raw {
            self.lines.console(&self.payload, out);
            self.payload.clear();
            return Ok(false);
        }
        while self.payload.len() >= 8 {
            if out.len() >= LINES_AT_ONCE {
                return Ok(true);
            }
            let header = &self.payload[..8];
            let length = u32::from_be_bytes([header[4], header[5], header[6], header[7]]) as usize;
            if length > MAX_FRAME {
                return Err(format!("a frame of {length} bytes"));
            }
            if self.payload.len() < 8 + length {
                self.payload.reserve(8 + length - self.payload.len());
                break;
            }
            let message = &self.payload[8..8 + length];
            match header[0] {
                0 => {}
                1 => self.lines.message(LogSource::Stdout, message, out),
                2 => self.lines.message(LogSource::Stderr, message, out),
                // The engine's own error, in the stream (a log entry it could not read): said
                // where it happened, and the log goes on, as the engine goes on.
                3 => self.lines.engine_says(message, out),
                other => return Err(format!("a frame of an unknown stream ({other})")),
            }
            self.payload.advance(8 + length);
        }
        if self.body == Body::Ended && !self.payload.is_empty() {
            tracing::debug!(
                bytes = self.payload.len(),
                "a log ended within a frame: its start is left out"
            );
        }
        Ok(false)
    }

    /// The engine's refusal, in its own words (`{"message": …}`), read within a bound.
    async fn refusal(mut self, status: u16) -> EngineError {
        let mut body = BytesMut::new();
        loop {
            if self.body.take(&mut self.buf, &mut body).is_err()
                || self.body == Body::Ended
                || body.len() >= MAX_ERROR_BODY
            {
                break;
            }
            match self.fill().await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        let message = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("message")?.as_str().map(str::to_string))
            .unwrap_or_else(|| String::from_utf8_lossy(&body).trim().to_string());
        let message = if message.is_empty() {
            format!("the engine refused the log request (HTTP {status})")
        } else {
            message
        };
        status_error(status, &message)
    }
}

/// The log's lines, in order; an error comes after every line read before it, and nothing
/// comes after it. Polled straight, a line at a time: a line already taken apart is handed
/// out with no read and no future of its own.
impl Stream for Reader {
    type Item = Result<LogLine, EngineError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(line) = this.ready.next() {
                return Poll::Ready(Some(Ok(line)));
            }
            if let Some(e) = this.failure.take() {
                return Poll::Ready(Some(Err(e)));
            }
            if this.done {
                return Poll::Ready(None);
            }
            let mut out = Vec::new();
            match this.take_apart(&mut out) {
                Err(e) => this.fail(
                    EngineError::Other(format!("the engine's log stream is broken ({e})")),
                    &mut out,
                ),
                // Lines enough for now: the rest of what was read waits in the buffers.
                Ok(true) => {}
                Ok(false) if this.body == Body::Ended => {
                    this.done = true;
                    out.extend(this.lines.finish());
                }
                Ok(false) if out.is_empty() => match ready!(this.poll_fill(cx)) {
                    Ok(0) if this.body == Body::UntilClosed => this.body = Body::Ended,
                    Ok(0) => this.fail(
                        EngineError::Unreachable(
                            "the engine closed the log's connection before the log ended".into(),
                        ),
                        &mut out,
                    ),
                    Ok(_) => {}
                    Err(e) => this.fail(e, &mut out),
                },
                Ok(false) => {}
            }
            this.ready = out.into_iter();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use super::*;
    use futures_util::StreamExt;
    use std::collections::VecDeque;
    use std::io;
    use std::sync::{Arc, Mutex};
    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

    /// A connection that answers with `pieces`, one read each, and keeps what is written.
    struct Pieces {
        pieces: VecDeque<Vec<u8>>,
        written: Arc<Mutex<Vec<u8>>>,
    }

    impl AsyncRead for Pieces {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            if let Some(mut piece) = self.pieces.pop_front() {
                let n = piece.len().min(buf.remaining());
                buf.put_slice(&piece[..n]);
                if n < piece.len() {
                    self.pieces.push_front(piece.split_off(n));
                }
            }
            Poll::Ready(Ok(()))
        }
    }

    impl AsyncWrite for Pieces {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.written.lock().unwrap().extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// Everything `response`, cut at `cuts` (cycled), gives: the lines, or the error that
    /// ended them; and the request written.
    fn read_all(
        response: &[u8],
        cuts: &[usize],
    ) -> (Result<Vec<LogLine>, EngineError>, Vec<LogLine>, String) {
        let mut pieces = VecDeque::new();
        let mut rest = response;
        let mut i = 0;
        while !rest.is_empty() {
            let n = cuts
                .get(i % cuts.len().max(1))
                .copied()
                .unwrap_or(rest.len());
            let n = n.clamp(1, rest.len());
            pieces.push_back(rest[..n].to_vec());
            rest = &rest[n..];
            i += 1;
        }
        let written = Arc::new(Mutex::new(Vec::new()));
        let io = Pieces {
            pieces,
            written: written.clone(),
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (result, partial) = runtime.block_on(async {
            let mut reader = match Reader::start(Box::new(io), "docker", "/v1.47/x").await {
                Ok(r) => r,
                Err(e) => return (Err(e), Vec::new()),
            };
            let mut lines = Vec::new();
            while let Some(item) = reader.next().await {
                match item {
                    Ok(line) => lines.push(line),
                    Err(e) => return (Err(e), lines),
                }
            }
            (Ok(lines), Vec::new())
        });
        let request = String::from_utf8(written.lock().unwrap().clone()).unwrap();
        (result, partial, request)
    }

    pub(crate) fn frame(stream: u8, message: &[u8]) -> Vec<u8> {
        let mut f = vec![stream, 0, 0, 0];
        f.extend_from_slice(&(message.len() as u32).to_be_bytes());
        f.extend_from_slice(message);
        f
    }

    /// `body` chunked as the engine does it: one chunk per piece.
    pub(crate) fn chunked(pieces: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in pieces.iter().filter(|p| !p.is_empty()) {
            out.extend_from_slice(format!("{:x}\r\n", p.len()).as_bytes());
            out.extend_from_slice(p);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\n\r\n");
        out
    }

    pub(crate) const OK_CHUNKED: &str = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    pub(crate) const T1: &str = "2026-12-01T06:40:00.123456789Z";

    fn texts(lines: &[LogLine]) -> Vec<(LogSource, &str)> {
        lines.iter().map(|l| (l.source, l.text.as_str())).collect()
    }

    #[test]
    fn the_request_asks_for_times_and_what_the_query_says() {
        let q = LogQuery {
            tail: None,
            since: Some(1_700_000_000),
            until: None,
            follow: true,
            stdout: true,
            stderr: false,
        };
        assert_eq!(
            request_path("1.47", "abc/../x y", &q),
            "/v1.47/containers/abc%2F..%2Fx%20y/logs?stdout=1&stderr=0&timestamps=1&follow=1&tail=all&since=1700000000"
        );
        let range = LogQuery {
            tail: Some(20),
            since: Some(-3),
            until: Some(100),
            ..q
        };
        assert_eq!(
            request_path("1.41", "c", &range),
            "/v1.41/containers/c/logs?stdout=1&stderr=0&timestamps=1&follow=0&tail=20&until=100"
        );
    }

    #[test]
    fn a_chunked_multiplexed_log_gives_its_lines_and_the_request_is_plain_http() {
        let body = chunked(&[
            frame(1, format!("{T1} hello\n").as_bytes()),
            frame(2, format!("{T1} oops\n").as_bytes()),
            frame(1, format!("{T1} last, no newline").as_bytes()),
        ]);
        let response = [OK_CHUNKED.as_bytes(), &body].concat();
        let (lines, _, request) = read_all(&response, &[7]);
        let lines = lines.unwrap();
        assert_eq!(
            texts(&lines),
            vec![
                (LogSource::Stdout, "hello"),
                (LogSource::Stderr, "oops"),
                (LogSource::Stdout, "last, no newline")
            ]
        );
        assert_eq!(
            request,
            "GET /v1.47/x HTTP/1.1\r\nHost: docker\r\nUser-Agent: Squirrel\r\n\r\n"
        );
    }

    #[test]
    fn a_tty_log_is_told_by_its_first_byte_and_read_as_it_is() {
        let body = format!("{T1} one\r\ntwo\r\n");
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let (lines, _, _) = read_all(response.as_bytes(), &[3, 11]);
        assert_eq!(
            texts(&lines.unwrap()),
            vec![(LogSource::Tty, "one"), (LogSource::Tty, "two")]
        );
    }

    #[test]
    fn a_body_until_the_connection_closes_is_read_whole() {
        let body = [frame(1, format!("{T1} a\n{T1} b\n").as_bytes())].concat();
        let response = [
            b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".as_slice(),
            &body,
        ]
        .concat();
        let (lines, _, _) = read_all(&response, &[5]);
        assert_eq!(
            texts(&lines.unwrap()),
            vec![(LogSource::Stdout, "a"), (LogSource::Stdout, "b")]
        );
    }

    #[test]
    fn a_refusal_comes_back_in_the_engine_s_words() {
        let body = r#"{"message":"No such container: nope"}"#;
        let response = format!(
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let (result, _, _) = read_all(response.as_bytes(), &[9]);
        assert_eq!(
            result.err(),
            Some(EngineError::NoSuchObject("No such container: nope".into()))
        );
    }

    #[test]
    fn a_log_cut_off_midway_ends_with_a_reason_after_the_lines_it_had() {
        let body = chunked(&[frame(1, format!("{T1} kept\n").as_bytes())]);
        let response = [OK_CHUNKED.as_bytes(), &body[..body.len() - 5]].concat();
        let (result, partial, _) = read_all(&response, &[64]);
        assert!(
            matches!(result, Err(EngineError::Unreachable(ref m)) if m.contains("before the log ended")),
            "{result:?}"
        );
        assert_eq!(texts(&partial), vec![(LogSource::Stdout, "kept")]);
    }

    #[test]
    fn a_frame_of_an_unknown_stream_or_a_huge_length_ends_the_log_after_the_lines_before_it() {
        for bad in [frame(7, b"x"), vec![1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]] {
            let good = frame(1, format!("{T1} before\n").as_bytes());
            let response = [OK_CHUNKED.as_bytes(), &chunked(&[[good, bad].concat()])].concat();
            let (result, partial, _) = read_all(&response, &[100_000]);
            assert!(
                matches!(result, Err(EngineError::Other(ref m)) if m.contains("broken")),
                "{result:?}"
            );
            assert_eq!(texts(&partial), vec![(LogSource::Stdout, "before")]);
        }
    }

    #[test]
    fn the_engine_s_own_error_in_the_stream_is_a_line_and_the_log_goes_on() {
        let body = chunked(&[
            frame(1, format!("{T1} a\n").as_bytes()),
            frame(3, b"Error grabbing logs: invalid character 'x'\n"),
            frame(2, format!("{T1} b\n").as_bytes()),
        ]);
        let (lines, _, _) = read_all(&[OK_CHUNKED.as_bytes(), &body].concat(), &[50]);
        let lines = lines.unwrap();
        assert_eq!(
            texts(&lines),
            vec![
                (LogSource::Stdout, "a"),
                (
                    LogSource::Stderr,
                    "[Docker] Error grabbing logs: invalid character 'x'"
                ),
                (LogSource::Stderr, "b")
            ]
        );
        assert_eq!(lines[1].ts, lines[0].ts, "at the time of the line before");
    }

    #[test]
    fn many_frames_in_one_read_come_out_a_part_at_a_time_and_all_of_them() {
        let n = 3 * LINES_AT_ONCE + 17;
        let frames: Vec<u8> = (0..n)
            .flat_map(|i| frame(1, format!("{T1} line {i}\n").as_bytes()))
            .collect();
        let response = [OK_CHUNKED.as_bytes(), &chunked(&[frames])].concat();
        let (lines, _, _) = read_all(&response, &[response.len()]);
        let lines = lines.unwrap();
        assert_eq!(lines.len(), n);
        assert!(lines
            .iter()
            .enumerate()
            .all(|(i, l)| l.text == format!("line {i}")));
    }

    proptest::proptest! {
        /// Any lines of either stream, framed, chunked anyhow and read in pieces cut
        /// anywhere, give exactly what the engine's frames give when handed over whole.
        #[test]
        fn lines_cut_anywhere_come_out_as_the_frames_give_them(
            lines in proptest::collection::vec((1u8..3, "[^\n]{0,60}", proptest::bool::ANY), 0..40),
            per_chunk in 1usize..5,
            cuts in proptest::collection::vec(1usize..200, 1..8),
        ) {
            let frames: Vec<Vec<u8>> = lines
                .iter()
                .map(|(s, text, timed)| {
                    let message = if *timed { format!("{T1} {text}\n") } else { format!("{text}\n") };
                    frame(*s, message.as_bytes())
                })
                .collect();
            let mut expected_lines = Lines::default();
            let mut expected = Vec::new();
            for ((s, _, _), f) in lines.iter().zip(&frames) {
                let source = if *s == 1 { LogSource::Stdout } else { LogSource::Stderr };
                expected_lines.message(source, &f[8..], &mut expected);
            }
            expected.extend(expected_lines.finish());
            let pieces: Vec<Vec<u8>> = frames.chunks(per_chunk).map(|c| c.concat()).collect();
            let response = [OK_CHUNKED.as_bytes(), &chunked(&pieces)].concat();
            let (got, _, _) = read_all(&response, &cuts);
            let got = got.unwrap();
            proptest::prop_assert_eq!(texts(&got), texts(&expected));
            proptest::prop_assert_eq!(
                got.iter().map(|l| l.ts).collect::<Vec<_>>(),
                expected.iter().map(|l| l.ts).collect::<Vec<_>>()
            );
        }

        /// Any bytes as an answer: no panic, and the reading ends.
        #[test]
        fn any_answer_never_panics(
            head in proptest::sample::select(vec![OK_CHUNKED, "HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\n", ""]),
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400),
            cuts in proptest::collection::vec(1usize..50, 1..5),
        ) {
            let response = [head.as_bytes(), &bytes].concat();
            let _ = read_all(&response, &cuts);
        }
    }
}
