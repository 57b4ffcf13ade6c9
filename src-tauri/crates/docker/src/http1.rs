//! HTTP/1.1 as Squirrel reads it itself on its own connections to the engine (logs, file
//! archives): a response head, and a body's framing (`Transfer-Encoding: chunked`,
//! `Content-Length`, or until the connection closes) taken apart as bytes come.

use std::io;

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt};

use squirrel_core::EngineError;

/// The longest response head accepted.
pub(crate) const MAX_HEAD: usize = 64 * 1024;
/// The longest chunk-size line accepted (the size and any extension).
const MAX_CHUNK_LINE: usize = 1024;

/// How the response body is framed, and where its reading stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Body {
    /// Chunked: next, a chunk-size line.
    ChunkSize,
    /// Chunked: this many bytes of the current chunk still to come.
    ChunkData(u64),
    /// Chunked: the CRLF after a chunk's data.
    ChunkEnd,
    /// Chunked: after the last chunk, trailer lines until an empty one.
    Trailers,
    /// This many bytes still to come (`Content-Length`).
    Length(u64),
    /// Everything until the connection closes.
    UntilClosed,
    /// The whole body has been read.
    Ended,
}

/// What the next bytes read hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// The first this many bytes of the buffer are the body's: the caller takes them.
    Data(usize),
    /// More must be read first.
    More,
    /// The body has ended.
    Ended,
}

impl Body {
    /// Takes framing off the front of `buf` until body bytes lead it (at most `room` of
    /// them are counted as taken), more must be read, or the body ended. The caller takes
    /// the `Data` bytes off `buf` itself.
    pub(crate) fn step(&mut self, buf: &mut BytesMut, room: usize) -> Result<Step, String> {
        loop {
            match *self {
                Body::ChunkSize => match httparse::parse_chunk_size(buf) {
                    Ok(httparse::Status::Complete((used, size))) => {
                        buf.advance(used);
                        *self = if size == 0 {
                            Body::Trailers
                        } else {
                            Body::ChunkData(size)
                        };
                    }
                    Ok(httparse::Status::Partial) if buf.len() > MAX_CHUNK_LINE => {
                        return Err("a chunk size line that does not end".into())
                    }
                    Ok(httparse::Status::Partial) => return Ok(Step::More),
                    Err(_) => return Err("a chunk size that is not a number".into()),
                },
                Body::ChunkData(left) | Body::Length(left) => {
                    if buf.is_empty() {
                        return Ok(Step::More);
                    }
                    let n = usize::try_from(left)
                        .map_or(buf.len(), |l| l.min(buf.len()))
                        .min(room);
                    self.passed(n);
                    return Ok(Step::Data(n));
                }
                Body::ChunkEnd => {
                    if buf.len() < 2 {
                        return Ok(Step::More);
                    }
                    if &buf[..2] != b"\r\n" {
                        return Err("a chunk that does not end where its size says".into());
                    }
                    buf.advance(2);
                    *self = Body::ChunkSize;
                }
                Body::Trailers => match buf.windows(2).position(|w| w == b"\r\n") {
                    Some(0) => {
                        buf.advance(2);
                        *self = Body::Ended;
                    }
                    Some(end) => buf.advance(end + 2),
                    None if buf.len() > MAX_HEAD => {
                        return Err("a trailer line that does not end".into())
                    }
                    None => return Ok(Step::More),
                },
                Body::UntilClosed => {
                    return Ok(if buf.is_empty() {
                        Step::More
                    } else {
                        Step::Data(buf.len().min(room))
                    })
                }
                Body::Ended => return Ok(Step::Ended),
            }
        }
    }

    /// How many bytes of the body come next with no framing among them (all of them, for
    /// a body read until the connection closes); `None` when framing comes first. Bytes
    /// read past the buffer, up to this many, are the body's: say so with [`Body::passed`].
    pub(crate) fn data_ahead(&self) -> Option<u64> {
        match *self {
            Body::ChunkData(left) | Body::Length(left) => Some(left),
            Body::UntilClosed => Some(u64::MAX),
            _ => None,
        }
    }

