//! HTTP to the remote engine over SSH channels: one channel per HTTP connection, pooled by
//! hyper. A `direct-streamlocal` channel to the remote socket, or, where the server forbids
//! socket forwarding, `docker system dial-stdio` in an exec channel. At most
//! [`MAX_HTTP_CHANNELS`] are open at once, whatever the callers' concurrency.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bollard::Docker;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use russh::ChannelMsg;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::session::SshHandle;

/// Channels for requests (listings, inspections, actions): requests beyond wait for one to
/// free up (hyper reuses idle ones first). Log streams have channels of their own beside
/// these ([`stream_slots`]), so a screen of logs never starves the watcher.
pub const MAX_HTTP_CHANNELS: usize = 8;
/// Log streams of viewers, and of the history, over a forwarded socket. Forwarded-socket
/// channels are not sessions: OpenSSH's `MaxSessions` does not count them.
pub const SOCKET_STREAMS: usize = 12;
/// The same over `docker system dial-stdio`, where every connection is an exec session
/// and OpenSSH refuses sessions past `MaxSessions` (10 by default): requests and streams
/// together stay at eight, which leaves room for probes and terminals.
pub const DIAL_STDIO_STREAMS: usize = 2;

/// What [`run`] keeps of each of a command's stdout and stderr.
const MAX_OUTPUT: usize = 64 * 1024;
/// Characters of a command's error output put in a reason.
const MAX_REASON_CHARS: usize = 300;

/// How each HTTP connection reaches the engine.
#[derive(Clone, Debug)]
pub enum ChannelMode {
    /// `direct-streamlocal@openssh.com` to this socket path.
    Socket(Arc<str>),
    /// `docker system dial-stdio` run by the remote user.
    DialStdio,
}

/// One SSH channel as a byte stream hyper can speak HTTP over. Holds one of the
/// connection's channel permits until it closes.
pub struct SshIo(
    russh::ChannelStream<russh::client::Msg>,
    #[allow(dead_code)] OwnedSemaphorePermit,
);

impl AsyncRead for SshIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for SshIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl Connection for SshIo {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

/// hyper's connector: opens a channel on the device's one SSH connection.
#[derive(Clone)]
pub struct SshConnector {
    handle: Arc<SshHandle>,
    mode: ChannelMode,
    channels: Arc<Semaphore>,
}

impl tower_service::Service<hyper::Uri> for SshConnector {
    type Response = TokioIo<SshIo>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: hyper::Uri) -> Self::Future {
        let (handle, mode) = (self.handle.clone(), self.mode.clone());
        let channels = self.channels.clone();
        Box::pin(async move {
            let permit = channels
                .acquire_owned()
                .await
                .map_err(|_| io::Error::other("the SSH connection is closing"))?;
            let stream = open_channel(&handle, &mode).await?;
            Ok(TokioIo::new(SshIo(stream, permit)))
        })
    }
}

