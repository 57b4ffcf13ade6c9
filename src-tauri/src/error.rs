use serde::Serialize;
use specta::Type;
use squirrel_core::CoreError;

/// The one error shape the UI receives: a stable code, a sentence for the user, and
/// optionally more detail.
#[derive(Debug, Clone, Serialize, Type, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: String,
    pub message: String,
    pub detail: Option<String>,
}

impl AppError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            detail: None,
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
        Self::new(code, message)
    }
}

pub type CmdResult<T> = Result<T, AppError>;