    /// Counts `n` bytes of the body as taken (at most [`Body::data_ahead`]).
    pub(crate) fn passed(&mut self, n: usize) {
        *self = match *self {
            Body::ChunkData(left) => match left.saturating_sub(n as u64) {
                0 => Body::ChunkEnd,
                left => Body::ChunkData(left),
            },
            Body::Length(left) => match left.saturating_sub(n as u64) {
                0 => Body::Ended,
                left => Body::Length(left),
            },
            other => other,
        };
    }

    /// Moves what `buf` holds of the body into `payload`, and as much of the framing as
    /// it can take apart.
    pub(crate) fn take(
        &mut self,
        buf: &mut BytesMut,
        payload: &mut BytesMut,
    ) -> Result<(), String> {
        loop {
            match self.step(buf, usize::MAX)? {
                Step::Data(n) => {
                    payload.extend_from_slice(&buf[..n]);
                    buf.advance(n);
                }
                Step::More | Step::Ended => return Ok(()),
            }
        }
    }
}

/// What a response head says.
#[derive(Debug)]
pub(crate) struct Head {
    pub status: u16,
    /// Its bytes, the blank line included.
    pub length: usize,
    pub body: Body,
    /// The content type says the body is made of frames.
    pub multiplexed: bool,
    /// The engine closes the connection after this answer (`Connection: close`, or an
    /// HTTP/1.0 answer not kept alive): it cannot carry another request.
    pub close: bool,
}

impl Head {
    /// The head at the start of `bytes`; `None` while it is incomplete.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Option<Head>, httparse::Error> {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut response = httparse::Response::new(&mut headers);
        let length = match response.parse(bytes)? {
            httparse::Status::Complete(n) => n,
            httparse::Status::Partial => return Ok(None),
        };
        let status = response.code.unwrap_or_default();
        let mut body = Body::UntilClosed;
        let mut multiplexed = false;
        let (mut close, mut keep_alive) = (false, false);
        for header in response.headers.iter() {
            let value = String::from_utf8_lossy(header.value);
            let value = value.trim();
            if header.name.eq_ignore_ascii_case("transfer-encoding") {
                if value.to_ascii_lowercase().ends_with("chunked") {
                    body = Body::ChunkSize;
                }
            } else if header.name.eq_ignore_ascii_case("content-length") {
                if body != Body::ChunkSize {
                    if let Ok(n) = value.parse::<u64>() {
                        body = if n == 0 { Body::Ended } else { Body::Length(n) };
                    }
                }
            } else if header.name.eq_ignore_ascii_case("content-type") {
                multiplexed = value.starts_with("application/vnd.docker.multiplexed-stream");
            } else if header.name.eq_ignore_ascii_case("connection") {
                for token in value.split(',').map(str::trim) {
                    close |= token.eq_ignore_ascii_case("close");
                    keep_alive |= token.eq_ignore_ascii_case("keep-alive");
                }
            }
        }
        if response.version == Some(0) && !keep_alive {
            close = true;
        }
        if status == 204 || status == 304 {
            body = Body::Ended;
        }
        Ok(Some(Head {
            status,
            length,
            body,
            multiplexed,
            close,
        }))
    }
}

/// Why no response head was read.
#[derive(Debug)]
pub(crate) enum HeadError {
    /// It went on past [`MAX_HEAD`] without ending.
    Endless,
    /// What came is not an HTTP response.
    NotHttp(httparse::Error),
    /// The connection closed first; `silent`: before any byte of an answer came.
    Closed { silent: bool },
    /// Reading failed; `silent` as for [`HeadError::Closed`].
    Read { error: io::Error, silent: bool },
}

