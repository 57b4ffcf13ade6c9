import { Alert, Group, ScrollArea, Skeleton, Stack, Text, Title } from "@mantine/core";
import { IconClockHour4 } from "@tabler/icons-react";
import { useAnyLoad, useDevices } from "../../api/queries";
import { ErrorState } from "../../components/States";
import { FIRST_SAMPLES_HINT } from "../../lib/statsRange";
import { NoEngineState } from "../containers/ContainersPage";
import { DeviceHealth } from "./DeviceHealth";
import { FleetCharts } from "./FleetCharts";
import { RetentionSettings } from "./RetentionSettings";
import { StateCounts } from "./StateCounts";
import type { StatusFilter } from "../../lib/filter";

/** The overview: container counts, the fleet's load over time, each device's health, retention. */
export function DashboardPage({ onShowContainers }: { onShowContainers?: (status: StatusFilter) => void } = {}) {
  const devices = useDevices();
  // Whether there is any load, not the loads: a stats round does not render the page again,
  // only the parts that show what it brought (the device table, the charts).
  const anyLoad = useAnyLoad();
  const noDevices = devices.isSuccess && devices.data.length === 0;
  const noSamples = anyLoad.isSuccess && !anyLoad.data && !noDevices;

  return (
    <ScrollArea h="100%" type="auto">
      <Stack gap="md" p="md" data-testid="dashboard">
        <Group gap="sm" align="baseline" mih={26}>
          <Title order={3} fw={650}>
            Dashboard
          </Title>
          {devices.isSuccess && !noDevices ? (
            <Text size="sm" c="dimmed">
              {devices.data.length} {devices.data.length === 1 ? "device" : "devices"}
            </Text>
          ) : null}
        </Group>

        {noDevices ? <NoEngineState /> : null}

        <StateCounts onOpen={onShowContainers} />

        {noSamples ? (
          <Alert
            color="gray"
            variant="light"
            icon={<IconClockHour4 size={18} />}
            title="No samples yet"
            data-testid="stats-empty"
          >
            {FIRST_SAMPLES_HINT} Collection runs on each device at its stats interval (Devices → Edit).
          </Alert>
        ) : null}
        {anyLoad.isError ? (
          <ErrorState title="Could not load current usage" error={anyLoad.error} onRetry={() => void anyLoad.refetch()} />
        ) : null}

        <FleetCharts devices={devices.data ?? []} />

        {devices.isPending ? (
          <Skeleton h={120} radius="md" data-testid="loading" />
        ) : devices.isError ? (
          <ErrorState title="Could not load devices" error={devices.error} onRetry={() => void devices.refetch()} />
        ) : devices.data.length > 0 ? (
          <DeviceHealth devices={devices.data} />
        ) : null}

        <RetentionSettings />
      </Stack>
    </ScrollArea>
  );
}
