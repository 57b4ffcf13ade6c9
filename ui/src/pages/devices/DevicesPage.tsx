import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  ScrollArea,
  Stack,
  Switch,
  Table,
  Text,
  Title,
  Tooltip,
  VisuallyHidden,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import { IconFileImport, IconKey, IconPencil, IconPlus, IconServerOff, IconTrash } from "@tabler/icons-react";
import { useEffect, useState, type FormEvent } from "react";
import { useDevices } from "../../api/queries";
import { queryKeys } from "../../api/queryKeys";
import type { ClusterNode, Device, DeviceStatus, DeviceSummary, HostKeyPrompt } from "../../api/types";
import { formatBytes } from "../../lib/format";
import { call, errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";
import { EmptyState, ErrorState, SkeletonRows } from "../../components/States";
import { StatusDot } from "../../components/StatusDot";
import { DEVICE_STATUS_COLORS } from "../../lib/containerState";
import { describeConnection } from "./deviceForm";
import { DeviceWizard } from "./DeviceWizard";
import { HostKeyDialog } from "./HostKeyDialog";
import { ImportContextsModal } from "./ImportContextsModal";

const STATUS_LABELS: Record<DeviceStatus["state"], string> = {
  online: "Online",
  connecting: "Connecting",
  unreachable: "Unreachable",
  hostKeyUnknown: "Host key unknown",
  disabled: "Disabled",
};

interface WizardState {
  opened: boolean;
  editing: Device | null;
  /** Bumped on every opening so the wizard starts fresh. */
  serial: number;
}

export function DevicesPage() {
  const devices = useDevices();
  const queryClient = useQueryClient();
  const [wizard, setWizard] = useState<WizardState>({ opened: false, editing: null, serial: 0 });
  const [importOpen, setImportOpen] = useState(false);
  const [removing, setRemoving] = useState<Device | null>(null);
  const [hostKey, setHostKey] = useState<{ device: Device; prompt: HostKeyPrompt } | null>(null);
  const [toggling, setToggling] = useState<Record<string, boolean>>({});

  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: queryKeys.devices });
    void queryClient.invalidateQueries({ queryKey: queryKeys.containers });
  };

  const openWizard = (editing: Device | null) =>
    setWizard((w) => ({ opened: true, editing, serial: w.serial + 1 }));

  // `#/devices?add` and `#/devices?import` (from the first-run screen) open the wizard or
  // the import at once; the hash then goes back to plain `#/devices`.
  useEffect(() => {
    const intent = window.location.hash.split("?")[1];
    if (intent === "add") openWizard(null);
    else if (intent === "import") setImportOpen(true);
    else return;
    window.history.replaceState(null, "", "#/devices");
  }, []);

  const setEnabled = async (device: Device, enabled: boolean) => {
    setToggling((t) => ({ ...t, [device.uuid]: true }));
    try {
      await call(commands.deviceSetEnabled(device.uuid, enabled));
      refresh();
    } catch (e) {
      notifications.show({
        color: "red",
        title: `Could not ${enabled ? "enable" : "disable"} ${device.name}`,
        message: errorMessage(e),
        autoClose: 8000,
      });
    } finally {
      setToggling((t) => {
        const next = { ...t };
        delete next[device.uuid];
        return next;
      });
    }
  };

  const approveHostKey = async (prompt: HostKeyPrompt) => {
    await call(commands.deviceTrustHostKey(prompt));
    notifications.show({
      color: "green",
      title: "Host key approved",
      message: hostKey ? `${hostKey.device.name} reconnects now.` : "Devices waiting for it reconnect now.",
    });
    setHostKey(null);
    refresh();
  };

  let body;
  if (devices.isPending) {
    body = <SkeletonRows rows={4} height={56} />;
  } else if (devices.isError) {
    body = <ErrorState title="Could not load devices" error={devices.error} onRetry={() => void devices.refetch()} />;
  } else if (devices.data.length === 0) {
    body = (
      <EmptyState icon={<IconServerOff size={28} />} title="No devices yet">
        <Stack gap="sm" align="center">
          <Text size="sm" c="dimmed">
            A device is a Docker engine Squirrel watches: this computer, a server over SSH, or an engine on TCP with
            TLS.
          </Text>
          <Group gap="xs">
            <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => openWizard(null)}>
              Add device
            </Button>
            <Button size="xs" variant="default" leftSection={<IconFileImport size={14} />} onClick={() => setImportOpen(true)}>
              Import Docker contexts
            </Button>
          </Group>
        </Stack>
      </EmptyState>
    );
  } else {
    body = (
      <ScrollArea h="100%" type="auto">
        <Table stickyHeader layout="fixed" highlightOnHover verticalSpacing={10} fz="sm" miw={860} data-testid="devices-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w="18%" fz="xs" tt="uppercase" c="dimmed">
                Name
              </Table.Th>
              <Table.Th fz="xs" tt="uppercase" c="dimmed">
                Connection
              </Table.Th>
              <Table.Th w="26%" fz="xs" tt="uppercase" c="dimmed">
                Status
              </Table.Th>
              <Table.Th w={110} fz="xs" tt="uppercase" c="dimmed">
                Containers
              </Table.Th>
              <Table.Th w={80} fz="xs" tt="uppercase" c="dimmed">
                Enabled
              </Table.Th>
              <Table.Th w={84} fz="xs" tt="uppercase" c="dimmed">
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {devices.data.map((summary) => (
              <DeviceRow
                key={summary.device.uuid}
                summary={summary}
                toggling={toggling[summary.device.uuid] ?? false}
                onToggle={(enabled) => void setEnabled(summary.device, enabled)}
                onEdit={() => openWizard(summary.device)}
                onRemove={() => setRemoving(summary.device)}
                onApproveHostKey={(prompt) => setHostKey({ device: summary.device, prompt })}
              />
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
    );
  }

  return (
    <Stack gap={0} h="100%">
      <Group justify="space-between" gap="sm" px="md" pt="md" pb="sm" mih={58}>
        <Group gap="sm" align="baseline">
          <Title order={3} fw={650}>
            Devices
          </Title>
          {devices.isSuccess ? (
            <Text size="sm" c="dimmed" data-testid="device-count-total">
              {devices.data.length} {devices.data.length === 1 ? "device" : "devices"}
            </Text>
          ) : null}
        </Group>
        <Group gap="xs">
          <Button
            size="xs"
            variant="default"
            leftSection={<IconFileImport size={14} />}
            onClick={() => setImportOpen(true)}
            data-testid="import-contexts"
          >
            Import Docker contexts
          </Button>
          <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => openWizard(null)} data-testid="add-device">
            Add device
          </Button>
        </Group>
      </Group>
      <Paper withBorder radius="md" mx="md" mb="md" style={{ flex: 1, minHeight: 0, overflow: "hidden" }}>
        {body}
      </Paper>

      <DeviceWizard
        key={wizard.serial}
        opened={wizard.opened}
        editing={wizard.editing}
        onClose={() => setWizard((w) => ({ ...w, opened: false }))}
      />
      <ImportContextsModal opened={importOpen} onClose={() => setImportOpen(false)} />
      <RemoveDeviceModal
        device={removing}
        onClose={() => setRemoving(null)}
        onRemoved={(device) => {
          setRemoving(null);
          notifications.show({ color: "green", title: "Device removed", message: `${device.name} is no longer in Squirrel.` });
          refresh();
        }}
      />
      <HostKeyDialog prompt={hostKey?.prompt ?? null} onCancel={() => setHostKey(null)} onApprove={approveHostKey} />
    </Stack>
  );
}

/** A cluster's nodes, each with its health: online and its load, or offline in red. */
function ClusterNodes({ nodes }: { nodes: ClusterNode[] }) {
  return (
    <Group gap={6} wrap="wrap" data-testid="device-nodes">
      {nodes.map((n) => {
        const load =
          n.online && n.cpuPercent != null
            ? `${n.cpuPercent}% CPU${n.memoryUsed != null && n.memoryTotal ? ` · ${formatBytes(n.memoryUsed)} of ${formatBytes(n.memoryTotal)}` : ""}`
            : null;
        return (
          <Badge
            key={n.name}
            size="sm"
            radius="sm"
            tt="none"
            variant="outline"
            color={n.online ? "gray" : "red"}
            leftSection={<span aria-hidden style={{ color: n.online ? "var(--mantine-color-green-6)" : "var(--mantine-color-red-6)" }}>●</span>}
            title={n.online ? `${n.name} is online${n.cpus ? `, ${n.cpus} CPUs` : ""}${load ? `: ${load}` : ""}` : `${n.name} is offline: its guests show as unknown`}
            data-testid="device-node"
            data-name={n.name}
            data-online={n.online}
          >
            {n.name}
            {n.online ? (load ? ` · ${load}` : "") : " · offline"}
          </Badge>
        );
      })}
    </Group>
  );
}

function DeviceRow({
  summary,
  toggling,
  onToggle,
  onEdit,
  onRemove,
  onApproveHostKey,
}: {
  summary: DeviceSummary;
  toggling: boolean;
  onToggle: (enabled: boolean) => void;
  onEdit: () => void;
  onRemove: () => void;
  onApproveHostKey: (prompt: HostKeyPrompt) => void;
}) {
  const { device, status, containerCount, runningCount } = summary;
  const connection = describeConnection(device.connection);
  return (
    <Table.Tr data-testid="device-row" data-name={device.name} data-status={status.state}>
      <Table.Td style={{ overflow: "hidden" }}>
        <Text size="sm" fw={600} className="sq-ellipsis" title={device.name}>
          {device.name}
        </Text>
      </Table.Td>
      <Table.Td style={{ overflow: "hidden" }}>
        <Text size="xs" ff="monospace" className="sq-ellipsis" title={connection} data-testid="device-connection">
          {connection}
        </Text>
      </Table.Td>
      <Table.Td style={{ overflow: "hidden" }}>
        <Stack gap={4} align="flex-start">
          <Group gap={8} wrap="nowrap">
            <StatusDot status={status} />
            <Badge
              color={DEVICE_STATUS_COLORS[status.state]}
              variant="light"
              size="sm"
              radius="sm"
              tt="none"
              data-testid="device-status"
            >
              {STATUS_LABELS[status.state]}
            </Badge>
            {status.state === "online" && status.engineVersion ? (
              <Text size="xs" c="dimmed" className="sq-ellipsis" data-testid="device-engine-version">
                {/* A Proxmox VE device names itself ("Proxmox VE 9.1"); an engine gives its number. */}
                {/^\d/.test(status.engineVersion) ? `Docker ${status.engineVersion}` : status.engineVersion}
              </Text>
            ) : null}
          </Group>
          {summary.nodes.length > 0 ? <ClusterNodes nodes={summary.nodes} /> : null}
          {status.state === "unreachable" ? (
            <Text size="xs" c="red" lineClamp={3} className="sq-wrap" title={status.reason} data-testid="device-reason">
              {status.reason}
            </Text>
          ) : null}
          {status.state === "hostKeyUnknown" ? (
            <Button
              size="compact-xs"
              color="orange"
              leftSection={<IconKey size={12} />}
              onClick={() => onApproveHostKey(status.prompt)}
              data-testid="approve-host-key-row"
            >
              Approve host key
            </Button>
          ) : null}
        </Stack>
      </Table.Td>
      <Table.Td>
        <Text size="sm" title={`${runningCount} running of ${containerCount} containers`} data-testid="device-containers">
          {runningCount}
          <Text span c="dimmed" size="sm">
            {" / "}
            {containerCount}
          </Text>
        </Text>
      </Table.Td>
      <Table.Td>
        <Switch
          checked={device.enabled}
          disabled={toggling}
          onChange={(e) => onToggle(e.currentTarget.checked)}
          aria-label={`${device.enabled ? "Disable" : "Enable"} ${device.name}`}
          data-testid="device-enabled"
        />
      </Table.Td>
      <Table.Td>
        <Group gap={4} wrap="nowrap" justify="flex-end">
          <Tooltip label="Edit">
            <ActionIcon variant="subtle" color="gray" onClick={onEdit} aria-label={`Edit ${device.name}`} data-testid="edit-device">
              <IconPencil size={16} />
            </ActionIcon>
          </Tooltip>
          <Tooltip label="Remove">
            <ActionIcon variant="subtle" color="red" onClick={onRemove} aria-label={`Remove ${device.name}`} data-testid="remove-device">
              <IconTrash size={16} />
            </ActionIcon>
          </Tooltip>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

function RemoveDeviceModal({
  device,
  onClose,
  onRemoved,
}: {
  device: Device | null;
  onClose: () => void;
  onRemoved: (device: Device) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState<Device | null>(device);
  if (device && device !== shown) {
    setShown(device);
    setError(null);
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!device || busy) return;
    setBusy(true);
    setError(null);
    try {
      await call(commands.deviceRemove(device.uuid));
      onRemoved(device);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened={device !== null} onClose={onClose} title={<Text fw={600}>Remove device?</Text>} centered>
      {shown ? (
        <form onSubmit={(e) => void submit(e)} data-testid="remove-device-modal">
          <Stack gap="md">
            <Text size="sm">
              Remove{" "}
              <Text span fw={600} className="sq-wrap">
                {shown.name}
              </Text>{" "}
              from Squirrel?
            </Text>
            <Text size="sm" c="dimmed">
              Its inventory (containers, images, volumes and networks as Squirrel knows them) is removed from Squirrel,
              with any password stored for it. The containers on the host are untouched and keep running.
            </Text>
            {error ? (
              <Text size="sm" c="red" className="sq-wrap" data-testid="remove-device-error">
                {error}
              </Text>
            ) : null}
            <Group justify="flex-end" gap="xs">
              <Button variant="default" onClick={onClose} data-testid="cancel-action">
                Cancel
              </Button>
              <Button type="submit" color="red" loading={busy} data-testid="confirm-action" data-autofocus>
                Remove
              </Button>
            </Group>
          </Stack>
        </form>
      ) : null}
    </Modal>
  );
}
