//! The app's managed state: the assembled application, or why its storage could not be
//! opened (the window still opens, and every command says why).

use std::sync::Arc;

use squirrel_app::App;

use crate::error::AppError;

pub struct AppState(pub Result<Arc<App>, String>);

impl AppState {
    pub fn app(&self) -> Result<Arc<App>, AppError> {
        self.0
            .clone()
            .map_err(|reason| AppError::new("storage", reason))
    }
}
