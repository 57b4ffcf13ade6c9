// Friendly names for the shapes the backend sends (the `_Serialize` side of the bindings),
// and for the inputs commands take (the `_Deserialize` side).
export type {
  AppError_Serialize as AppError,
  Container_Serialize as Container,
  ContainerDetails_Serialize as ContainerDetails,
  ContainerState,
  DeviceStatus,
  DeviceSummary_Serialize as DeviceSummary,
  Device_Serialize as Device,
  DeviceConnection_Serialize as DeviceConnection,
  SshAuth_Serialize as SshAuth,
  SecretRef,
  TlsFiles,
  HostKeyPrompt,
  EngineProbe,
  DiscoveredEngine_Serialize as DiscoveredEngine,
  ImportResult,
  ImportOutcome,
  EnvVar,
  Image,
  InventoryEvent_Serialize as InventoryEvent,
  InventoryKind,
  MountPoint,
  Network,
  NetworkAttachment_Serialize as NetworkAttachment,
  PortMapping_Serialize as PortMapping,
  Volume,
} from "../bindings";

// Command inputs.
export type {
  NewDevice_Deserialize as NewDevice,
  DevicePatch_Deserialize as DevicePatch,
  DeviceConnection_Deserialize as DeviceConnectionInput,
} from "../bindings";
