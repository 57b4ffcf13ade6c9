import { Badge, Group, Skeleton, Stack, Text, Tooltip, UnstyledButton } from "@mantine/core";
import { useDevices } from "../api/queries";
import type { DeviceSummary } from "../api/types";
import { errorMessage } from "../api/unwrap";
import { StatusDot } from "../components/StatusDot";
import { deviceStatusText } from "../lib/containerState";

function DeviceItem({ summary, onSelect }: { summary: DeviceSummary; onSelect: (uuid: string) => void }) {
  const { device, status, containerCount, runningCount } = summary;
  return (
    <UnstyledButton
      className="sq-device"
      data-testid="device-item"
      data-status={status.state}
      aria-label={`Show containers of ${device.name}`}
      onClick={() => onSelect(device.uuid)}
    >
      <Group gap="xs" wrap="nowrap">
        <Tooltip label={deviceStatusText(status)} openDelay={300} multiline maw={280}>
          <span style={{ display: "inline-flex" }}>
            <StatusDot status={status} />
          </span>
        </Tooltip>
        <Text size="sm" fw={500} className="sq-ellipsis" style={{ flex: 1 }} title={device.name}>
          {device.name}
        </Text>
        <Tooltip label={`${runningCount} running of ${containerCount} containers`} openDelay={300}>
          <Badge size="xs" variant="default" radius="sm" style={{ flexShrink: 0 }} data-testid="device-count">
            {runningCount}/{containerCount}
          </Badge>
        </Tooltip>
      </Group>
      {status.state === "unreachable" ? (
        <Text size="xs" c="red" lineClamp={3} mt={2} pl={17} className="sq-wrap" data-testid="device-reason">
          {status.reason}
        </Text>
      ) : status.state !== "online" ? (
        <Text size="xs" c="dimmed" mt={2} pl={17} lineClamp={3} className="sq-wrap">
          {deviceStatusText(status)}
        </Text>
      ) : null}
    </UnstyledButton>
  );
}

export function DevicesSection({ onSelect }: { onSelect: (deviceUuid: string) => void }) {
  const devices = useDevices();
  return (
    <Stack gap={2}>
      <Text size="xs" fw={700} c="dimmed" tt="uppercase" px={8} mb={4} style={{ letterSpacing: "0.04em" }}>
        Devices
      </Text>
      {devices.isPending ? (
        <Stack gap={6} px={8}>
          <Skeleton h={14} radius="sm" />
          <Skeleton h={14} radius="sm" w="70%" />
        </Stack>
      ) : devices.isError ? (
        <Text size="xs" c="red" px={8} className="sq-wrap">
          {errorMessage(devices.error)}
        </Text>
      ) : devices.data.length === 0 ? (
        <Text size="xs" c="dimmed" px={8}>
          No Docker engine found yet.
        </Text>
      ) : (
        devices.data.map((d) => <DeviceItem key={d.device.uuid} summary={d} onSelect={onSelect} />)
      )}
    </Stack>
  );
}
