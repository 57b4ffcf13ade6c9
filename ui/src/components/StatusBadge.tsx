import type { CSSProperties } from "react";
import type { ContainerState } from "../api/types";
import { STATE_COLORS, healthColor, stateLabel } from "../lib/containerState";

/** The colours of Mantine's `light` (or `outline`) badge of `color`, as CSS variables. */
function badgeStyle(color: string, outline: boolean): CSSProperties {
  return {
    "--sq-badge-bg": `var(--mantine-color-${color}-light)`,
    "--sq-badge-color": outline ? `var(--mantine-color-${color}-outline)` : `var(--mantine-color-${color}-light-color)`,
  } as CSSProperties;
}

/**
 * A container's state. `lastSeen`: the state of a container whose device is not online, the
 * last one Squirrel saw (grey and outlined, never a live colour). A plain element: every row
 * of the containers table has one.
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
    <span
      className="sq-badge"
      data-variant={lastSeen ? "outline" : "light"}
      style={{ ...badgeStyle(lastSeen ? "gray" : STATE_COLORS[state], lastSeen), flexShrink: lastSeen ? 1 : 0 }}
      data-testid="status-badge"
      data-last-seen={lastSeen || undefined}
    >
      {lastSeen ? `last seen ${label}` : label}
    </span>
  );
}

export function HealthBadge({ health }: { health: string }) {
  return (
    <span className="sq-badge" data-variant="outline" style={badgeStyle(healthColor(health), true)} data-testid="health-badge">
      {health}
    </span>
  );
}
