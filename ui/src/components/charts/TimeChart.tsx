import { LOCALE } from "../../lib/intl";
import { Box, Button, Center, Group, Paper, Skeleton, Text, type MantineColor } from "@mantine/core";
import { IconRefresh } from "@tabler/icons-react";
import { useMemo, useState, type ReactNode } from "react";
import type uPlot from "uplot";
import { errorMessage } from "../../api/unwrap";
import { countPoints, lastValue, type Value } from "../../lib/series";
import { formatValue, useChartTheme, Y_AXIS_SIZE, Y_FLOOR, type ChartUnit } from "./chartTheme";
import { UPlotChart, type PlotBand, type PlotLine } from "./UPlotChart";

/** One line of a chart, aligned with the chart's `x`. */
export interface ChartLine {
  label: string;
  color: MantineColor;
  values: readonly Value[];
  /** A min–max band drawn around the line (e.g. over a bucket). */
  band?: { lower: readonly Value[]; upper: readonly Value[] };
  /** A light area under the line. */
  area?: boolean;
  /**
   * A fixed level, such as a limit: drawn dashed, and not a sample (it does not count as data
   * and does not keep the chart from saying it is empty).
   */
  reference?: boolean;
}

export interface TimeChartProps {
  /** On the chart's root, with `data-points` (the x positions that carry a value). */
  testId: string;
  title: string;
  unit: ChartUnit;
  /** Unix seconds, increasing; gaps are x positions whose values are all null. */
  x: readonly number[];
  lines: ChartLine[];
  /** The time window shown, in Unix seconds. */
  xRange?: [number, number] | null;
  ySoftMax?: number;
  height?: number;
  loading?: boolean;
  error?: unknown;
  onRetry?: () => void;
  /** Shown over an empty plot. */
  emptyText?: string;
  /** Hover times as a time of day (live charts) or with the date (history). */
  clock?: "time" | "datetime";
  /** Something for the header's right side (e.g. a live badge). */
  badge?: ReactNode;
}

const HEADER_H = 22;
const LEGEND_H = 20;

