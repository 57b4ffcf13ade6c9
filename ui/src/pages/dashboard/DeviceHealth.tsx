import { Badge, Group, Paper, ScrollArea, Stack, Table, Text, Title } from "@mantine/core";
import { useDeviceLoads } from "../../api/queries";
import type { DeviceLoad, DeviceStatus, DeviceSummary } from "../../api/types";
import { StatusDot } from "../../components/StatusDot";
import { DEVICE_STATUS_COLORS } from "../../lib/containerState";
import { formatBytes, formatCores, formatInterval, formatPercent, relativeTime } from "../../lib/format";
import { useNow } from "../../lib/useNow";

const STATUS_LABELS: Record<DeviceStatus["state"], string> = {
  online: "Online",
  connecting: "Connecting",
  unreachable: "Unreachable",
  hostKeyUnknown: "Host key unknown",
  disabled: "Disabled",
};

/**
 * Whether a device's newest load still describes it now: the device is online, collects stats,
 * and the round is no older than three of its intervals (at least a minute).
 */
export function loadIsCurrent(summary: DeviceSummary, load: DeviceLoad | undefined, nowMs: number): boolean {
  if (!load || load.ts == null || summary.status.state !== "online") return false;
  const interval = summary.device.statsIntervalSecs;
  if (interval <= 0) return false;
  return nowMs / 1000 - load.ts <= Math.max(3 * interval, 60);
}

function Th({ children, w }: { children: string; w?: number | string }) {
  return (
    <Table.Th w={w} fz="xs" tt="uppercase" c="dimmed">
      {children}
    </Table.Th>
  );
}

function HealthRow({ summary, load, now }: { summary: DeviceSummary; load: DeviceLoad | undefined; now: number }) {
  const { device, status, containerCount, runningCount } = summary;
  const current = loadIsCurrent(summary, load, now);
  const shown = current ? load : undefined;
  const asOf = load?.ts != null ? `Last round ${relativeTime(load.ts, now)}` : "No round yet";
  return (
    <Table.Tr data-testid="device-health-row" data-name={device.name} data-status={status.state}>
      <Table.Td style={{ overflow: "hidden" }}>
        <Text size="sm" fw={600} className="sq-ellipsis" title={device.name} data-testid="device-health-name">
          {device.name}
        </Text>
      </Table.Td>
      <Table.Td>
        <Group gap={8} wrap="nowrap">
          <StatusDot status={status} />
          <Badge color={DEVICE_STATUS_COLORS[status.state]} variant="light" size="sm" radius="sm" tt="none">
            {STATUS_LABELS[status.state]}
          </Badge>
        </Group>
      </Table.Td>
      <Table.Td>
        <Text size="sm" data-testid="device-health-containers" title={`${runningCount} running of ${containerCount}`}>
          {runningCount}
          <Text span c="dimmed" size="sm">
            {" / "}
            {containerCount}
          </Text>
        </Text>
      </Table.Td>
      <Table.Td>
        <Text
          size="sm"
          style={{ fontVariantNumeric: "tabular-nums" }}
          title={shown ? `${formatCores(shown.cpuTotalPercent)} · ${asOf}` : asOf}
          data-testid="device-health-cpu"
          data-live
          data-value={shown?.cpuTotalPercent ?? undefined}
        >
          {formatPercent(shown?.cpuTotalPercent)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text
          size="sm"
          style={{ fontVariantNumeric: "tabular-nums" }}
          title={shown ? `Average ${formatPercent(shown.memoryAvgPercent)} of each container's limit · ${asOf}` : asOf}
          data-testid="device-health-memory"
          data-live
          data-value={shown?.memoryTotal ?? undefined}
        >
          {formatBytes(shown?.memoryTotal)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="xs" c="dimmed" title={asOf} data-live>
          {device.statsIntervalSecs > 0 ? `${formatInterval(device.statsIntervalSecs)}` : "Off"}
          {load?.ts != null ? ` · ${relativeTime(load.ts, now)}` : ""}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}

/** Each device: status, containers, and its current summed load. */
export function DeviceHealth({ devices }: { devices: DeviceSummary[] }) {
  const loads = useDeviceLoads().data;
  // "Last round 20 s ago": new rounds come at the stats interval; the clock only needs to
  // follow as often.
  const now = useNow(10_000);
  const byDevice = new Map((loads ?? []).map((l) => [l.deviceUuid, l]));
  return (
    <Paper withBorder radius="md" component="section" aria-label="Devices" style={{ overflow: "hidden" }}>
      <Stack gap={0}>
        <Group px="md" pt="md" pb="xs" gap="xs" align="baseline">
          <Title order={5}>Devices</Title>
          <Text size="xs" c="dimmed">
            CPU and memory summed over each device's running containers
          </Text>
        </Group>
        <ScrollArea type="auto">
          <Table layout="fixed" verticalSpacing={8} fz="sm" miw={720} data-testid="device-health">
            <Table.Thead>
              <Table.Tr>
                <Th w="24%">Device</Th>
                <Th w={170}>Status</Th>
                <Th w={110}>Running</Th>
                <Th w={90}>CPU</Th>
                <Th w={100}>Memory</Th>
                <Th>Stats</Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {devices.map((d) => (
                <HealthRow key={d.device.uuid} summary={d} load={byDevice.get(d.device.uuid)} now={now} />
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      </Stack>
    </Paper>
  );
}
