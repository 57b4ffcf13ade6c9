//! Plain `GET`s to the engine on connections Squirrel keeps open between them, read with
//! `httparse`: for requests made hundreds at a time (a stats round of every running
//! container), where hyper's per-request path and bollard's full models cost more than
//! the few numbers wanted from each answer.

use std::io;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::http::{Dialer, RawIo};
use crate::http1::{read_head, Body, HeadError};

/// A whole answer: its status and its body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: BytesMut,
}

/// How long a connection is kept idle: hyper's pool keeps its own as long. Past it, a
/// connection dropped on the way without a word (a NAT, a firewall) would only show as a
/// request that waits for its deadline.
pub(crate) const IDLE_KEEP: Duration = Duration::from_secs(30);

struct Conn {
    io: Box<dyn RawIo>,
    /// Bytes read and not yet taken apart.
    buf: BytesMut,
    /// Since when it has waited for the next request.
    idle_since: Instant,
}

enum Failure {
    /// The connection was closed before any byte of the answer came: a kept connection the
    /// engine closed while it was idle. Asking again on a new one is safe (a `GET`).
    ClosedBeforeAnswer,
    Broken(String),
}

/// Asks on kept connections, one request at a time on each; as many connections as
/// requests in flight at once, kept for the next requests when their answers ended cleanly.
pub(crate) struct Requester {
    dial: Dialer,
    idle: Mutex<Vec<Conn>>,
}

impl Requester {
    pub fn new(dial: Dialer) -> Self {
        Self {
            dial,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// `GET path`, on an idle connection when there is one. A body longer than `max_body`
    /// is refused. The caller bounds the time: a request given up drops its connection.
    pub async fn get(&self, path: &str, max_body: usize) -> Result<Answer, String> {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: Squirrel\r\n\r\n",
            self.dial.host
        );
        if let Some(conn) = self.take_idle() {
            match exchange(conn, &request, max_body, true).await {
                Ok(answer) => return Ok(self.keep(answer)),
                Err(Failure::Broken(e)) => return Err(e),
                Err(Failure::ClosedBeforeAnswer) => {}
            }
        }
        let io = self
            .dial
            .open()
            .await
            .map_err(|e| format!("cannot open a connection to the engine: {e}"))?;
        let conn = Conn {
            io,
            buf: BytesMut::with_capacity(READ_SIZE),
            idle_since: Instant::now(),
        };
        match exchange(conn, &request, max_body, false).await {
            Ok(answer) => Ok(self.keep(answer)),
            Err(Failure::Broken(e)) => Err(e),
            Err(Failure::ClosedBeforeAnswer) => {
                Err("the engine closed the connection before answering".into())
            }
        }
    }

    /// The most recently used idle connection; those idle past [`IDLE_KEEP`] are closed.
    fn take_idle(&self) -> Option<Conn> {
        let mut idle = self.idle.lock().ok()?;
        idle.retain(|c| c.idle_since.elapsed() < IDLE_KEEP);
        idle.pop()
    }

    fn keep(&self, (answer, conn): (Answer, Option<Conn>)) -> Answer {
        if let (Some(mut conn), Ok(mut idle)) = (conn, self.idle.lock()) {
            conn.idle_since = Instant::now();
            idle.push(conn);
        }
        answer
    }

    /// Closes the idle connections (an SSH channel each, on SSH: they are given back).
    pub fn close_idle(&self) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }

    /// Connections kept for the next requests.
    #[cfg(test)]
    pub fn idle_count(&self) -> usize {
        self.idle.lock().map(|i| i.len()).unwrap_or(0)
    }
}

const READ_SIZE: usize = 16 * 1024;

