import { Alert, Badge, Box, Group, SimpleGrid, Skeleton, Stack, Text, Title } from "@mantine/core";
import { IconAlertTriangle, IconInfoCircle, IconPlayerStop } from "@tabler/icons-react";
import { useMemo, useState, type ReactNode } from "react";
import { useContainerSeries, useStatsLatest } from "../../api/queries";
import type { Container, ResourceLimits, SeriesPoint, StatsSample } from "../../api/types";
import { RangeSelector } from "../../components/charts/RangeSelector";
import { TimeChart, type ChartLine } from "../../components/charts/TimeChart";
import { ErrorState } from "../../components/States";
import { asSentence, formatBytes, formatCores, formatCoresOf, formatPercent, formatRate, formatSeconds, relativeTime } from "../../lib/format";
import { toColumns } from "../../lib/series";
import {
  DEFAULT_RANGE,
  FIRST_SAMPLES_HINT,
  LIVE_STEP_SECS,
  LIVE_WINDOW_SECS,
  type RangeKey,
} from "../../lib/statsRange";
import { useNow } from "../../lib/useNow";
import { useLiveStats, type LiveStats } from "../../live/useLiveStats";

function Header({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <Group justify="space-between" gap="sm" wrap="nowrap" mih={24}>
      <Title order={6} tt="uppercase" c="dimmed" fz="xs" style={{ letterSpacing: "0.04em" }}>
        {title}
      </Title>
      {children}
    </Group>
  );
}

/** A dashed line at a container's limit, when it has one. */
function limitLine(x: readonly number[], level: number | null | undefined): ChartLine[] {
  if (level == null || !Number.isFinite(level) || level <= 0) return [];
  return [{ label: "Limit", color: "red", values: x.map(() => level), reference: true }];
}

const cpuLimitLevel = (limits: ResourceLimits | undefined) => (limits?.cpus == null ? null : limits.cpus * 100);

// ---- Live -------------------------------------------------------------------------------------

const liveGetters = [
  (s: StatsSample) => s.cpuPercent,
  (s: StatsSample) => s.memoryUsed,
  (s: StatsSample) => s.netRxRate,
  (s: StatsSample) => s.netTxRate,
  (s: StatsSample) => s.blockReadRate,
  (s: StatsSample) => s.blockWriteRate,
];

function LiveBadge({ status }: { status: LiveStats["status"] }) {
  if (status === "live")
    return (
      <Badge size="xs" color="green" variant="light" leftSection={<span className="sq-pulse">●</span>} data-testid="live-status" data-status={status}>
        Live · 1 s
      </Badge>
    );
  const label = status === "starting" ? "Starting…" : status === "ended" ? "Ended" : status === "error" ? "Unavailable" : "Off";
  return (
    <Badge size="xs" color="gray" variant="light" data-testid="live-status" data-status={status}>
      {label}
    </Badge>
  );
}

function LiveCharts({ live, limits }: { live: LiveStats; limits: ResourceLimits | undefined }) {
  const columns = useMemo(() => toColumns(live.samples, liveGetters, LIVE_STEP_SECS), [live.samples]);
  const newest = columns.x.length > 0 ? columns.x[columns.x.length - 1] : Math.floor(Date.now() / 1000);
  const xRange: [number, number] = [newest - LIVE_WINDOW_SECS, newest];
  const lines = useMemo(
    () => ({
      cpu: [
        { label: "CPU", color: "indigo", values: columns.ys[0], area: true },
        ...limitLine(columns.x, cpuLimitLevel(limits)),
      ] as ChartLine[],
      memory: [
        { label: "Used", color: "teal", values: columns.ys[1], area: true },
        ...limitLine(columns.x, limits?.memoryBytes),
      ] as ChartLine[],
      network: [
        { label: "Received", color: "cyan", values: columns.ys[2] },
        { label: "Sent", color: "grape", values: columns.ys[3] },
      ] as ChartLine[],
      block: [
        { label: "Read", color: "orange", values: columns.ys[4] },
        { label: "Written", color: "pink", values: columns.ys[5] },
      ] as ChartLine[],
    }),
    [columns, limits],
  );
  const emptyText =
    live.status === "starting" || live.status === "live" ? "Waiting for the first sample…" : "No live samples.";
  const common = { x: columns.x, xRange, height: 110, clock: "time" as const, emptyText };
  return (
    <SimpleGrid cols={2} spacing="sm">
      <TimeChart testId="live-cpu-chart" title="CPU" unit="percent" lines={lines.cpu} badge={<LiveBadge status={live.status} />} {...common} />
      <TimeChart testId="live-memory-chart" title="Memory" unit="bytes" lines={lines.memory} {...common} />
      <TimeChart testId="live-network-chart" title="Network" unit="rate" lines={lines.network} {...common} />
      <TimeChart testId="live-block-chart" title="Block I/O" unit="rate" lines={lines.block} {...common} />
    </SimpleGrid>
  );
}

