//! A bollard client over any hyper connector: the SSH channels and the TCP/TLS dialer
//! share it, so that every engine transport pools connections the same way. Beside it, a
//! [`Dialer`] on the same connector opens a bare connection for the streams Squirrel reads
//! itself (logs: see [`crate::log_reader`]).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bollard::Docker;
use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::BodyExt;
use hyper_util::client::legacy::connect::Connect;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite};

type ReqBody = UnsyncBoxBody<Bytes, Box<dyn std::error::Error + Send + Sync>>;

/// How long an idle pooled connection (or SSH channel) is kept for reuse.
const POOL_IDLE: Duration = Duration::from_secs(30);

/// A byte stream to the engine: a socket, a TLS session or an SSH channel.
pub(crate) trait RawIo: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> RawIo for T {}

type Open =
    dyn Fn() -> Pin<Box<dyn Future<Output = io::Result<Box<dyn RawIo>>> + Send>> + Send + Sync;

/// Opens a new connection to the engine through the transport's own connector (the same
/// socket, TLS settings or SSH connection as the bollard client's), outside hyper's pool.
#[derive(Clone)]
pub(crate) struct Dialer {
    open: Arc<Open>,
    /// The `Host` header requests on these connections carry.
    pub host: Arc<str>,
    /// The engine's socket on this machine, where it is one: a download reads it with
    /// blocking reads on the thread that writes the files (see [`crate::transfer`]).
    pub local: Option<Arc<std::path::PathBuf>>,
}

impl Dialer {
    pub async fn open(&self) -> io::Result<Box<dyn RawIo>> {
        (self.open)().await
    }
}

#[cfg(test)]
impl Dialer {
    /// This dialer, which also writes down the name of the thread each connection opens on.
    pub fn telling_threads(self, threads: Arc<std::sync::Mutex<Vec<String>>>) -> Dialer {
        let inner = self.open.clone();
        Dialer {
            open: Arc::new(move || {
                let name = std::thread::current().name().unwrap_or("").to_string();
                if let Ok(mut threads) = threads.lock() {
                    threads.push(name);
                }
                inner()
            }),
            ..self
        }
    }
}

/// A bollard client whose requests go to `base` (`http://…` or `https://…`) through
/// `connector`, and a dialer of bare connections through the same connector.
pub(crate) fn docker_over<C>(
    connector: C,
    base: &str,
    timeout_secs: u64,
) -> Result<(Docker, Dialer), bollard::errors::Error>
where
    C: Connect + tower_service::Service<hyper::Uri> + Clone + Send + Sync + 'static,
    <C as tower_service::Service<hyper::Uri>>::Response:
        hyper::rt::Read + hyper::rt::Write + Send + Unpin + 'static,
    <C as tower_service::Service<hyper::Uri>>::Future: Send,
    <C as tower_service::Service<hyper::Uri>>::Error:
        Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let uri: hyper::Uri = base.parse().map_err(|e: hyper::http::uri::InvalidUri| {
        bollard::errors::Error::IOError {
            err: io::Error::other(format!("{base}: {e}")),
        }
    })?;
    let host: Arc<str> = uri.authority().map_or("docker", |a| a.as_str()).into();
    let dial_connector = connector.clone();
    let open: Arc<Open> = Arc::new(move || {
        let mut connector = dial_connector.clone();
        let uri = uri.clone();
        Box::pin(async move {
            futures_util::future::poll_fn(|cx| {
                tower_service::Service::<hyper::Uri>::poll_ready(&mut connector, cx)
            })
            .await
            .map_err(as_io)?;
            let conn = tower_service::Service::<hyper::Uri>::call(&mut connector, uri)
                .await
                .map_err(as_io)?;
            Ok(Box::new(TokioIo::new(conn)) as Box<dyn RawIo>)
        })
    });
    let client: Client<C, ReqBody> = Client::builder(TokioExecutor::new())
        .pool_idle_timeout(POOL_IDLE)
        .build(connector);
    let client = Arc::new(client);
    let docker = Docker::connect_with_custom_transport(
        move |req: bollard::BollardRequest| {
            let client = client.clone();
            async move {
                client
                    .request(req.map(|b| b.boxed_unsync()))
                    .await
                    .map_err(bollard::errors::Error::from)
            }
        },
        Some(base),
        timeout_secs,
        bollard::API_DEFAULT_VERSION,
    )?;
    Ok((
        docker,
        Dialer {
            open,
            host,
            local: None,
        },
    ))
}

/// A connector's error as an I/O error, keeping its kind when it is one.
fn as_io(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> io::Error {
    match e.into().downcast::<io::Error>() {
        Ok(io) => *io,
        Err(other) => io::Error::other(other),
    }
}