/// Sends `request` on `conn` and reads the whole answer; the connection comes back when
/// it can carry another request (the body ended where its framing said, nothing after it).
/// On a `kept` connection, a close before any byte of the answer is told apart: the engine
/// closed it while it was idle (a reset or a broken pipe at the first write or read).
async fn exchange(
    mut conn: Conn,
    request: &str,
    max_body: usize,
    kept: bool,
) -> Result<(Answer, Option<Conn>), Failure> {
    let broken = |what: &str, e: &io::Error| Failure::Broken(format!("{what}: {e}"));
    let closed_or = |e: io::Error, what: &str| match e.kind() {
        io::ErrorKind::BrokenPipe
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::UnexpectedEof
            if kept =>
        {
            Failure::ClosedBeforeAnswer
        }
        _ => broken(what, &e),
    };
    if let Err(e) = conn.io.write_all(request.as_bytes()).await {
        return Err(closed_or(e, "cannot send the request"));
    }
    if let Err(e) = conn.io.flush().await {
        return Err(closed_or(e, "cannot send the request"));
    }
    let head = match read_head(&mut conn.io, &mut conn.buf).await {
        Ok(head) => head,
        Err(HeadError::Closed { silent: true }) if kept => return Err(Failure::ClosedBeforeAnswer),
        Err(HeadError::Read {
            error,
            silent: true,
        }) => return Err(closed_or(error, "cannot read the answer")),
        Err(HeadError::Read { error, .. }) => return Err(broken("cannot read the answer", &error)),
        Err(HeadError::Closed { silent: true }) => {
            return Err(Failure::Broken(
                "the engine closed the connection before answering".into(),
            ))
        }
        Err(HeadError::Closed { silent: false }) => {
            return Err(Failure::Broken(
                "the engine closed the connection in the middle of its answer".into(),
            ))
        }
        Err(HeadError::Endless) => {
            return Err(Failure::Broken(
                "the engine's answer has a head that does not end".into(),
            ))
        }
        Err(HeadError::NotHttp(e)) => {
            return Err(Failure::Broken(format!(
                "the engine's answer is not HTTP: {e}"
            )))
        }
    };
    let mut body = head.body;
    let mut payload = BytesMut::new();
    let reusable = loop {
        body.take(&mut conn.buf, &mut payload)
            .map_err(|e| Failure::Broken(format!("the engine's answer is broken ({e})")))?;
        if payload.len() > max_body {
            return Err(Failure::Broken(format!(
                "the engine's answer is longer than {max_body} bytes"
            )));
        }
        if body == Body::Ended {
            // Nothing after the body, and the engine does not close it after this answer.
            break conn.buf.is_empty() && !head.close;
        }
        conn.buf.reserve(READ_SIZE);
        match conn.io.read_buf(&mut conn.buf).await {
            Ok(0) if body == Body::UntilClosed => break false,
            Ok(0) => {
                return Err(Failure::Broken(
                    "the engine closed the connection in the middle of its answer".into(),
                ))
            }
            Ok(_) => {}
            Err(e) => return Err(broken("cannot read the answer", &e)),
        }
    };
    let answer = Answer {
        status: head.status,
        body: payload,
    };
    Ok((answer, reusable.then_some(conn)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use proptest::prelude::*;
    use tokio::io::AsyncWriteExt;
    use tokio::net::UnixListener;

    use super::*;
    use crate::http1::{chunked, Head};

    /// What the fake engine does with the `n`th request on a connection: the answer's bytes,
    /// written in these pieces, and whether to close the connection after them.
    pub(crate) type Script = dyn Fn(usize, &str) -> (Vec<Vec<u8>>, bool) + Send + Sync;

    /// A fake engine on a socket of its own, answering as `script` says, and a requester of it;
    /// it counts the connections it accepted.
    fn engine(script: Arc<Script>) -> (tempfile::TempDir, Requester, Arc<AtomicUsize>) {
        let (dir, path, accepted) = serve(script);
        let (_, dial) = crate::unix::connect(&path.display().to_string(), 5).unwrap();
        (dir, Requester::new(dial), accepted)
    }

    /// A fake engine at `docker.sock` in a folder of its own, answering as `script` says; it
    /// counts the connections it accepted.
    pub(crate) fn serve(
        script: Arc<Script>,
    ) -> (tempfile::TempDir, std::path::PathBuf, Arc<AtomicUsize>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("docker.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counted = accepted.clone();
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                let script = script.clone();
                tokio::spawn(async move {
                    let mut pending = Vec::new();
                    let mut nth = 0;
                    loop {
                        let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") else {
                            let mut more = [0u8; 4096];
                            match conn.read(&mut more).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => pending.extend_from_slice(&more[..n]),
                            }
                            continue;
                        };
                        let head: Vec<u8> = pending.drain(..end + 4).collect();
                        let line = String::from_utf8_lossy(&head).to_string();
                        let path = line.split(' ').nth(1).unwrap_or_default().to_string();
                        let (pieces, close) = script(nth, &path);
                        nth += 1;
                        for piece in pieces {
                            if conn.write_all(&piece).await.is_err() {
                                return;
                            }
                            conn.flush().await.unwrap();
                            tokio::task::yield_now().await;
                        }
                        if close {
                            return;
                        }
                    }
                });
            }
        });
        (dir, path, accepted)
    }

    /// Every step of a test is bounded: a fake engine that waits must fail the test.
    async fn get(requests: &Requester, path: &str, max_body: usize) -> Result<Answer, String> {
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            requests.get(path, max_body),
        )
        .await
        .unwrap_or_else(|_| panic!("no answer to {path} within 10 s"))
    }

    pub(crate) fn with_length(body: &[u8]) -> Vec<u8> {
        let mut wire = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        wire.extend_from_slice(body);
        wire
    }

    fn with_chunks(body: &[u8], sizes: &[usize]) -> Vec<u8> {
        let mut wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        wire.extend_from_slice(&chunked(body, sizes));
        wire
    }

    #[tokio::test]
    async fn answers_come_whole_and_one_kept_connection_carries_them_in_turn() {
        let (_dir, requests, accepted) = engine(Arc::new(|nth, path: &str| {
            let body = format!("{{\"path\":\"{path}\"}}");
            let wire = if nth % 2 == 0 {
                with_length(body.as_bytes())
            } else {
                with_chunks(body.as_bytes(), &[3, 5])
            };
            (vec![wire], false)
        }));
        for n in 0..5 {
            let answer = get(&requests, &format!("/v1.41/n{n}"), 1024).await.unwrap();
            assert_eq!(answer.status, 200);
            assert_eq!(
                &answer.body[..],
                format!("{{\"path\":\"/v1.41/n{n}\"}}").as_bytes()
            );
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
        assert_eq!(requests.idle_count(), 1);
        requests.close_idle();
        assert_eq!(requests.idle_count(), 0);
    }

    #[tokio::test]
    async fn a_kept_connection_the_engine_closed_meanwhile_is_replaced() {
        // The engine closes every connection after its first answer, without saying so.
        let (_dir, requests, accepted) =
            engine(Arc::new(|_, _: &str| (vec![with_length(b"[]")], true)));
        for _ in 0..3 {
            let answer = get(&requests, "/v1.41/containers/json", 1024)
                .await
                .unwrap();
            assert_eq!(&answer.body[..], b"[]");
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn an_answer_that_says_connection_close_is_not_kept() {
        // The engine says it closes the connection (or answers as HTTP/1.0, which closes
        // unless kept alive), then holds it open a while: a second request on it would
        // wait for nothing.
        let served = Arc::new(AtomicUsize::new(0));
        let count = served.clone();
        let (_dir, requests, accepted) = engine(Arc::new(move |_, _: &str| {
            let head = if count.fetch_add(1, Ordering::SeqCst).is_multiple_of(2) {
                "HTTP/1.1 200 OK\r\nConnection: Upgrade, close\r\nContent-Length: 2\r\n\r\n"
            } else {
                "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n"
            };
            (vec![format!("{head}[]").into_bytes()], false)
        }));
        for n in 0..2 {
            let answer = get(&requests, "/x", 1024).await.unwrap();
            assert_eq!(&answer.body[..], b"[]");
            assert_eq!(requests.idle_count(), 0, "answer {n} is not kept");
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 2);
        assert_eq!(served.load(Ordering::SeqCst), 2);
        // Kept alive when it says so, and by default from HTTP/1.1 on.
        let head = Head::parse(b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(!head.close);
        let head = Head::parse(b"HTTP/1.1 200 OK\r\n\r\n").unwrap().unwrap();
        assert!(!head.close);
    }

    #[tokio::test]
    async fn an_answer_cut_short_is_an_error_and_its_connection_is_not_kept() {
        let (_dir, requests, _) = engine(Arc::new(|_, _: &str| {
            let mut wire = with_length(b"0123456789");
            wire.truncate(wire.len() - 6);
            (vec![wire], true)
        }));
        let err = get(&requests, "/x", 1024).await.unwrap_err();
        assert!(err.contains("in the middle of its answer"), "{err}");
        assert_eq!(requests.idle_count(), 0);
    }

    #[tokio::test]
    async fn refusals_and_overlong_answers_say_so() {
        let (_dir, requests, accepted) = engine(Arc::new(|nth, _: &str| {
            let wire = if nth == 0 {
                let mut wire = with_length(b"{\"message\":\"No such thing\"}\n");
                wire.splice(9..15, b"404 Not Found".iter().copied());
                wire
            } else {
                with_length(&[b'x'; 5000])
            };
            (vec![wire], false)
        }));
        let refused = get(&requests, "/x", 1024).await.unwrap();
        assert_eq!(refused.status, 404);
        assert_eq!(&refused.body[..], &b"{\"message\":\"No such thing\"}\n"[..]);
        // The refusal ended cleanly: its connection carries the next request.
        let err = get(&requests, "/y", 1024).await.unwrap_err();
        assert!(err.contains("longer than 1024 bytes"), "{err}");
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
        assert_eq!(requests.idle_count(), 0);
    }

    #[tokio::test]
    async fn bytes_after_an_answer_make_its_connection_unfit_to_keep() {
        let (_dir, requests, accepted) = engine(Arc::new(|_, _: &str| {
            let mut wire = with_length(b"{}");
            wire.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
            (vec![wire], false)
        }));
        assert_eq!(&get(&requests, "/a", 64).await.unwrap().body[..], b"{}");
        assert_eq!(requests.idle_count(), 0);
        assert_eq!(&get(&requests, "/b", 64).await.unwrap().body[..], b"{}");
        assert_eq!(accepted.load(Ordering::SeqCst), 2);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Any body, framed by length or in chunks of any sizes, written in any pieces:
        /// the same body back, twice on one connection.
        #[test]
        fn any_answer_written_any_way_comes_back_whole(
            body in proptest::collection::vec(any::<u8>(), 0..20_000),
            sizes in proptest::collection::vec(1usize..5_000, 1..5),
            writes in proptest::collection::vec(1usize..3_000, 1..5),
            chunks in any::<bool>(),
        ) {
            let wire = if chunks { with_chunks(&body, &sizes) } else { with_length(&body) };
            let mut pieces = Vec::new();
            let (mut at, mut cut) = (0, writes.iter().cycle());
            while at < wire.len() {
                let n = (*cut.next().unwrap()).min(wire.len() - at);
                pieces.push(wire[at..at + n].to_vec());
                at += n;
            }
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let (bodies, connections) = runtime.block_on(async move {
                let (_dir, requests, accepted) =
                    engine(Arc::new(move |_, _: &str| (pieces.clone(), false)));
                let a = get(&requests, "/a", 1 << 20).await.unwrap().body;
                let b = get(&requests, "/b", 1 << 20).await.unwrap().body;
                ((a, b), accepted.load(Ordering::SeqCst))
            });
            prop_assert_eq!(&bodies.0[..], &body[..]);
            prop_assert_eq!(&bodies.1[..], &body[..]);
            prop_assert_eq!(connections, 1);
        }
    }
}
