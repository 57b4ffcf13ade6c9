use std::io::ErrorKind;
use std::sync::{Arc, RwLock};

use bollard::Docker;
use squirrel_core::model::DeviceConnection;
use squirrel_core::EngineError;

/// Seconds bollard waits for a response before giving up.
const REQUEST_TIMEOUT_SECS: u64 = 120;

/// The device's current Docker client, shared by its watcher (which connects and reconnects)
/// and its runtime (which acts). `None` while disconnected.
#[derive(Clone, Default)]
pub struct SharedClient(Arc<RwLock<Option<Docker>>>);

impl SharedClient {
    pub fn get(&self) -> Option<Docker> {
        self.0.read().ok().and_then(|c| c.clone())
    }

    pub(crate) fn set(&self, client: Option<Docker>) {
        if let Ok(mut c) = self.0.write() {
            *c = client;
        }
    }
}

/// Opens a client for `connection` and agrees on the API version with the engine.
pub(crate) async fn connect(connection: &DeviceConnection) -> Result<Docker, String> {
    let client = match connection {
        DeviceConnection::LocalSocket { path } => {
            Docker::connect_with_unix(path, REQUEST_TIMEOUT_SECS, bollard::API_DEFAULT_VERSION)
                .map_err(|e| describe_error(connection, &e))?
        }
    };
    client
        .negotiate_version()
        .await
        .map_err(|e| describe_error(connection, &e))
}

/// A sentence that says what went wrong and what to do about it.
pub fn describe_error(connection: &DeviceConnection, e: &bollard::errors::Error) -> String {
    use bollard::errors::Error as E;
    let target = connection.describe();
    let io_kind = io_error_kind(e);
    match (e, io_kind) {
        (E::SocketNotFoundError(path), _) => {
            format!("no Docker socket at {path}: is Docker installed and running on this computer?")
        }
        (_, Some(ErrorKind::PermissionDenied)) => format!(
            "permission denied on {target}: add your user to the 'docker' group \
             (sudo usermod -aG docker $USER) and log in again"
        ),
        (_, Some(ErrorKind::ConnectionRefused)) | (_, Some(ErrorKind::NotFound)) => {
            format!("Docker is not running at {target} (connection refused)")
        }
        (E::RequestTimeoutError, _) => format!("{target} did not answer in time"),
        _ => format!("cannot talk to Docker at {target}: {e}"),
    }
}

/// Maps a failed engine call to a domain error with the engine's own words.
pub(crate) fn engine_error(e: bollard::errors::Error) -> EngineError {
    use bollard::errors::Error as E;
    match e {
        E::DockerResponseServerError {
            status_code,
            message,
        } => {
            let message = capitalise(message.trim());
            match status_code {
                404 => EngineError::NoSuchObject(message),
                409 => EngineError::Conflict(message),
                400 => EngineError::BadRequest(message),
                _ => EngineError::Other(message),
            }
        }
        E::SocketNotFoundError(_)
        | E::IOError { .. }
        | E::HyperResponseError { .. }
        | E::HyperLegacyError { .. } => {
            EngineError::Unreachable(format!("the engine could not be reached: {e}"))
        }
        E::RequestTimeoutError => {
            EngineError::Unreachable("the engine did not answer in time".into())
        }
        other => EngineError::Other(other.to_string()),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => "The engine refused the request".into(),
    }
}

/// The kind of the first I/O error in `e`'s chain of causes.
fn io_error_kind(e: &bollard::errors::Error) -> Option<ErrorKind> {
    if let bollard::errors::Error::IOError { err } = e {
        return Some(err.kind());
    }
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        cause = c.source();
    }
    None
}
