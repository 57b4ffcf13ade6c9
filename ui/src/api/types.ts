// Friendly names for the shapes the backend sends (the `_Serialize` side of the bindings).
export type {
  AppError_Serialize as AppError,
  Container_Serialize as Container,
  ContainerDetails_Serialize as ContainerDetails,
  ContainerState,
  DeviceStatus,
  DeviceSummary,
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
