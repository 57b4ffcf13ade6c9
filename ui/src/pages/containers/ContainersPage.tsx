import { Button, CloseButton, Code, Group, Kbd, Paper, Stack, Text, Tooltip } from "@mantine/core";
import { IconBox, IconFileImport, IconFileText, IconFilterOff, IconPlus, IconServerOff, IconSquareArrowUp } from "@tabler/icons-react";
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { useContainerLoads, useContainers, useDevices, useUpdateFindings } from "../../api/queries";
import { EmptyState, ErrorState, SkeletonRows } from "../../components/States";
import { EMPTY_FILTERS, filterContainers, type ContainerFilters } from "../../lib/filter";
import { useNow } from "../../lib/useNow";
import { MAX_MERGED, logsLink } from "../logs/logsLink";
import { useDeviceNames } from "../useDeviceNames";
import { useDeviceStaleness } from "../useDeviceStaleness";
import { ActionsProvider } from "./actions/ActionsContext";
import { ContainerDrawer } from "./ContainerDrawer";
import { BatchUpdateDialog } from "./recreate/BatchUpdateDialog";
import { RecreateDialog, type RecreateMode, type RecreateTarget } from "./recreate/RecreateDialog";
import { ContainersTable, ROW_HEIGHT } from "./ContainersTable";
import { ContainersToolbar } from "./ContainersToolbar";
import { capabilitiesOf } from "../../lib/containerKinds";

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
  const updates = useUpdateFindings();
  const all = containers.data;
  const kindOf = useMemo(() => new Map((all ?? []).map((c) => [c.uuid, c.kind])), [all]);
  // The container being updated, edited or rolled back, from its badge or its drawer.
  const [recreate, setRecreate] = useState<RecreateTarget | null>(null);
  const startRecreate = (uuid: string, mode: RecreateMode) => {
    const container = all?.find((c) => c.uuid === uuid);
    if (container) setRecreate({ container, mode });
  };
  // The containers of a batch update: all with an update, or those picked.
  const [batch, setBatch] = useState<string[] | null>(null);
  const latest = useRef({ all, updates, staleness });
  latest.current = { all, updates, staleness };
  // Those of devices online only: the others' badges are not offered either.
  const updateAll = useCallback(() => {
    const { all: now, updates: found, staleness: offline } = latest.current;
    setBatch(
      (now ?? []).filter((c) => found.get(c.uuid)?.kind === "available" && !offline.has(c.deviceUuid)).map((c) => c.uuid),
    );
  }, []);
  const visible = useMemo(() => (all ? filterContainers(all, filters) : []), [all, filters]);
  const noDevices = devices.isSuccess && devices.data.length === 0;
  // Containers picked in the table (Ctrl+click, Shift+click, Space), among those still shown.
  const [pickedAll, setPicked] = useState<ReadonlySet<string>>(new Set());
  const picked = useMemo(() => {
    const shown = new Set(visible.map((c) => c.uuid));
    const still = [...pickedAll].filter((u) => shown.has(u));
    return still.length === pickedAll.size ? pickedAll : new Set(still);
  }, [pickedAll, visible]);
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Escape" && picked.size > 0 && openUuid === null) setPicked(new Set());
  };

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
        updates={updates}
        now={now}
        selectedUuid={openUuid}
        staleness={staleness}
        onOpen={setOpenUuid}
        onUpdate={(uuid) => startRecreate(uuid, "update")}
        picked={picked}
        onPickedChange={setPicked}
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
          onUpdateAll={updateAll}
        />
        <Paper withBorder radius="md" mx="md" mb="md" style={{ flex: 1, minHeight: 0, overflow: "hidden", position: "relative" }} onKeyDown={onKeyDown}>
          {body}
          {picked.size > 0 ? (
            <PickBar
              picked={[...picked]}
              // What each button takes: a Proxmox guest has no log to read, nor an image to update.
              withLogs={[...picked].filter((u) => capabilitiesOf(kindOf.get(u)).logs)}
              updatable={[...picked].filter((u) => capabilitiesOf(kindOf.get(u)).recreate)}
              onClear={() => setPicked(new Set())}
              onUpdate={setBatch}
            />
          ) : null}
        </Paper>
      </Stack>
      <ContainerDrawer
        uuid={openUuid}
        deviceNames={deviceNames}
        onRecreate={startRecreate}
        onClose={() => {
          setOpenUuid(null);
          // Closed: the link is spent, a reload shows the list.
          if (containerInHash(window.location.hash)) window.history.replaceState(null, "", "#/containers");
        }}
      />
      <RecreateDialog target={recreate} onClose={() => setRecreate(null)} />
      <BatchUpdateDialog uuids={batch} onClose={() => setBatch(null)} />
    </ActionsProvider>
  );
}

/** The container a `#/containers?open=<uuid>` link names, if any. */
/** What can be done to the containers picked in the table, floating over its foot. */
function PickBar({
  picked,
  withLogs,
  updatable,
  onClear,
  onUpdate,
}: {
  picked: string[];
  withLogs: string[];
  updatable: string[];
  onClear: () => void;
  onUpdate: (uuids: string[]) => void;
}) {
  const tooMany = withLogs.length > MAX_MERGED;
  return (
    <Paper withBorder radius="xl" px="md" py={6} className="sq-pick-bar" data-testid="pick-bar">
      <Group gap="sm" wrap="nowrap">
        <Text size="sm" fw={500} data-testid="pick-count">
          {picked.length} picked
        </Text>
        <Tooltip label={tooMany ? `At most ${MAX_MERGED} logs are read together` : "Their lines together, in time order"}>
          <Button
            size="compact-sm"
            variant="light"
            leftSection={<IconFileText size={14} />}
            disabled={tooMany || withLogs.length === 0}
            component="a"
            href={tooMany || withLogs.length === 0 ? undefined : logsLink(withLogs)}
            data-testid="pick-logs"
          >
            Read their logs together
          </Button>
        </Tooltip>
        <Tooltip label="Pull each one's image (the newer tag when a check found one) and replace it safely, rolled back alone if it fails">
          <Button size="compact-sm" variant="light" color="teal" leftSection={<IconSquareArrowUp size={14} />} disabled={updatable.length === 0} onClick={() => onUpdate(updatable)} data-testid="pick-update">
            Update…
          </Button>
        </Tooltip>
        <Text size="xs" c="dimmed" visibleFrom="lg">
          <Kbd size="xs">Ctrl</Kbd>+click picks · <Kbd size="xs">Shift</Kbd> a range · <Kbd size="xs">Esc</Kbd> clears
        </Text>
        <CloseButton size="sm" aria-label="Clear the picks" onClick={onClear} data-testid="pick-clear" />
      </Group>
    </Paper>
  );
}

export function containerInHash(hash: string): string | null {
  const match = /[?&]open=([^&]+)/.exec(hash);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}
