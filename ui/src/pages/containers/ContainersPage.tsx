import { Button, Code, Group, Paper, Stack, Text } from "@mantine/core";
import { IconBox, IconFileImport, IconFilterOff, IconPlus, IconServerOff } from "@tabler/icons-react";
import { useEffect, useMemo, useState } from "react";
import { useContainerLoads, useContainers, useDevices } from "../../api/queries";
import { EmptyState, ErrorState, SkeletonRows } from "../../components/States";
import { EMPTY_FILTERS, filterContainers, type ContainerFilters } from "../../lib/filter";
import { useNow } from "../../lib/useNow";
import { useDeviceNames } from "../useDeviceNames";
import { useDeviceStaleness } from "../useDeviceStaleness";
import { ActionsProvider } from "./actions/ActionsContext";
import { ContainerDrawer } from "./ContainerDrawer";
import { ContainersTable, ROW_HEIGHT } from "./ContainersTable";
import { ContainersToolbar } from "./ContainersToolbar";

export function NoEngineState() {
  return (
    <EmptyState icon={<IconServerOff size={28} />} title="No Docker engine found">
      <Stack gap="sm" align="center">
        <Text size="sm" c="dimmed" ta="center">
          Squirrel looks for Docker at <Code>/var/run/docker.sock</Code> or <Code>$DOCKER_HOST</Code>. Start Docker
          and it connects by itself.
        </Text>
        <Text size="sm" c="dimmed" ta="center">
          Does your Docker run on another machine?
        </Text>
        <Group gap="xs" justify="center">
          <Button component="a" href="#/devices?add" size="xs" leftSection={<IconPlus size={14} />} data-testid="empty-add-device">
            Add a remote device
          </Button>
          <Button
            component="a"
            href="#/devices?import"
            size="xs"
            variant="default"
            leftSection={<IconFileImport size={14} />}
            data-testid="empty-import-contexts"
          >
            Import Docker contexts
          </Button>
        </Group>
      </Stack>
    </EmptyState>
  );
}

interface Props {
  filters: ContainerFilters;
  onFiltersChange: (filters: ContainerFilters) => void;
}

export function ContainersPage({ filters, onFiltersChange }: Props) {
  const containers = useContainers();
  const devices = useDevices();
  const now = useNow();
  const [openUuid, setOpenUuid] = useState<string | null>(() => containerInHash(window.location.hash));
  // `#/containers?open=<uuid>` opens that container (the deploy wizard links to what it made).
  useEffect(() => {
    const onHash = () => {
      const uuid = containerInHash(window.location.hash);
      if (uuid) setOpenUuid(uuid);
    };
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  const deviceNames = useDeviceNames();
  const staleness = useDeviceStaleness();
  const loads = useContainerLoads();
  const all = containers.data;
  const visible = useMemo(() => (all ? filterContainers(all, filters) : []), [all, filters]);
  const noDevices = devices.isSuccess && devices.data.length === 0;

  let body;
  if (containers.isPending) {
    body = <SkeletonRows rows={10} height={ROW_HEIGHT} />;
  } else if (containers.isError) {
    body = (
      <ErrorState title="Could not load containers" error={containers.error} onRetry={() => void containers.refetch()} />
    );
  } else if (noDevices && containers.data.length === 0) {
    body = <NoEngineState />;
  } else if (containers.data.length === 0) {
    body = (
      <EmptyState icon={<IconBox size={28} />} title="No containers yet">
        Squirrel shows every container of your devices. Start one with <Code>docker run</Code> and it appears here.
      </EmptyState>
    );
  } else if (visible.length === 0) {
    body = (
      <EmptyState icon={<IconFilterOff size={28} />} title="No containers match">
        <Stack gap="sm" align="center">
          <Text size="sm" c="dimmed">
            Nothing matches these filters.
          </Text>
          <Button size="xs" variant="light" onClick={() => onFiltersChange(EMPTY_FILTERS)}>
            Clear filters
          </Button>
        </Stack>
      </EmptyState>
    );
  } else {
    body = (
      <ContainersTable
        containers={visible}
        deviceNames={deviceNames}
        loads={loads}
        now={now}
        selectedUuid={openUuid}
        staleness={staleness}
        onOpen={setOpenUuid}
      />
    );
  }

  return (
    <ActionsProvider>
      <Stack gap={0} h="100%">
        <ContainersToolbar
          filters={filters}
          onChange={onFiltersChange}
          devices={devices.data ?? []}
          shown={visible.length}
          total={all?.length ?? 0}
          loading={containers.isPending}
        />
        <Paper withBorder radius="md" mx="md" mb="md" style={{ flex: 1, minHeight: 0, overflow: "hidden" }}>
          {body}
        </Paper>
      </Stack>
      <ContainerDrawer
        uuid={openUuid}
        deviceNames={deviceNames}
        onClose={() => {
          setOpenUuid(null);
          // Closed: the link is spent, a reload shows the list.
          if (containerInHash(window.location.hash)) window.history.replaceState(null, "", "#/containers");
        }}
      />
    </ActionsProvider>
  );
}

/** The container a `#/containers?open=<uuid>` link names, if any. */
export function containerInHash(hash: string): string | null {
  const match = /[?&]open=([^&]+)/.exec(hash);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}
