import { memo } from "react";
import type { Container, ContainerLoad } from "../../api/types";
import { formatBytes, formatCores, formatPercent } from "../../lib/format";

/** Fill colour by how full a bar is. */
function barColor(fill: number): string {
  if (fill >= 90) return "var(--mantine-color-red-filled)";
  if (fill >= 70) return "var(--mantine-color-orange-filled)";
  return "var(--mantine-color-indigo-filled)";
}

/**
 * A value over a thin bar, filling the cell's fixed width: nothing moves when values arrive.
 * Plain elements: every visible row has two.
 */
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
    <div
      className="sq-bar"
      title={title}
      {...(value != null ? { "data-testid": testId, "data-value": value } : {})}
    >
      <div className={value == null ? "sq-bar-label sq-dimmed" : "sq-bar-label"}>{label}</div>
      <div
        className="sq-bar-track"
        role={value != null ? "meter" : undefined}
        aria-label={value != null ? title : undefined}
        aria-valuemin={value != null ? 0 : undefined}
        aria-valuemax={value != null ? 100 : undefined}
        aria-valuenow={value != null ? width : undefined}
      >
        <div className="sq-bar-fill" style={{ width: `${width}%`, background: barColor(width) }} />
      </div>
    </div>
  );
}

function Dash() {
  return <div className="sq-text-xs sq-dimmed" style={{ textAlign: "right" }}>—</div>;
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