impl HeadError {
    /// Said as an engine error about the answer to `request` ("the log request").
    pub(crate) fn engine_error(self, request: &str) -> EngineError {
        match self {
            HeadError::Endless => EngineError::Other(format!(
                "the engine's answer to {request} has a head that does not end"
            )),
            HeadError::NotHttp(e) => {
                EngineError::Other(format!("the engine's answer to {request} is not HTTP: {e}"))
            }
            HeadError::Closed { silent: true } => EngineError::Unreachable(format!(
                "the engine closed the connection before it answered {request}"
            )),
            HeadError::Closed { silent: false } => EngineError::Unreachable(format!(
                "the engine closed the connection in the middle of its answer to {request}"
            )),
            HeadError::Read { error, .. } => {
                lost(&format!("cannot read the answer to {request}"), &error)
            }
        }
    }
}

/// The connection to the engine failed while doing `what`.
pub(crate) fn lost(what: &str, e: &io::Error) -> EngineError {
    EngineError::Unreachable(format!("{what}: {e}"))
}

/// Reads a response head from `io` into `buf`, past any interim (`1xx`) ones: what follows
/// it stays in `buf`. Not for an answer whose `1xx` is final (`101 Switching Protocols`).
pub(crate) async fn read_head<R: AsyncRead + Unpin>(
    io: &mut R,
    buf: &mut BytesMut,
) -> Result<Head, HeadError> {
    let mut answered = !buf.is_empty();
    loop {
        match Head::parse(buf) {
            Ok(Some(head)) => {
                answered = true;
                buf.advance(head.length);
                if (100..200).contains(&head.status) {
                    continue;
                }
                return Ok(head);
            }
            Ok(None) if buf.len() > MAX_HEAD => return Err(HeadError::Endless),
            Ok(None) => {}
            Err(e) => return Err(HeadError::NotHttp(e)),
        }
        buf.reserve(16 * 1024);
        match io.read_buf(buf).await {
            Ok(0) => return Err(HeadError::Closed { silent: !answered }),
            Ok(_) => answered = true,
            Err(error) => {
                return Err(HeadError::Read {
                    error,
                    silent: !answered,
                })
            }
        }
    }
}

