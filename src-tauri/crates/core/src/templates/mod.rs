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

pub mod bundled;
pub mod check;
mod entry;
mod fields;
pub mod image_ref;
pub mod model;
pub mod parse;
pub mod plan;
mod port_spec;
pub mod run_line;

pub use bundled::bundled_catalogue;
pub use check::{check_plan, MIN_MEMORY_BYTES};
pub use fields::MAX_STRING_BYTES;
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
