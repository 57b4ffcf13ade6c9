import { Group, Paper, SegmentedControl, Select, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { memo, useMemo, useState } from "react";
import { useFleetSeries } from "../../api/queries";
import type { DeviceSummary, FleetPoint } from "../../api/types";
import { RangeSelector } from "../../components/charts/RangeSelector";
import { TimeChart, type ChartLine } from "../../components/charts/TimeChart";
import { toColumns } from "../../lib/series";
import { DEFAULT_RANGE, FIRST_SAMPLES_HINT, type RangeKey } from "../../lib/statsRange";

type Mode = "avg" | "total";

const cpuAvg = (p: FleetPoint) => p.cpuAvgPercent;
const cpuTotal = (p: FleetPoint) => p.cpuTotalPercent;
const memAvg = (p: FleetPoint) => p.memoryAvgPercent;
const memTotal = (p: FleetPoint) => p.memoryTotal;

/** The fleet's (or one device's) CPU and memory over a range: average per container, or the total. */
interface ControlsProps {
  devices: DeviceSummary[];
  deviceUuid: string | null;
  onDevice: (uuid: string | null) => void;
  mode: Mode;
  onMode: (mode: Mode) => void;
  range: RangeKey;
  onRange: (range: RangeKey) => void;
}

/** The chart controls: they re-render when a choice changes, not on every new round of data. */
const FleetControls = memo(function FleetControls({ devices, deviceUuid, onDevice, mode, onMode, range, onRange }: ControlsProps) {
  const deviceOptions = useMemo(
    () => [{ value: "all", label: "All devices" }, ...devices.map((d) => ({ value: d.device.uuid, label: d.device.name }))],
    [devices],
  );
  return (
    <Group gap="xs" wrap="wrap">
      <Select
        size="xs"
        w={160}
        aria-label="Device"
        data={deviceOptions}
        value={deviceUuid ?? "all"}
        onChange={(v) => onDevice(!v || v === "all" ? null : v)}
        allowDeselect={false}
        data-testid="fleet-device"
      />
      <SegmentedControl
        size="xs"
        aria-label="Show"
        data={MODES}
        value={mode}
        onChange={(v) => onMode(v as Mode)}
        data-testid="fleet-mode"
      />
      <RangeSelector value={range} onChange={onRange} />
    </Group>
  );
});

const MODES = [
  { value: "avg", label: "Per container" },
  { value: "total", label: "Total" },
];

/** The fleet's load over time: CPU and memory charts with their controls. */
export const FleetCharts = memo(function FleetCharts({ devices }: { devices: DeviceSummary[] }) {
  const [range, setRange] = useState<RangeKey>(DEFAULT_RANGE);
  const [deviceUuid, setDeviceUuid] = useState<string | null>(null);
  const [mode, setMode] = useState<Mode>("avg");
  const fleet = useFleetSeries(deviceUuid, range);
  const data = fleet.data;

  const columns = useMemo(
    () => toColumns(data?.series.points ?? [], [cpuAvg, cpuTotal, memAvg, memTotal], data?.series.step),
    [data],
  );
  const cpuLines = useMemo<ChartLine[]>(
    () => [
      mode === "avg"
        ? { label: "Average per container", color: "indigo", values: columns.ys[0], area: true }
        : { label: "All containers", color: "indigo", values: columns.ys[1], area: true },
    ],
    [columns, mode],
  );
  const memoryLines = useMemo<ChartLine[]>(
    () => [
      mode === "avg"
        ? { label: "Average per container, of its limit or the host's memory", color: "teal", values: columns.ys[2], area: true }
        : { label: "All containers", color: "teal", values: columns.ys[3], area: true },
    ],
    [columns, mode],
  );

  const xRange: [number, number] | null = data ? [data.from, data.to] : null;
  const common = {
    x: columns.x,
    xRange,
    loading: fleet.isPending,
    error: fleet.isError ? fleet.error : undefined,
    onRetry: () => void fleet.refetch(),
    emptyText: `No samples in this range yet. ${FIRST_SAMPLES_HINT}`,
    height: 180,
  };

  return (
    <Paper withBorder radius="md" p="md" component="section" aria-label="Fleet load">
      <Stack gap="sm">
        <Group justify="space-between" gap="sm" wrap="wrap">
          <Stack gap={0}>
            <Title order={5}>Load</Title>
            <Text size="xs" c="dimmed">
              CPU in percent of one core (200% = two cores busy)
            </Text>
          </Stack>
          <FleetControls
            devices={devices}
            deviceUuid={deviceUuid}
            onDevice={setDeviceUuid}
            mode={mode}
            onMode={setMode}
            range={range}
            onRange={setRange}
          />
        </Group>
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm">
          <TimeChart
            testId="fleet-cpu-chart"
            title={mode === "avg" ? "CPU · average per container" : "CPU · total"}
            unit="percent"
            lines={cpuLines}
            {...common}
          />
          <TimeChart
            testId="fleet-memory-chart"
            title={mode === "avg" ? "Memory · average per container" : "Memory · total"}
            unit={mode === "avg" ? "percent" : "bytes"}
            lines={memoryLines}
            {...common}
          />
        </SimpleGrid>
      </Stack>
    </Paper>
  );
});
