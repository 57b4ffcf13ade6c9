//! The local engine over its Unix socket, with pooled connections.
//!
//! bollard's own Unix client keeps no idle connection (`pool_max_idle_per_host(0)`): every
//! request opened a new socket, which at 500 running containers meant 50 connects a second
//! for the stats rounds alone, each accepted by the engine too. This connector goes through
//! the shared client of [`crate::http`], so connections are reused like every other transport's.

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bollard::Docker;
use hyper_util::rt::TokioIo;
use tokio::net::UnixStream;

use crate::http::Dialer;

/// hyper's connector: every connection goes to the one socket, whatever the URI.
#[derive(Clone)]
struct UnixConnector {
    path: Arc<PathBuf>,
}

impl tower_service::Service<hyper::Uri> for UnixConnector {
    type Response = TokioIo<UnixStream>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: hyper::Uri) -> Self::Future {
        let path = self.path.clone();
        Box::pin(async move { Ok(TokioIo::new(UnixStream::connect(&*path).await?)) })
    }
}

/// A bollard client of the engine at the socket `path` (`unix://` prefix allowed), and a
/// dialer of bare connections to it. A socket that does not exist is refused at once, as
/// bollard's own client does.
pub(crate) fn connect(
    path: &str,
    timeout_secs: u64,
) -> Result<(Docker, Dialer), bollard::errors::Error> {
    let path = path.strip_prefix("unix://").unwrap_or(path);
    if !Path::new(path).exists() {
        return Err(bollard::errors::Error::SocketNotFoundError(
            path.to_string(),
        ));
    }
    let path = Arc::new(PathBuf::from(path));
    let connector = UnixConnector { path: path.clone() };
    let (docker, mut dial) = crate::http::docker_over(connector, "http://docker", timeout_secs)?;
    dial.local = Some(path);
    Ok((docker, dial))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::UnixListener;

    use super::*;

    /// Answers every request on a connection with `200 OK` (keep-alive), counting connections.
    async fn ping_responder(listener: UnixListener, accepted: Arc<AtomicUsize>) {
        while let Ok((mut conn, _)) = listener.accept().await {
            accepted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while let Ok(n) = conn.read(&mut chunk).await {
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        buf.drain(..end + 4);
                        let reply = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK";
                        if conn.write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    }

    #[tokio::test]
    async fn requests_one_after_another_share_one_connection() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("docker.sock");
        let accepted = Arc::new(AtomicUsize::new(0));
        let server = tokio::spawn(ping_responder(
            UnixListener::bind(&socket).unwrap(),
            accepted.clone(),
        ));
        let (docker, _) = connect(&format!("unix://{}", socket.display()), 5).unwrap();
        for _ in 0..5 {
            assert_eq!(docker.ping().await.unwrap(), "OK");
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
        server.abort();
    }

    #[test]
    fn a_missing_socket_is_refused_at_once() {
        let err = connect("/nonexistent/docker.sock", 5).err().unwrap();
        assert!(
            err.to_string().contains("/nonexistent/docker.sock"),
            "{err}"
        );
    }
}