async fn open_channel(
    handle: &SshHandle,
    mode: &ChannelMode,
) -> io::Result<russh::ChannelStream<russh::client::Msg>> {
    match mode {
        ChannelMode::Socket(path) => handle
            .channel_open_direct_streamlocal(&**path)
            .await
            .map(|c| c.into_stream())
            .map_err(io::Error::other),
        ChannelMode::DialStdio => {
            let mut channel = handle
                .channel_open_session()
                .await
                .map_err(io::Error::other)?;
            channel
                .exec(true, "docker system dial-stdio")
                .await
                .map_err(io::Error::other)?;
            loop {
                match channel.wait().await {
                    Some(ChannelMsg::Success) => return Ok(channel.into_stream()),
                    Some(ChannelMsg::Failure) | None => {
                        return Err(io::Error::other(
                            "the server refused to run docker system dial-stdio",
                        ))
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Runs `command` in an exec channel: exit status, stdout and stderr (the first
/// [`MAX_OUTPUT`] bytes of each).
pub async fn run(handle: &SshHandle, command: &str) -> Result<(u32, String, String), russh::Error> {
    let mut channel = handle.channel_open_session().await?;
    channel.exec(true, command).await?;
    let (mut code, mut out, mut err) = (None, Vec::new(), Vec::new());
    while let Some(msg) = channel.wait().await {
        match msg {
            ChannelMsg::Data { data } => keep_some(&mut out, &data),
            ChannelMsg::ExtendedData { data, .. } => keep_some(&mut err, &data),
            ChannelMsg::ExitStatus { exit_status } => code = Some(exit_status),
            ChannelMsg::Failure => code = code.or(Some(255)),
            _ => {}
        }
    }
    Ok((
        code.unwrap_or(255),
        String::from_utf8_lossy(&out).trim().to_string(),
        String::from_utf8_lossy(&err).trim().to_string(),
    ))
}

/// Appends to `buffer` what fits under [`MAX_OUTPUT`] of `data`.
fn keep_some(buffer: &mut Vec<u8>, data: &[u8]) {
    let room = MAX_OUTPUT.saturating_sub(buffer.len());
    buffer.extend_from_slice(&data[..data.len().min(room)]);
}

/// `text` cut to [`MAX_REASON_CHARS`] characters, with `…` where it was cut.
fn shortened(text: &str) -> String {
    match text.char_indices().nth(MAX_REASON_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// Picks how to reach the engine: the socket if the server forwards to it, else
/// `docker system dial-stdio`. Returns the mode and, for the fallback, a note for the user.
pub async fn choose_mode(
    handle: &SshHandle,
    socket_path: &str,
    at: &str,
) -> Result<(ChannelMode, Option<String>), String> {
    let refused = match handle.channel_open_direct_streamlocal(socket_path).await {
        Ok(channel) => {
            drop(channel);
            return Ok((ChannelMode::Socket(socket_path.into()), None));
        }
        Err(e) => e.to_string(),
    };
    match run(handle, "docker system dial-stdio --help >/dev/null 2>&1 && docker version --format '{{.Server.APIVersion}}'").await {
        Ok((0, _, _)) => Ok((
            ChannelMode::DialStdio,
            Some(format!(
                "{at} does not forward to {socket_path} ({refused}); Squirrel runs `docker system dial-stdio` there instead"
            )),
        )),
        Ok((code, _, stderr)) => Err(format!(
            "cannot reach {socket_path} on {at} ({refused}), and the fallback `docker` command failed (exit {code}){}",
            if stderr.is_empty() { String::new() } else { format!(": {}", shortened(&stderr)) }
        )),
        Err(e) => Err(format!("cannot reach {socket_path} on {at}: {refused}; {e}")),
    }
}

/// The log streams a connection in `mode` carries at once, for viewers and for the history.
pub fn stream_slots(mode: &ChannelMode) -> crate::client::StreamSlots {
    match mode {
        ChannelMode::Socket(_) => crate::client::StreamSlots::new(SOCKET_STREAMS, "SSH"),
        ChannelMode::DialStdio => {
            crate::client::StreamSlots::new(DIAL_STDIO_STREAMS, "SSH with docker system dial-stdio")
        }
    }
}

/// Channels of a connection in `mode`: its requests' and its streams'.
fn channel_count(mode: &ChannelMode) -> usize {
    match mode {
        ChannelMode::Socket(_) => MAX_HTTP_CHANNELS + 2 * SOCKET_STREAMS,
        // Within MaxSessions, with room for probes and terminals.
        ChannelMode::DialStdio => MAX_HTTP_CHANNELS,
    }
}

/// A bollard client whose every HTTP connection is a channel of `handle`, and a dialer of
/// bare channels under the same limit.
pub(crate) fn docker_over(
    handle: Arc<SshHandle>,
    mode: ChannelMode,
    timeout_secs: u64,
) -> Result<(Docker, crate::http::Dialer), bollard::errors::Error> {
    let channels = Arc::new(Semaphore::new(channel_count(&mode)));
    let connector = SshConnector {
        handle,
        mode,
        channels,
    };
    crate::http::docker_over(connector, "http://docker", timeout_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_output_is_kept_up_to_a_limit() {
        let mut out = Vec::new();
        keep_some(&mut out, b"ok ");
        for _ in 0..100 {
            keep_some(&mut out, &[b'x'; 4096]);
        }
        assert_eq!(out.len(), MAX_OUTPUT);
        assert!(out.starts_with(b"ok x"));
        keep_some(&mut out, b"more");
        assert_eq!(out.len(), MAX_OUTPUT);
    }

    #[test]
    fn error_output_in_a_reason_is_cut_at_a_few_hundred_characters() {
        assert_eq!(shortened("docker: not found"), "docker: not found");
        let long = "é".repeat(5000);
        let cut = shortened(&long);
        assert_eq!(cut.chars().count(), MAX_REASON_CHARS + 1);
        assert!(cut.ends_with("é…"));
        assert_eq!(
            shortened(&"a".repeat(MAX_REASON_CHARS)).len(),
            MAX_REASON_CHARS
        );
    }
}
