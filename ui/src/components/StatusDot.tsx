import { Box } from "@mantine/core";
import type { DeviceStatus } from "../api/types";
import { DEVICE_STATUS_COLORS } from "../lib/containerState";

/** A small coloured dot for a device's connection state. */
export function StatusDot({ status }: { status: DeviceStatus }) {
  const color = DEVICE_STATUS_COLORS[status.state];
  return (
    <Box
      component="span"
      aria-hidden
      className={status.state === "connecting" ? "sq-pulse" : undefined}
      style={{
        display: "inline-block",
        flexShrink: 0,
        width: 9,
        height: 9,
        borderRadius: "50%",
        backgroundColor: `var(--mantine-color-${color}-filled)`,
        boxShadow: `0 0 0 3px var(--mantine-color-${color}-light)`,
      }}
    />
  );
}
