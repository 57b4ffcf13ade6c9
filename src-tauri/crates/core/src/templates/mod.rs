//! App templates: catalogues in Portainer's v2/v3 format (and the variant of the system
//! Squirrel replaces), the deploy plan a template pre-fills, and the checks and
//! `docker run` line that need no engine.
//!
//! Pure code: no I/O. Fetching a remote catalogue and creating the container are the
//! adapters' and services' work; this module decides what a catalogue means and whether a
//! plan makes sense.
//!
//! - [`parse`]: [`parse_catalogue`] reads a whole file tolerantly; a broken template is
//!   left out and reported as [`TemplateProblem`]s, naming the template's index and field.
//! - [`model`]: the parsed [`Template`] and its parts.
//! - [`image_ref`]: [`ImageRef`], image references by the distribution grammar.
//! - [`plan`]: [`DeployPlan`] and [`DeployPlan::from_template`].
//! - [`check`]: [`check_plan`], the checks that need no engine.
//! - [`run_line`]: [`docker_run_line`], the equivalent command for the user to see.
//! - [`bundled`]: [`bundled_catalogue`], the catalogue that ships with the app.
//! - [`sources`]: catalogue sources, the user's own templates, and what the UI lists.
//! - [`export`]: [`to_portainer_v3`], the user's templates as a Portainer v3 file.
//! - [`from_container`]: [`template_from_container`], "save as template".
//! - [`deploy`]: a deploy's request, checks, progress events and outcome, and
//!   [`PullTracker`], which turns an engine's pull messages into per-layer progress.

pub mod bundled;
pub mod check;
pub mod deploy;
pub mod engine_check;
mod entry;
pub mod export;
mod fields;
pub mod from_container;
pub mod image_ref;
pub mod model;
pub mod parse;
pub mod plan;
mod port_spec;
pub mod run_line;
pub mod sources;
pub mod words;

pub use bundled::bundled_catalogue;
pub use check::{check_plan, MIN_MEMORY_BYTES};
pub use deploy::{
    DeployCheck, DeployEvent, DeployRequest, DeployStep, LayerProgress, PullMessage, PullPolicy,
    PullProgress, PullTracker, TargetCheck, TargetOutcome,
};
pub use engine_check::check_on_engine;
pub use export::to_portainer_v3;
pub use fields::MAX_STRING_BYTES;
pub use from_container::template_from_container;
pub use image_ref::ImageRef;
pub use model::{
    EnvChoice, EnvInput, Label, PortSpec, Protocol, Repository, RestartPolicy, Template,
    TemplateKind, VolumeSource, VolumeSpec,
};
pub use parse::{
    parse_catalogue, Catalogue, CatalogueError, CatalogueFormat, TemplateProblem, MAX_SOURCE_BYTES,
    MAX_TEMPLATES,
};
pub use plan::{DeployPlan, EnvVar, PlanProblem};
pub use run_line::{docker_run_line, shell_quote};
pub use sources::{
    CatalogueEntry, CatalogueView, Fetched, ImportReport, MyTemplate, SourceLocation,
    SourceSummary, TemplateSource, BUNDLED_SOURCE, MY_SOURCE,
};
pub use words::split_words;