function LiveSection({
  container,
  live,
  limits,
}: {
  container: Container | undefined;
  live: LiveStats;
  limits: ResourceLimits | undefined;
}) {
  const running = container?.state === "running";
  // A container that stopped while shown keeps its last samples (see `useLiveStats`).
  const kept = !running && live.samples.length > 0;
  let notice: ReactNode = null;
  if (live.status === "error") {
    notice = (
      <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="Live stats could not start" data-testid="live-error">
        <Text size="sm" className="sq-wrap">
          {live.message}
        </Text>
      </Alert>
    );
  } else if (kept || live.status === "ended") {
    const reason = asSentence(live.message ?? (kept ? `the container is ${container?.state ?? "gone"} now` : "the stream ended"));
    notice = (
      <Alert color="gray" variant="light" icon={<IconPlayerStop size={18} />} title="Live stats ended" data-testid="live-ended">
        <Text size="sm" className="sq-wrap">
          {reason}
          {kept ? " These are its last samples before it stopped; they are kept until you leave this tab." : ""}
        </Text>
      </Alert>
    );
  }
  return (
    <Stack gap={6} component="section" aria-label="Live">
      <Header title="Live · last 2 minutes" />
      {!running && !kept ? (
        <Alert color="gray" variant="light" icon={<IconInfoCircle size={18} />} data-testid="live-unavailable">
          Live stats are shown while the container runs
          {container ? ` (it is ${container.state} now)` : ""}. Its recorded history is below.
        </Alert>
      ) : (
        // One tree whether running or just stopped, so the charts are not drawn anew.
        <>
          {notice}
          <LiveCharts live={live} limits={limits} />
        </>
      )}
    </Stack>
  );
}

// ---- Current numbers -------------------------------------------------------------------------

function Stat({ label, testId, value, detail, dataValue }: { label: string; testId: string; value: string; detail?: string; dataValue?: number | null }) {
  return (
    <Stack gap={0} style={{ minWidth: 0 }}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text
        size="sm"
        fw={600}
        style={{ fontVariantNumeric: "tabular-nums" }}
        className="sq-ellipsis"
        title={detail ? `${value} · ${detail}` : value}
        data-testid={testId}
        data-value={dataValue ?? undefined}
      >
        {value}
      </Text>
      <Text size="xs" c="dimmed" className="sq-ellipsis" h={18} title={detail}>
        {detail ?? ""}
      </Text>
    </Stack>
  );
}

function totals(a: number | null | undefined, b: number | null | undefined, up: string, down: string): string | undefined {
  if (a == null && b == null) return undefined;
  return `${down} ${formatBytes(a)} · ${up} ${formatBytes(b)} in total`;
}

/**
 * Memory against the container's own limit. Without one, the engine reports the host's memory
 * as the limit: say so rather than show a percentage of the whole host as if it were a limit.
 * Until the limits are known (`undefined`), show what the engine reports.
 */
