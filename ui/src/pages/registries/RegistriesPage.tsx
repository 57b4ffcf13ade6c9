import { ActionIcon, Badge, Button, Group, Modal, Paper, ScrollArea, Stack, Table, Text, Title, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconFileImport, IconKey, IconPlugConnected, IconPlus, IconTrash } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useRegistries } from "../../api/queries";
import { queryKeys } from "../../api/queryKeys";
import type { RegistryEntry, RegistryImport } from "../../api/types";
import { call, errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";
import { EmptyState, ErrorState, SkeletonRows } from "../../components/States";
import { AddRegistryModal } from "./AddRegistryModal";
import { CheckInterval, KeepPrevious } from "./CheckInterval";
import { providerInfo } from "./providers";

/** What an import did, in a sentence or two. */
export function importSummary(r: RegistryImport): string {
  const parts: string[] = [];
  if (r.added.length) parts.push(`Added ${r.added.join(", ")}.`);
  if (r.skipped.length) parts.push(`Already there: ${r.skipped.join(", ")}.`);
  for (const [host, why] of r.failed) parts.push(`${host}: ${why}.`);
  return parts.length ? parts.join(" ") : "The Docker config names no registry.";
}

export function RegistriesPage() {
  const registries = useRegistries();
  const client = useQueryClient();
  const [adding, setAdding] = useState(false);
  const [importing, setImporting] = useState(false);
  const [testing, setTesting] = useState<string | null>(null);
  const refresh = () => void client.invalidateQueries({ queryKey: queryKeys.registries });

  const importDocker = async () => {
    setImporting(true);
    try {
      const report = await call(commands.registriesImportDocker());
      notifications.show({
        color: report.failed.length ? "yellow" : "teal",
        title: "Imported from Docker",
        message: importSummary(report),
        autoClose: 8000,
      });
      refresh();
    } catch (e) {
      notifications.show({ color: "red", title: "Nothing imported", message: errorMessage(e) });
    } finally {
      setImporting(false);
    }
  };
  const test = async (r: RegistryEntry) => {
    setTesting(r.uuid);
    try {
      await call(commands.registryTest({ name: "", host: r.host, provider: r.provider, username: null }, null, r.uuid));
      notifications.show({ color: "teal", title: r.name, message: r.username ? "The registry accepted the login." : "The registry answers anonymously." });
    } catch (e) {
      notifications.show({ color: "red", title: `${r.name}: the login failed`, message: errorMessage(e) });
    } finally {
      setTesting(null);
    }
  };
  const [removing, setRemoving] = useState<RegistryEntry | null>(null);
  const remove = async (r: RegistryEntry) => {
    setRemoving(null);
    try {
      await call(commands.registryRemove(r.uuid));
    } catch (e) {
      notifications.show({ color: "red", title: `${r.name} was not removed`, message: errorMessage(e) });
    }
    refresh();
  };

  let body;
  if (registries.isPending) {
    body = <SkeletonRows rows={4} height={45} />;
  } else if (registries.isError) {
    body = <ErrorState title="Could not load the registries" error={registries.error} onRetry={() => void registries.refetch()} />;
  } else if (registries.data.length === 0) {
    body = (
      <EmptyState icon={<IconKey size={28} />} title="No registries added">
        Images are checked for updates anonymously, which works for public images. Add a registry to check private
        ones, or to count pulls on your own account instead of your address.
      </EmptyState>
    );
  } else {
    body = (
      <ScrollArea h="100%" type="auto">
        <Table layout="fixed" highlightOnHover verticalSpacing={8} fz="sm" miw={700} data-testid="registries-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w="30%" fz="xs" tt="uppercase" c="dimmed">Host</Table.Th>
              <Table.Th w="22%" fz="xs" tt="uppercase" c="dimmed">Provider</Table.Th>
              <Table.Th fz="xs" tt="uppercase" c="dimmed">Login</Table.Th>
              <Table.Th w={96} />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {registries.data.map((r) => (
              <Table.Tr key={r.uuid} data-testid="registry-row" data-host={r.host}>
                <Table.Td>
                  <Text size="sm" ff="monospace" className="sq-ellipsis" title={r.host}>
                    {r.host}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge variant="light" color="gray" radius="sm">
                    {providerInfo(r.provider).label}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  {r.username ? (
                    <Group gap={6} wrap="nowrap">
                      <IconKey size={14} aria-hidden />
                      <Text size="sm" className="sq-ellipsis" title={r.username}>
                        {r.username}
                      </Text>
                      <Text size="xs" c="dimmed" visibleFrom="md">
                        · secret in the keyring
                      </Text>
                    </Group>
                  ) : (
                    <Text size="sm" c="dimmed">
                      Anonymous
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Group gap={4} justify="flex-end" wrap="nowrap">
                    <Tooltip label="Test the login">
                      <ActionIcon variant="subtle" loading={testing === r.uuid} onClick={() => void test(r)} aria-label={`Test ${r.name}`} data-testid="registry-row-test">
                        <IconPlugConnected size={16} />
                      </ActionIcon>
                    </Tooltip>
                    <Tooltip label="Remove">
                      <ActionIcon variant="subtle" color="red" onClick={() => setRemoving(r)} aria-label={`Remove ${r.name}`} data-testid="registry-row-remove">
                        <IconTrash size={16} />
                      </ActionIcon>
                    </Tooltip>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
    );
  }

  return (
    <Stack gap={0} h="100%">
      <Group justify="space-between" px="md" pt="md" pb="sm" mih={58}>
        <Group gap="sm" align="baseline">
          <Title order={3} fw={650}>
            Registries
          </Title>
          {registries.isSuccess ? (
            <Text size="sm" c="dimmed">
              {registries.data.length} added
            </Text>
          ) : null}
        </Group>
        <Group gap="md">
          <Button size="xs" variant="default" leftSection={<IconFileImport size={14} />} loading={importing} onClick={() => void importDocker()} data-testid="registries-import">
            Import from Docker
          </Button>
          <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => setAdding(true)} data-testid="registries-add">
            Add registry
          </Button>
        </Group>
      </Group>
      <Group gap="xl" px="md" pb="sm" wrap="wrap">
        <CheckInterval />
        <KeepPrevious />
      </Group>
      <Paper withBorder radius="md" mx="md" mb="md" style={{ flex: 1, minHeight: 0, overflow: "hidden" }}>
        {body}
      </Paper>
      <AddRegistryModal opened={adding} onClose={() => setAdding(false)} onAdded={refresh} />
      <Modal opened={removing !== null} onClose={() => setRemoving(null)} title={`Remove ${removing?.name ?? ""}?`} size="sm">
        <Stack gap="md">
          <Text size="sm">
            {removing?.username ? "Its password or token is deleted from your keyring, and its" : "Its"} images are checked
            anonymously from now on.
          </Text>
          <Group justify="flex-end" gap="xs">
            <Button variant="subtle" color="gray" onClick={() => setRemoving(null)}>
              Cancel
            </Button>
            <Button color="red" onClick={() => removing && void remove(removing)} data-testid="registry-remove-confirm">
              Remove
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
