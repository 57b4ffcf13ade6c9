import { Badge } from "@mantine/core";
import type { ContainerState } from "../api/types";
import { STATE_COLORS, healthColor, stateLabel } from "../lib/containerState";

export function StatusBadge({ state, exitCode }: { state: ContainerState; exitCode?: number | null }) {
  return (
    <Badge
      color={STATE_COLORS[state]}
      variant="light"
      size="sm"
      radius="sm"
      tt="none"
      styles={{ root: { flexShrink: 0 } }}
      data-testid="status-badge"
    >
      {stateLabel(state, exitCode)}
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
