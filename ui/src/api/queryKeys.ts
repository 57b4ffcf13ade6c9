import type { InventoryKind } from "./types";

export const queryKeys = {
  containers: ["containers"] as const,
  devices: ["devices"] as const,
  images: ["images"] as const,
  volumes: ["volumes"] as const,
  networks: ["networks"] as const,
  inspect: (uuid: string) => ["containerInspect", uuid] as const,
  inspectAll: ["containerInspect"] as const,
  inventory: (kind: InventoryKind) => [kind] as const,
};
