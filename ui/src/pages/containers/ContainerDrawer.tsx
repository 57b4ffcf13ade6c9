import { Alert, CloseButton, Drawer, Group, ScrollArea, Skeleton, Stack, Tabs, Text, Title } from "@mantine/core";
import { IconChartLine, IconFileText, IconFolders, IconInfoCircle, IconListDetails, IconPlugConnectedX, IconTerminal2 } from "@tabler/icons-react";
import { lazy, Suspense, useState } from "react";
import { useContainerInspect, useContainers } from "../../api/queries";
import type { GuestFacts, ResourceLimits } from "../../api/types";
import { RecreateButtons } from "./recreate/RecreateButtons";
import type { RecreateMode } from "./recreate/RecreateDialog";
import { Mono } from "../../components/Mono";
import { ErrorState } from "../../components/States";
import { HealthBadge, StatusBadge } from "../../components/StatusBadge";
import { capabilitiesOf } from "../../lib/containerKinds";
import { stateLabel } from "../../lib/containerState";
import { containerLabel, formatUnixSeconds } from "../../lib/format";
import { formatAsOfFull } from "../../lib/staleness";
import { SaveAsTemplateButton } from "../templates/SaveAsTemplateButton";
import { useDeviceStaleness } from "../useDeviceStaleness";
import { DrawerActions } from "./actions/ActionButtons";
import {
  EnvSection,
  GuestSection,
  LabelsSection,
  MountsSection,
  NetworksSection,
  OverviewSection,
  PortsSection,
} from "./DetailSections";
import { LogsPanel } from "../logs/LogsPanel";
import { StatsTab } from "./StatsTab";
import { GuestConfig } from "./GuestConfig";
import { FilesTab } from "./files/FilesTab";
// xterm.js is loaded the first time a terminal tab is shown, not with the window.
const TerminalTab = lazy(() => import("./terminal/TerminalTab").then((m) => ({ default: m.TerminalTab })));

export type DrawerTab = "details" | "stats" | "logs" | "terminal" | "files";

/** A guest's CPUs and memory as the charts' limit lines. */
function guestLimits(guest: GuestFacts): ResourceLimits {
  return {
    cpus: guest.cpusMilli > 0 ? guest.cpusMilli / 1000 : null,
    memoryBytes: guest.maxMemory != null && guest.maxMemory > 0 ? guest.maxMemory : null,
  };
}

function DetailsSkeleton() {
  return (
    <Stack gap="sm" data-testid="drawer-loading">
      <Skeleton h={12} w="30%" />
      <Skeleton h={60} />
      <Skeleton h={12} w="25%" mt="md" />
      <Skeleton h={120} />
      <Skeleton h={12} w="25%" mt="md" />
      <Skeleton h={80} />
    </Stack>
  );
}

interface Props {
  uuid: string | null;
  deviceNames: Map<string, string>;
  onClose: () => void;
  /** Update, edit or roll back the container (absent: no such buttons). */
  onRecreate?: (uuid: string, mode: RecreateMode) => void;
}