function memoryStat(sample: StatsSample, limits: ResourceLimits | undefined): { value: string; detail: string } {
  if (limits !== undefined && limits.memoryBytes == null) {
    return {
      value: formatBytes(sample.memoryUsed),
      detail: `No limit · the host has ${formatBytes(sample.memoryLimit)}`,
    };
  }
  return {
    value: `${formatBytes(sample.memoryUsed)} / ${formatBytes(limits?.memoryBytes ?? sample.memoryLimit)}`,
    detail: `${formatPercent(sample.memoryPercent)} of its limit`,
  };
}

export function CurrentStats({
  sample,
  now,
  limits,
  pids = true,
}: {
  sample: StatsSample;
  now: number;
  limits?: ResourceLimits;
  /** Whether the engine counts its processes (a Proxmox guest's are not reported). */
  pids?: boolean;
}) {
  return (
    <SimpleGrid cols={3} spacing="md" verticalSpacing="xs" data-testid="stats-current">
      <Stat
        label="CPU (of one core)"
        testId="stat-cpu"
        value={formatPercent(sample.cpuPercent)}
        detail={limits?.cpus != null ? formatCoresOf(sample.cpuPercent, limits.cpus) : formatCores(sample.cpuPercent)}
        dataValue={sample.cpuPercent}
      />
      <Stat label="Memory" testId="stat-memory" {...memoryStat(sample, limits)} dataValue={sample.memoryUsed} />
      <Stat
        label={pids ? "PIDs" : "Sampled"}
        testId="stat-pids"
        value={pids ? (sample.pids == null ? "—" : String(sample.pids)) : relativeTime(sample.ts, now)}
        detail={pids ? `Sampled ${relativeTime(sample.ts, now)}` : "From the cluster's poll"}
      />
      <Stat
        label="Network"
        testId="stat-net"
        value={`↓ ${formatRate(sample.netRxRate)}  ↑ ${formatRate(sample.netTxRate)}`}
        detail={totals(sample.netRxBytes, sample.netTxBytes, "↑", "↓")}
      />
      <Stat
        label="Block I/O"
        testId="stat-block"
        value={`R ${formatRate(sample.blockReadRate)}  W ${formatRate(sample.blockWriteRate)}`}
        detail={totals(sample.blockReadBytes, sample.blockWriteBytes, "W", "R")}
      />
    </SimpleGrid>
  );
}

function CurrentSection({
  uuid,
  running,
  live,
  active,
  limits,
  pids,
}: {
  uuid: string;
  running: boolean;
  live: LiveStats;
  active: boolean;
  limits: ResourceLimits | undefined;
  pids: boolean;
}) {
  const latest = useStatsLatest(uuid, active);
  const now = useNow(10_000);
  const sample = live.samples.at(-1) ?? latest.data ?? null;
  let body: ReactNode;
  if (sample) {
    body = <CurrentStats sample={sample} now={now} limits={limits} pids={pids} />;
  } else if (latest.isPending) {
    body = <Skeleton h={96} radius="sm" data-testid="loading" />;
  } else if (latest.isError) {
    body = <ErrorState title="Could not load the current numbers" error={latest.error} onRetry={() => void latest.refetch()} />;
  } else {
    body = (
      <Text size="sm" c="dimmed" data-testid="stats-current-empty">
        {running ? `No samples yet. ${FIRST_SAMPLES_HINT}` : "No samples recorded for this container."}
      </Text>
    );
  }
  return (
    <Stack gap={6} component="section" aria-label="Current usage">
      <Header title={live.status === "live" ? "Now" : "Latest sample"} />
      <Box mih={96}>{body}</Box>
    </Stack>
  );
}

// ---- History ---------------------------------------------------------------------------------

const historyGetters = [
  (p: SeriesPoint) => p.cpuPercent.avg,
  (p: SeriesPoint) => p.cpuPercent.min,
  (p: SeriesPoint) => p.cpuPercent.max,
  (p: SeriesPoint) => p.memoryUsed.avg,
  (p: SeriesPoint) => p.memoryUsed.min,
  (p: SeriesPoint) => p.memoryUsed.max,
  (p: SeriesPoint) => p.netRxRate.avg,
  (p: SeriesPoint) => p.netTxRate.avg,
  (p: SeriesPoint) => p.blockReadRate.avg,
  (p: SeriesPoint) => p.blockWriteRate.avg,
];

