//! Domain entities. Plain data: no I/O, no framework types.

mod container;
mod device;
mod inventory;
mod log_history;
mod logs;
mod rollup;
mod stats;
mod terminal;

pub use container::{
    Capabilities, Container, ContainerKind, ContainerObservation, ContainerPatch, ContainerState,
    GuestDetails, GuestDisk, GuestFacts, GuestNic, GuestSnapshot, KindAction, MountPoint,
    PortMapping,
};
pub use device::{
    authority, check_pve_token_id, check_pve_url, check_pve_user, parse_sha256_fingerprint,
    ClusterNode, ConnectionOrReason, Device, DeviceConnection, DevicePatch, DeviceStatus,
    DiscoveredEngine, EngineProbe, HostKeyPrompt, ImportOutcome, ImportResult, NewDevice, PveTrust,
    SecretRef, SshAuth, TlsFiles,
};
pub use inventory::{Image, ImagePrune, InventoryKind, InventorySnapshot, Network, Volume};
pub use log_history::{
    index_words, HistoryLine, HistoryOverview, HistoryPage, HistoryQuery, HistorySearch,
    HistoryTrim, KeepSetting, LogTimeline, DEFAULT_HISTORY_BUDGET, MAX_HISTORY_PAGE,
    MIN_HISTORY_BUDGET, REGEX_SCAN_MS,
};
pub use logs::{
    format_log_time, LogEndKind, LogEvent, LogLine, LogQuery, LogSource, MAX_LINE_BYTES,
};
pub use rollup::{RetentionCut, RollupPlan, RollupStep, ROLLED_TIERS, ROLLUP_GRACE_SECS};
pub use stats::{
    cpu_percent, plan_resolution, ContainerLoad, ContainerSample, ContainerSeries, CpuCounters,
    DeviceLoad, DeviceStateCount, EngineSample, FleetPoint, FleetSeries, RollupReport, SeriesPoint,
    Span, StateCount, StatsReading, StatsRetention, StatsSample, StatsTier, MAX_POINTS,
};
pub use terminal::{
    check_container_path, check_shell, decode_utf8, split_command, CommandRequest, CommandRun,
    DirEntry, DirListing, FilePreview, FileTransfer, TerminalEvent, TerminalOpened,
    TerminalRequest, COMMAND_OUTPUT_MAX, COMMAND_SECS_DEFAULT, COMMAND_SECS_MAX, SHELLS,
    TERMINAL_MAX, TERMINAL_MIN,
};
