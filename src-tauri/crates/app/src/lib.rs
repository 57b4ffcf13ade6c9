//! Squirrel assembled without a window: the store, the keyring, the device drivers, the
//! services, the background jobs and an orderly shutdown. The desktop app (`squirrel`) is a
//! shell around [`App`]; the end-to-end harness, the benchmarks and a future headless mode
//! build the same [`App`] with their own [`AppConfig`].

mod app;
mod config;
mod cred_helpers;
mod discovery;
mod factory;
mod fetch;
mod log_file;
mod logos;

pub use app::App;
pub use config::AppConfig;
pub use cred_helpers::ProcessCredentialHelpers;
pub use discovery::{discover_engines, local_docker_socket};
pub use factory::AppComponentFactory;
pub use fetch::{redact, ReqwestFetcher};
pub use log_file::{write_log, write_merged_log, Written};
pub use logos::{LogoCache, MAX_LOGO_BYTES};