/// `s` percent-encoded for a path segment or a query value: only unreserved characters stay as they are.
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `body` chunked in `sizes` (cycled), ended with a trailer: what an engine would send.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) fn chunked(body: &[u8], sizes: &[usize]) -> Vec<u8> {
    let (mut wire, mut at) = (Vec::new(), 0);
    let mut sizes = sizes.iter().cycle();
    while at < body.len() {
        let n = (*sizes.next().unwrap()).clamp(1, body.len() - at);
        wire.extend_from_slice(format!("{n:x}\r\n").as_bytes());
        wire.extend_from_slice(&body[at..at + n]);
        wire.extend_from_slice(b"\r\n");
        at += n;
    }
    wire.extend_from_slice(b"0\r\nX-Trailer: t\r\n\r\n");
    wire
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reads `wire` in pieces of `cuts`' sizes, taking at most `room` body bytes a step:
    /// the body, or where the framing broke.
    fn read(body: Body, wire: &[u8], cuts: &[usize], room: usize) -> Result<Vec<u8>, String> {
        read_with(body, wire, cuts, room, false)
    }

    /// As [`read`]; `direct`: where the buffer is empty and body bytes come next, they are
    /// read past the buffer, as a download reads them straight into the tar reader's.
    fn read_with(
        mut body: Body,
        wire: &[u8],
        cuts: &[usize],
        room: usize,
        direct: bool,
    ) -> Result<Vec<u8>, String> {
        let (mut buf, mut out, mut at) = (BytesMut::new(), Vec::new(), 0);
        let mut cuts = cuts.iter().cycle();
        loop {
            if let (true, true, Some(ahead)) = (direct, buf.is_empty(), body.data_ahead()) {
                let cut = *cuts.next().unwrap();
                let n = usize::try_from(ahead)
                    .unwrap_or(usize::MAX)
                    .min(cut)
                    .min(room)
                    .min(wire.len() - at);
                if n > 0 {
                    out.extend_from_slice(&wire[at..at + n]);
                    at += n;
                    body.passed(n);
                    continue;
                }
            }
            match body.step(&mut buf, room)? {
                Step::Data(n) => {
                    assert!(n > 0 && n <= room);
                    out.extend_from_slice(&buf[..n]);
                    buf.advance(n);
                }
                Step::Ended => return Ok(out),
                Step::More if at == wire.len() => {
                    return match body {
                        Body::UntilClosed => Ok(out),
                        _ => Err("cut short".into()),
                    }
                }
                Step::More => {
                    let n = (*cuts.next().unwrap()).clamp(1, wire.len() - at);
                    buf.extend_from_slice(&wire[at..at + n]);
                    at += n;
                }
            }
        }
    }

    #[test]
    fn a_head_says_how_its_body_is_framed() {
        let head = Head::parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nrest")
            .unwrap()
            .unwrap();
        assert_eq!(
            (head.status, head.body, head.length),
            (200, Body::ChunkSize, 47)
        );
        let head = Head::parse(b"HTTP/1.1 404 Not Found\r\nContent-Length: 12\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(head.body, Body::Length(12));
        assert!(Head::parse(b"HTTP/1.1 200 OK\r\nContent-")
            .unwrap()
            .is_none());
        assert!(Head::parse(b"\x16\x03\x01 not http\r\n\r\n").is_err());
    }

    #[test]
    fn a_chunk_that_does_not_end_where_its_size_says_is_refused() {
        let err = read(Body::ChunkSize, b"3\r\nabcd\r\n0\r\n\r\n", &[64], 64).unwrap_err();
        assert!(err.contains("does not end where its size says"), "{err}");
        let err = read(Body::ChunkSize, b"zz\r\n", &[64], 64).unwrap_err();
        assert!(err.contains("not a number"), "{err}");
        assert_eq!(read(Body::Length(4), b"abcdefg", &[2], 3).unwrap(), b"abcd");
    }

    proptest! {
        /// Any body, chunked any way, read in any pieces with any room: the same body.
        #[test]
        fn any_chunking_read_any_way_gives_the_body_back(
            body in proptest::collection::vec(any::<u8>(), 0..4096),
            sizes in proptest::collection::vec(1usize..600, 1..8),
            cuts in proptest::collection::vec(1usize..900, 1..8),
            room in 1usize..2000,
        ) {
            prop_assert_eq!(read(Body::ChunkSize, &chunked(&body, &sizes), &cuts, room).unwrap(), body.clone());
            let length = Body::Length(body.len() as u64);
            let framed = if body.is_empty() { Body::Ended } else { length };
            prop_assert_eq!(read(framed, &body, &cuts, room).unwrap(), body.clone());
            prop_assert_eq!(read(Body::UntilClosed, &body, &cuts, room).unwrap(), body.clone());
            // Body bytes read past the buffer wherever they lead: the same.
            let wire = chunked(&body, &sizes);
            prop_assert_eq!(read_with(Body::ChunkSize, &wire, &cuts, room, true).unwrap(), body.clone());
            prop_assert_eq!(read_with(framed, &body, &cuts, room, true).unwrap(), body.clone());
            prop_assert_eq!(read_with(Body::UntilClosed, &body, &cuts, room, true).unwrap(), body);
        }

        /// Any bytes as a chunked body or a head: a body, or an error, never a panic or a
        /// step that takes nothing forever.
        #[test]
        fn any_bytes_never_panic(
            wire in proptest::collection::vec(any::<u8>(), 0..2048),
            cuts in proptest::collection::vec(1usize..300, 1..6),
        ) {
            let _ = read(Body::ChunkSize, &wire, &cuts, 512);
            let _ = Head::parse(&wire);
        }
    }
}