function HistorySection({
  uuid,
  active,
  running,
  limits,
}: {
  uuid: string;
  active: boolean;
  running: boolean;
  limits: ResourceLimits | undefined;
}) {
  const [range, setRange] = useState<RangeKey>(DEFAULT_RANGE);
  const series = useContainerSeries(uuid, range, active);
  const data = series.data;
  const columns = useMemo(
    () => toColumns(data?.series.points ?? [], historyGetters, data?.series.step),
    [data],
  );
  const lines = useMemo(() => {
    const y = columns.ys;
    return {
      cpu: [
        { label: "CPU avg", color: "indigo", values: y[0], band: { lower: y[1], upper: y[2] } },
        ...limitLine(columns.x, cpuLimitLevel(limits)),
      ] as ChartLine[],
      memory: [
        { label: "Used avg", color: "teal", values: y[3], band: { lower: y[4], upper: y[5] } },
        ...limitLine(columns.x, limits?.memoryBytes),
      ] as ChartLine[],
      network: [
        { label: "Received", color: "cyan", values: y[6] },
        { label: "Sent", color: "grape", values: y[7] },
      ] as ChartLine[],
      block: [
        { label: "Read", color: "orange", values: y[8] },
        { label: "Written", color: "pink", values: y[9] },
      ] as ChartLine[],
    };
  }, [columns, limits]);
  const common = {
    x: columns.x,
    xRange: data ? ([data.from, data.to] as [number, number]) : null,
    height: 130,
    loading: series.isPending,
    error: series.isError ? series.error : undefined,
    onRetry: () => void series.refetch(),
    emptyText: running ? `No samples in this range yet. ${FIRST_SAMPLES_HINT}` : "No samples in this range.",
  };
  return (
    <Stack gap={6} component="section" aria-label="History">
      <Header title="History">
        <RangeSelector value={range} onChange={setRange} label="History range" />
      </Header>
      <Text size="xs" c="dimmed">
        {data?.series.step ? `Each point averages ${formatSeconds(data.series.step)}` : "Averages"}; the shaded band spans the
        minimum to the maximum.
      </Text>
      <SimpleGrid cols={2} spacing="sm">
        <TimeChart testId="history-cpu-chart" title="CPU" unit="percent" lines={lines.cpu} {...common} />
        <TimeChart testId="history-memory-chart" title="Memory" unit="bytes" lines={lines.memory} {...common} />
        <TimeChart testId="history-network-chart" title="Network" unit="rate" lines={lines.network} {...common} />
        <TimeChart testId="history-block-chart" title="Block I/O" unit="rate" lines={lines.block} {...common} />
      </SimpleGrid>
    </Stack>
  );
}

// ---- The tab ---------------------------------------------------------------------------------

/**
 * A container's stats: a live 1 Hz stream while it runs and the tab is shown, its current
 * numbers, and its recorded history.
 */
export function StatsTab({
  uuid,
  container,
  limits,
  live: hasLive = true,
  active,
}: {
  uuid: string;
  container: Container | undefined;
  /** The container's CPU and memory limits, once inspected. */
  limits?: ResourceLimits;
  /** Its kind has a live (1 Hz) stream; without (a Proxmox guest), its polled samples. */
  live?: boolean;
  /** The drawer is open on this tab: only then does the live stream run. */
  active: boolean;
}) {
  const running = container?.state === "running";
  // A container that stops while its tab is open keeps its last live samples on screen: what
  // it did just before it stopped is what its owner wants to see.
  const live = useLiveStats(uuid, hasLive && active && running, { retain: active });
  return (
    <Stack gap="lg" data-testid="stats-tab">
      {hasLive ? <LiveSection container={container} live={live} limits={limits} /> : null}
      <CurrentSection uuid={uuid} running={running} live={live} active={active} limits={limits} pids={hasLive} />
      <HistorySection uuid={uuid} active={active} running={running} limits={limits} />
    </Stack>
  );
}
