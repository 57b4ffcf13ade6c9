import { Box, Text } from "@mantine/core";
import { memo } from "react";
import type { Container, ContainerLoad } from "../../api/types";
import { formatBytes, formatCores, formatPercent } from "../../lib/format";

/** Fill colour by how full a bar is. */
function barColor(fill: number): string {
  if (fill >= 90) return "var(--mantine-color-red-filled)";
  if (fill >= 70) return "var(--mantine-color-orange-filled)";
  return "var(--mantine-color-indigo-filled)";
}

/** A value over a thin bar, filling the cell's fixed width: nothing moves when values arrive. */
function Bar({
  fill,
  label,
  title,
  testId,
  value,
}: {
  fill: number | null;
  label: string;
  title: string;
  testId: string;
  value: number | null;
}) {
  const width = fill == null ? 0 : Math.max(0, Math.min(100, fill));
  return (
    <Box
      style={{ display: "flex", flexDirection: "column", gap: 3, minWidth: 0 }}
      title={title}
      {...(value != null ? { "data-testid": testId, "data-value": value } : {})}
    >
      <Text
        size="xs"
        lh="16px"
        c={value == null ? "dimmed" : undefined}
        style={{ textAlign: "right", fontVariantNumeric: "tabular-nums", whiteSpace: "nowrap", overflow: "hidden" }}
      >
        {label}
      </Text>
      <Box
        role={value != null ? "meter" : undefined}
        aria-label={value != null ? title : undefined}
        aria-valuemin={value != null ? 0 : undefined}
        aria-valuemax={value != null ? 100 : undefined}
        aria-valuenow={value != null ? width : undefined}
        style={{ height: 4, borderRadius: 2, background: "var(--sq-border)", overflow: "hidden" }}
      >
        <Box style={{ width: `${width}%`, height: "100%", borderRadius: 2, background: barColor(width) }} />
      </Box>
    </Box>
  );
}

function Dash() {
  return (
    <Text size="xs" c="dimmed" ta="right">
      —
    </Text>
  );
}

/** CPU in percent of one core; the bar is full at one core, the text tells the rest. */
export const CpuBar = memo(function CpuBar({ c, load }: { c: Container; load: ContainerLoad | undefined }) {
  if (c.state !== "running") return <Dash />;
  const cpu = load?.cpuPercent ?? null;
  return (
    <Bar
      fill={cpu}
      value={cpu}
      label={formatPercent(cpu)}
      title={cpu == null ? "No sample yet" : `CPU ${formatPercent(cpu)} of one core (${formatCores(cpu)})`}
      testId="container-cpu-bar"
    />
  );
});

/**
 * Memory used; the bar is the share of the container's limit, or of the host's memory for a
 * container without one (that is what the engine reports as its limit then).
 */
export const MemoryBar = memo(function MemoryBar({ c, load }: { c: Container; load: ContainerLoad | undefined }) {
  if (c.state !== "running") return <Dash />;
  const percent = load?.memoryPercent ?? null;
  const used = load?.memoryUsed ?? null;
  return (
    <Bar
      fill={percent}
      value={percent}
      label={formatBytes(used)}
      title={percent == null ? "No sample yet" : `Memory ${formatBytes(used)}, ${formatPercent(percent)} of its limit (of the host's memory if it has none)`}
      testId="container-mem-bar"
    />
  );
});