function formatTime(ts: number, clock: "time" | "datetime"): string {
  const date = new Date(ts * 1000);
  return clock === "time"
    ? date.toLocaleTimeString(LOCALE)
    : date.toLocaleString(LOCALE, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/**
 * A time-series chart in a fixed-height frame: title, plot, and a legend that shows the hovered
 * (or latest) values in the metric's unit. Loading, error and empty states keep the same size.
 */
export function TimeChart({
  testId,
  title,
  unit,
  x,
  lines,
  xRange = null,
  ySoftMax,
  height = 160,
  loading = false,
  error,
  onRetry,
  emptyText = "No samples in this range.",
  clock = "datetime",
  badge,
}: TimeChartProps) {
  const theme = useChartTheme();
  const [hover, setHover] = useState<number | null>(null);

  const points = useMemo(
    () => (loading || error ? 0 : countPoints(lines.filter((l) => !l.reference).map((l) => l.values))),
    [lines, loading, error],
  );

  // uPlot data: x, then each line followed by its band edges (upper, lower).
  const { data, plotLines, bands } = useMemo(() => {
    const columns: Value[][] = [];
    const plotLines: PlotLine[] = [];
    const bands: PlotBand[] = [];
    for (const line of lines) {
      columns.push(line.values.slice());
      plotLines.push({
        label: line.label,
        stroke: theme.color(line.color),
        fill: line.area ? theme.wash(line.color, theme.scheme === "dark" ? 0.12 : 0.08) : undefined,
        dashed: line.reference,
      });
      if (line.band) {
        columns.push(line.band.upper.slice(), line.band.lower.slice());
        plotLines.push(
          { label: `${line.label} max`, stroke: theme.color(line.color), bandEdge: true },
          { label: `${line.label} min`, stroke: theme.color(line.color), bandEdge: true },
        );
        bands.push({ upper: columns.length - 1, lower: columns.length, fill: theme.wash(line.color) });
      }
    }
    return { data: [x.slice(), ...columns] as uPlot.AlignedData, plotLines, bands };
  }, [x, lines, theme]);

  const colors = useMemo(
    () => ({ scheme: theme.scheme, axis: theme.axis, grid: theme.grid, font: theme.font }),
    [theme],
  );
  const formatY = useMemo(() => (v: number) => formatValue(unit, v), [unit]);

  const hovered = hover !== null && hover < x.length ? hover : null;
  const legend = lines.map((line) => {
    const value = hovered !== null ? (line.values[hovered] ?? null) : lastValue(line.values);
    const lo = hovered !== null ? line.band?.lower[hovered] : undefined;
    const hi = hovered !== null ? line.band?.upper[hovered] : undefined;
    const range = lo != null && hi != null && lo !== hi ? ` (${formatValue(unit, lo)}–${formatValue(unit, hi)})` : "";
    return { line, text: `${formatValue(unit, value)}${range}` };
  });
  const summary = `${title}: ${
    points === 0 ? "no data" : legend.map((l) => `${l.line.label} ${formatValue(unit, lastValue(l.line.values))}`).join(", ")
  }`;

  let overlay: ReactNode = null;
  if (error) {
    overlay = (
      <Center h="100%" p="sm">
        <Group gap="xs" wrap="nowrap" maw="100%">
          <Text size="xs" c="red" className="sq-wrap" lineClamp={3}>
            {errorMessage(error)}
          </Text>
          {onRetry ? (
            <Button size="compact-xs" variant="light" color="red" leftSection={<IconRefresh size={12} />} onClick={onRetry}>
              Retry
            </Button>
          ) : null}
        </Group>
      </Center>
    );
  } else if (!loading && points === 0) {
    overlay = (
      <Center h="100%" p="sm" style={{ pointerEvents: "none" }}>
        <Text size="xs" c="dimmed" ta="center" maw={320} data-testid="chart-empty">
          {emptyText}
        </Text>
      </Center>
    );
  }

  return (
    <Paper
      withBorder
      radius="md"
      p="xs"
      data-testid={testId}
      data-live
      data-points={points}
      data-loading={loading || undefined}
      style={{ minWidth: 0 }}
    >
      <Group justify="space-between" wrap="nowrap" h={HEADER_H} gap="xs">
        <Text size="sm" fw={600} className="sq-ellipsis">
          {title}
        </Text>
        <Group gap={6} wrap="nowrap" style={{ flexShrink: 0 }}>
          {hovered !== null ? (
            <Text size="xs" c="dimmed" style={{ fontVariantNumeric: "tabular-nums" }}>
              {formatTime(x[hovered], clock)}
            </Text>
          ) : null}
          {badge}
        </Group>
      </Group>
      <Box pos="relative" h={height} role="img" aria-label={summary}>
        {loading ? (
          <Skeleton h={height} radius="sm" data-testid="chart-loading" />
        ) : error ? null : (
          <UPlotChart
            data={data}
            lines={plotLines}
            bands={bands}
            height={height}
            xRange={xRange}
            ySoftMax={ySoftMax ?? Y_FLOOR[unit]}
            yAxisSize={Y_AXIS_SIZE[unit]}
            formatY={formatY}
            colors={colors}
            onCursor={setHover}
          />
        )}
        {overlay ? (
          <Box pos="absolute" inset={0}>
            {overlay}
          </Box>
        ) : null}
      </Box>
      <Group gap="md" wrap="nowrap" h={LEGEND_H} style={{ overflow: "hidden" }} aria-hidden>
        {legend.map(({ line, text }) => (
          <Group key={line.label} gap={6} wrap="nowrap" style={{ minWidth: 0 }}>
            <Box
              w={10}
              h={3}
              style={{ borderRadius: 2, flexShrink: 0, backgroundColor: theme.color(line.color) }}
            />
            <Text size="xs" c="dimmed" style={{ whiteSpace: "nowrap" }}>
              {line.label}
            </Text>
            <Text size="xs" fw={600} style={{ whiteSpace: "nowrap", fontVariantNumeric: "tabular-nums" }}>
              {text}
            </Text>
          </Group>
        ))}
      </Group>
    </Paper>
  );
}