/** Everything about one container: the live row from the cache, plus the engine's inspect data. */
export function ContainerDrawer({ uuid, deviceNames, onClose, onRecreate }: Props) {
  // Keep showing the last container while the drawer slides out.
  const [shownUuid, setShownUuid] = useState(uuid);
  if (uuid !== null && uuid !== shownUuid) setShownUuid(uuid);

  const containers = useContainers();
  const container = shownUuid ? containers.data?.find((c) => c.uuid === shownUuid) : undefined;
  // What this kind of container has: a Proxmox guest has no inspect, log or live stats.
  const caps = capabilitiesOf(container?.kind);
  const inspect = useContainerInspect(container && caps.details ? uuid : null);
  // The tab stays as chosen from one container to the next (when the next has it).
  const [chosenTab, setTab] = useState<DrawerTab>("details");
  const tab: DrawerTab =
    (chosenTab === "stats" && !caps.stats) ||
    (chosenTab === "logs" && !caps.logs) ||
    ((chosenTab === "terminal" || chosenTab === "files") && !caps.terminal)
      ? "details"
      : chosenTab;
  // Once shown for a container, its terminals stay mounted (and open) while other tabs are.
  const [terminalShown, setTerminalShown] = useState<string | null>(null);
  if (tab === "terminal" && container && terminalShown !== container.uuid) setTerminalShown(container.uuid);
  // While "Save as template" has its editor open, Escape closes the editor, not the drawer.
  const [editingTemplate, setEditingTemplate] = useState(false);
  const details = inspect.data;
  const title = container ? containerLabel(container) : (details?.name ?? "Container");
  const stale = useDeviceStaleness().get(container?.deviceUuid ?? "") ?? null;
  const asOf = stale?.since ?? container?.updatedAt ?? null;

  return (
    <Drawer.Root opened={uuid !== null} onClose={onClose} position="right" size={760} closeOnEscape={!editingTemplate}>
      <Drawer.Overlay backgroundOpacity={0.35} blur={1} />
      <Drawer.Content data-testid="container-drawer" aria-label={`Details of ${title}`}>
        <Stack gap={0} h="100%">
          <Stack gap="xs" p="md" pb="sm">
            <Group justify="space-between" wrap="nowrap" align="flex-start">
              <Stack gap={2} style={{ minWidth: 0 }}>
                <Group gap="xs" wrap="nowrap">
                  <Title order={4} className="sq-wrap" data-testid="drawer-title">
                    {title}
                  </Title>
                  {container ? (
                    <StatusBadge state={container.state} exitCode={container.exitCode} lastSeen={stale !== null} />
                  ) : null}
                  {container?.health && !stale ? <HealthBadge health={container.health} /> : null}
                </Group>
                {container && container.displayName ? (
                  <Text size="xs" c="dimmed" className="sq-wrap">
                    Engine name: {container.name}
                  </Text>
                ) : null}
              </Stack>
              <CloseButton onClick={onClose} aria-label="Close details" />
            </Group>
            {container ? (
              <Group gap="lg" wrap="wrap">
                {container.guest ? (
                  <Stack gap={0} style={{ minWidth: 0, flex: "1 1 260px" }}>
                    <Text size="xs" c="dimmed">
                      {caps.label}
                    </Text>
                    <Text size="sm" data-testid="drawer-guest">
                      {container.guest.vmid} on {container.guest.node}
                    </Text>
                  </Stack>
                ) : (
                  <Stack gap={0} style={{ minWidth: 0, flex: "1 1 260px" }}>
                    <Text size="xs" c="dimmed">
                      Image
                    </Text>
                    <Mono size="sm">{container.image}</Mono>
                  </Stack>
                )}
                <Stack gap={0}>
                  <Text size="xs" c="dimmed">
                    Device
                  </Text>
                  <Text size="sm">{deviceNames.get(container.deviceUuid) ?? "—"}</Text>
                </Stack>
                {(container.created ?? 0) > 0 ? (
                  <Stack gap={0}>
                    <Text size="xs" c="dimmed">
                      Created
                    </Text>
                    <Text size="sm">{formatUnixSeconds(container.created)}</Text>
                  </Stack>
                ) : null}
              </Group>
            ) : null}
            {container && stale ? (
              <Alert
                color="gray"
                variant="light"
                p="xs"
                icon={<IconPlugConnectedX size={18} />}
                title={`Last seen ${stateLabel(container.state, container.exitCode)}${asOf != null ? `, as of ${formatAsOfFull(asOf)}` : ""}`}
                data-testid="drawer-last-seen"
              >
                {stale.reason}
              </Alert>
            ) : null}
            {container ? (
              <Group justify="space-between" gap={6} wrap="wrap" align="flex-start">
                <DrawerActions container={container} unavailable={stale?.reason} />
                {onRecreate && caps.recreate ? (
                  <RecreateButtons container={container} unavailable={stale?.reason ?? null} onRecreate={(mode) => onRecreate(container.uuid, mode)} />
                ) : null}
                {caps.details ? (
                  <SaveAsTemplateButton
                    containerUuid={container.uuid}
                    containerName={containerLabel(container)}
                    unavailable={stale?.reason ?? null}
                    onEditingChange={setEditingTemplate}
                  />
                ) : null}
              </Group>
            ) : null}
          </Stack>
          <Tabs
            value={tab}
            onChange={(v) => setTab(v === "stats" || v === "logs" || v === "terminal" || v === "files" ? v : "details")}
            keepMounted={false}
            style={{ flex: 1, minHeight: 0, display: "flex", flexDirection: "column" }}
          >
            <Tabs.List px="md">
              <Tabs.Tab value="details" leftSection={<IconListDetails size={14} />} data-testid="drawer-tab-details">
                Details
              </Tabs.Tab>
              {caps.stats ? (
                <Tabs.Tab value="stats" leftSection={<IconChartLine size={14} />} data-testid="drawer-tab-stats">
                  Stats
                </Tabs.Tab>
              ) : null}
              {caps.logs ? (
                <Tabs.Tab value="logs" leftSection={<IconFileText size={14} />} data-testid="drawer-tab-logs">
                  Logs
                </Tabs.Tab>
              ) : null}
              {caps.terminal ? (
                <Tabs.Tab value="terminal" leftSection={<IconTerminal2 size={14} />} data-testid="drawer-tab-terminal">
                  Terminal
                </Tabs.Tab>
              ) : null}
              {caps.terminal ? (
                <Tabs.Tab value="files" leftSection={<IconFolders size={14} />} data-testid="drawer-tab-files">
                  Files
                </Tabs.Tab>
              ) : null}
            </Tabs.List>
            {/* Terminals stay open while another tab is shown; they end with the drawer or the container shown. */}
            {container && caps.terminal ? (
              <div style={{ flex: 1, minHeight: 0, display: tab === "terminal" ? "flex" : "none", flexDirection: "column", padding: "var(--mantine-spacing-md)", overflow: "auto" }}>
                {tab === "terminal" || terminalShown === container.uuid ? (
                  <Suspense fallback={<Skeleton h={120} data-testid="terminal-loading" />}>
                    <TerminalTab key={container.uuid} container={container} active={uuid !== null && tab === "terminal"} />
                  </Suspense>
                ) : null}
              </div>
            ) : null}
            {/* The log scrolls itself (virtualized): it takes the drawer's height, outside the scroll area. */}
            <Tabs.Panel value="logs" style={{ flex: 1, minHeight: 0, display: "flex", flexDirection: "column" }}>
              {shownUuid ? (
                <LogsPanel key={shownUuid} containerUuid={shownUuid} name={container ? containerLabel(container) : undefined} state={container?.state} updatedAt={container?.updatedAt} active={uuid !== null && tab === "logs"} keep={container ? { deviceUuid: container.deviceUuid, name: container.name } : undefined} />
              ) : null}
            </Tabs.Panel>
            <ScrollArea style={{ flex: 1, display: tab === "logs" || tab === "terminal" ? "none" : undefined }} type="auto">
              <Stack gap="lg" p="md">
                {shownUuid && containers.isSuccess && !container ? (
                  <Alert color="gray" icon={<IconInfoCircle size={18} />} title="Container removed">
                    This container no longer exists on its engine.
                  </Alert>
                ) : null}
                <Tabs.Panel value="details">
                  {container?.guest ? (
                    <Stack gap="lg">
                      <GuestSection guest={container.guest} kind={container.kind} />
                      {caps.guestConfig ? (
                        <GuestConfig key={container.uuid} uuid={uuid !== null && tab === "details" ? container.uuid : null} lxc={container.kind === "lxc"} />
                      ) : null}
                    </Stack>
                  ) : inspect.isPending && uuid !== null ? (
                    <DetailsSkeleton />
                  ) : inspect.isError ? (
                    <ErrorState
                      title="Could not inspect this container"
                      error={inspect.error}
                      onRetry={() => void inspect.refetch()}
                    />
                  ) : details ? (
                    <Stack gap="lg">
                      <OverviewSection details={details} />
                      <PortsSection details={details} />
                      <EnvSection env={details.env} />
                      <LabelsSection labels={details.labels} />
                      <MountsSection mounts={details.mounts} />
                      <NetworksSection networks={details.networks} />
                    </Stack>
                  ) : null}
                </Tabs.Panel>
                <Tabs.Panel value="files">{container && caps.terminal ? <FilesTab key={container.uuid} container={container} /> : null}</Tabs.Panel>
                <Tabs.Panel value="stats">
                  {shownUuid ? (
                    <StatsTab
                      key={shownUuid}
                      uuid={shownUuid}
                      container={container}
                      limits={container?.guest ? guestLimits(container.guest) : details?.resources}
                      live={caps.liveStats}
                      active={uuid !== null && tab === "stats"}
                    />
                  ) : null}
                </Tabs.Panel>
              </Stack>
            </ScrollArea>
          </Tabs>
        </Stack>
      </Drawer.Content>
    </Drawer.Root>
  );
}
