//! The one error shape the UI receives (`AppError { code, message, detail }`).

use serde::Serialize;
use specta::Type;
use squirrel_core::model::HostKeyPrompt;
use squirrel_core::CoreError;

/// The one error shape the UI receives: a stable code, a sentence for the user, and
/// optionally more detail.
#[derive(Debug, Clone, Serialize, Type, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub struct AppError {
    pub code: String,
    pub message: String,
    pub detail: Option<String>,
    /// Set with code `host_key_unknown`: the key to show the user for approval.
    pub host_key: Option<Box<HostKeyPrompt>>,
}

impl AppError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            detail: None,
            host_key: None,
        }
    }
}

impl From<CoreError> for AppError {
    fn from(e: CoreError) -> Self {
        let code = e.code();
        let message = match &e {
            CoreError::NotFound { what } => {
                format!("This {what} no longer exists. The list is refreshed automatically.")
            }
            _ => e.to_string(),
        };
        let host_key = match &e {
            CoreError::HostKeyUnknown(prompt) => Some(Box::new(prompt.clone())),
            _ => None,
        };
        Self {
            host_key,
            ..Self::new(code, message)
        }
    }
}

pub type CmdResult<T> = Result<T, AppError>;
