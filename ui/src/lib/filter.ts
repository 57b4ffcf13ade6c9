import type { Container, ContainerState } from "../api/types";

export type StatusFilter = "all" | "running" | "stopped" | "paused";

export interface ContainerFilters {
  /** null: every device. */
  deviceUuid: string | null;
  status: StatusFilter;
  text: string;
}

export const EMPTY_FILTERS: ContainerFilters = { deviceUuid: null, status: "all", text: "" };

const STATUS_GROUPS: Record<Exclude<StatusFilter, "all">, ReadonlySet<ContainerState>> = {
  running: new Set(["running", "restarting"]),
  stopped: new Set(["exited", "dead", "created"]),
  paused: new Set(["paused"]),
};

export function matchesStatus(state: ContainerState, status: StatusFilter): boolean {
  return status === "all" || STATUS_GROUPS[status].has(state);
}

/** Case-insensitive match of every whitespace-separated term on name, display name or image. */
export function matchesText(c: Pick<Container, "name" | "displayName" | "image">, text: string): boolean {
  const terms = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return true;
  const haystack = [c.name, c.displayName ?? "", c.image].join("\n").toLowerCase();
  return terms.every((t) => haystack.includes(t));
}

export function filterContainers(list: readonly Container[], f: ContainerFilters): Container[] {
  return list.filter(
    (c) =>
      (f.deviceUuid === null || c.deviceUuid === f.deviceUuid) &&
      matchesStatus(c.state, f.status) &&
      matchesText(c, f.text),
  );
}

export function isFiltering(f: ContainerFilters): boolean {
  return f.deviceUuid !== null || f.status !== "all" || f.text.trim() !== "";
}
