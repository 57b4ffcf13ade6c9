import type { RangeKey } from "../lib/statsRange";
import type { InventoryKind } from "./types";

export const queryKeys = {
  containers: ["containers"] as const,
  devices: ["devices"] as const,
  images: ["images"] as const,
  volumes: ["volumes"] as const,
  networks: ["networks"] as const,
  inspect: (uuid: string) => ["containerInspect", uuid] as const,
  guestDetails: (uuid: string) => ["guestDetails", uuid] as const,
  inspectAll: ["containerInspect"] as const,
  inventory: (kind: InventoryKind) => [kind] as const,
  // Statistics.
  stateCounts: ["stateCounts"] as const,
  statsLoads: ["statsLoads"] as const,
  statsRetention: ["statsRetention"] as const,
  statsLatest: (uuid: string) => ["statsLatest", uuid] as const,
  statsLatestAll: ["statsLatest"] as const,
  fleetSeries: (deviceUuid: string | null, range: RangeKey) => ["fleetSeries", deviceUuid ?? "all", range] as const,
  fleetSeriesAll: ["fleetSeries"] as const,
  containerSeries: (uuid: string, range: RangeKey) => ["containerSeries", uuid, range] as const,
  containerSeriesAll: ["containerSeries"] as const,
  /** Every range of one container's history. */
  containerSeriesPrefix: (uuid: string) => ["containerSeries", uuid] as const,
  // Log history.
  logHistory: ["logHistory"] as const,
  // Update checks.
  updates: ["updates"] as const,
  registries: ["registries"] as const,
  keptImages: ["keptImages"] as const,
  keepHours: ["keepHours"] as const,
};
