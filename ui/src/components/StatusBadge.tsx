import { Badge } from "@mantine/core";
import type { ContainerState } from "../api/types";
import { STATE_COLORS, healthColor, stateLabel } from "../lib/containerState";

/**
 * A container's state. `lastSeen`: the state of a container whose device is not online, the
 * last one Squirrel saw (grey and outlined, never a live colour).
 */
export function StatusBadge({
  state,
  exitCode,
  lastSeen = false,
}: {
  state: ContainerState;
  exitCode?: number | null;
  lastSeen?: boolean;
}) {
  const label = stateLabel(state, exitCode);
  return (
    <Badge
      color={lastSeen ? "gray" : STATE_COLORS[state]}
      variant={lastSeen ? "outline" : "light"}
      size="sm"
      radius="sm"
      tt="none"
      styles={{ root: { flexShrink: lastSeen ? 1 : 0, maxWidth: "100%" } }}
      data-testid="status-badge"
      data-last-seen={lastSeen || undefined}
    >
      {lastSeen ? `last seen ${label}` : label}
    </Badge>
  );
}

export function HealthBadge({ health }: { health: string }) {
  return (
    <Badge color={healthColor(health)} variant="outline" size="sm" radius="sm" tt="none" data-testid="health-badge">
      {health}
    </Badge>
  );
}
