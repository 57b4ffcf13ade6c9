//! Image update detection: which tag a container may move to, what its labels ask, and the
//! port to the registries that say what is there.

pub mod apply;
pub mod check;
pub mod labels;
pub mod registries;
pub mod registry;
pub mod version;

pub use apply::{
    aside_name, gate_verdict, rollback_tag, with_tag, BatchEvent, BatchSummary, ContainerEdits,
    GateSettings, GateVerdict, HealthState, KeptImage, RecreateJournal, RecreateOutcome,
    RecreateRecovery, RecreateResult, RecreateSource, RecreateStep, RunState, DEFAULT_KEEP_HOURS,
    MAX_BATCH, MAX_KEEP_HOURS,
};
pub use check::{
    checkable, finding, plan, CheckPlan, CheckRequests, Checkable, ContainerUpdate, Finding,
    RegistryRate, UpdateCheck, Watched,
};
pub use labels::WatchLabels;
pub use registries::{
    normalize_host, registry_host, registry_secret_ref, NewRegistry, RegistryEntry, RegistryImport,
    RegistryProvider,
};
pub use registry::{
    RateLimit, RegistryCredentials, RegistryError, RegistryPort, RemoteManifest, RemoteTags,
};
pub use version::{newest_tag, TagVersion, UpdatePolicy};
