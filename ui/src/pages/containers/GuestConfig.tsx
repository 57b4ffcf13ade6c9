// A Proxmox guest's configuration as its node has it now: resources, disks, interfaces with
// their addresses, and snapshots. Read when the drawer shows it; what could not be read is
// said beside the rest.
import { Alert, Badge, Group, SimpleGrid, Skeleton, Stack, Table, Text } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { useGuestDetails } from "../../api/queries";
import type { GuestDetails, GuestDisk, GuestNic, GuestSnapshot } from "../../api/types";
import { Mono } from "../../components/Mono";
import { ErrorState } from "../../components/States";
import { formatBytes, formatUnixSeconds } from "../../lib/format";
import { Section } from "./DetailSections";

function Item({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <Stack gap={1} style={{ minWidth: 0 }}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Mono data-testid={testId} className="sq-wrap">
        {value || "—"}
      </Mono>
    </Stack>
  );
}

const mib = (v: number | null) => (v == null ? "—" : formatBytes(v * 1024 * 1024));

function Resources({ d, lxc }: { d: GuestDetails; lxc: boolean }) {
  return (
    <Section title="Configuration">
      <SimpleGrid cols={3} spacing="md" verticalSpacing="sm" data-testid="guest-config">
        <Item label={lxc ? "Hostname" : "Name"} value={d.hostname ?? "—"} testId="guest-hostname" />
        <Item label="OS type" value={[d.osType, d.arch].filter(Boolean).join(" · ") || "—"} />
        <Item label="Cores" value={d.cores == null ? "All of the node's" : String(d.cores)} />
        <Item label="Memory" value={mib(d.memoryMib)} />
        {lxc ? <Item label="Swap" value={mib(d.swapMib)} /> : null}
        {lxc ? (
          <Item label="Privileges" value={d.unprivileged ? "Unprivileged" : "Privileged"} testId="guest-unprivileged" />
        ) : null}
        <Item label="Start at boot" value={d.startOnBoot ? "Yes" : "No"} />
        <Item label="Protection" value={d.protection ? "On: cannot be removed" : "Off"} />
        {lxc ? <Item label="Features" value={d.features.length > 0 ? d.features.join(", ") : "None"} /> : null}
      </SimpleGrid>
      {d.description ? (
        // Proxmox's notes are Markdown; shown as the text they are, never as markup.
        <Text size="xs" c="dimmed" className="sq-wrap" style={{ whiteSpace: "pre-wrap" }} data-testid="guest-description">
          {d.description}
        </Text>
      ) : null}
    </Section>
  );
}

function Disks({ disks }: { disks: GuestDisk[] }) {
  return (
    <Section title="Disks" count={disks.length}>
      {disks.length === 0 ? (
        <Text size="xs" c="dimmed">
          None
        </Text>
      ) : (
        <Table layout="fixed" verticalSpacing={4} horizontalSpacing="sm" withTableBorder fz="xs" data-testid="guest-disks">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w="16%">Key</Table.Th>
              <Table.Th>Volume</Table.Th>
              <Table.Th w="24%">Mounted at</Table.Th>
              <Table.Th w="12%">Size</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {disks.map((disk) => (
              <Table.Tr key={disk.key}>
                <Table.Td>
                  <Mono fw={500}>{disk.key}</Mono>
                </Table.Td>
                <Table.Td>
                  <Mono className="sq-wrap">{disk.volume || "—"}</Mono>
                </Table.Td>
                <Table.Td>
                  <Mono className="sq-wrap">{disk.key === "rootfs" ? "/" : (disk.mountPath ?? "—")}</Mono>
                </Table.Td>
                <Table.Td>
                  <Mono>{disk.size ?? "—"}</Mono>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Section>
  );
}

function addressText(nic: GuestNic): string {
  const configured = [nic.ipv4, nic.ipv6].filter(Boolean).join(", ");
  return configured || "—";
}

function Interfaces({ networks }: { networks: GuestNic[] }) {
  return (
    <Section title="Network interfaces" count={networks.length}>
      {networks.length === 0 ? (
        <Text size="xs" c="dimmed">
          None
        </Text>
      ) : (
        <Table layout="fixed" verticalSpacing={4} horizontalSpacing="sm" withTableBorder fz="xs" data-testid="guest-nics">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w="22%">Interface</Table.Th>
              <Table.Th w="22%">Bridge</Table.Th>
              <Table.Th>Addresses</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {networks.map((nic) => (
              <Table.Tr key={nic.key}>
                <Table.Td style={{ verticalAlign: "top" }}>
                  <Mono fw={500}>{nic.name ? `${nic.key} · ${nic.name}` : nic.key}</Mono>
                  {nic.mac ? (
                    <Text size="xs" c="dimmed" ff="monospace">
                      {nic.mac}
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td style={{ verticalAlign: "top" }}>
                  <Mono>{nic.bridge ?? "—"}</Mono>
                  <Group gap={4} mt={2}>
                    {nic.vlan ? (
                      <Badge size="xs" variant="default">
                        VLAN {nic.vlan}
                      </Badge>
                    ) : null}
                    {nic.firewall ? (
                      <Badge size="xs" variant="default">
                        Firewall
                      </Badge>
                    ) : null}
                  </Group>
                </Table.Td>
                <Table.Td style={{ verticalAlign: "top" }}>
                  {nic.addresses.length > 0 ? (
                    <Mono className="sq-wrap" data-testid="guest-addresses">
                      {nic.addresses.join(", ")}
                    </Mono>
                  ) : null}
                  <Text size="xs" c="dimmed" className="sq-wrap">
                    Configured: {addressText(nic)}
                    {nic.gateway ? ` · gateway ${nic.gateway}` : ""}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Section>
  );
}

function Snapshots({ snapshots }: { snapshots: GuestSnapshot[] }) {
  return (
    <Section title="Snapshots" count={snapshots.length}>
      {snapshots.length === 0 ? (
        <Text size="xs" c="dimmed" data-testid="guest-no-snapshots">
          No snapshots. Proxmox takes them from the guest's Snapshots panel.
        </Text>
      ) : (
        <Table layout="fixed" verticalSpacing={4} horizontalSpacing="sm" withTableBorder fz="xs" data-testid="guest-snapshots">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w="28%">Name</Table.Th>
              <Table.Th w="26%">Taken</Table.Th>
              <Table.Th>Description</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {snapshots.map((snap) => (
              <Table.Tr key={snap.name}>
                <Table.Td>
                  <Mono fw={500} className="sq-wrap">
                    {snap.name}
                  </Mono>
                  {snap.withMemory ? (
                    <Badge size="xs" variant="default" mt={2}>
                      With memory
                    </Badge>
                  ) : null}
                </Table.Td>
                <Table.Td>
                  <Text size="xs">{snap.takenAt == null ? "—" : formatUnixSeconds(snap.takenAt)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="xs" className="sq-wrap">
                    {snap.description ?? ""}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Section>
  );
}

export function GuestConfig({ uuid, lxc }: { uuid: string | null; lxc: boolean }) {
  const details = useGuestDetails(uuid);
  if (details.isPending) {
    return (
      <Stack gap="sm" data-testid="guest-config-loading">
        <Skeleton h={12} w="30%" />
        <Skeleton h={90} />
        <Skeleton h={12} w="25%" mt="md" />
        <Skeleton h={60} />
      </Stack>
    );
  }
  if (details.isError) {
    return <ErrorState title="Could not read the guest's configuration" error={details.error} onRetry={() => void details.refetch()} />;
  }
  const d = details.data;
  return (
    <Stack gap="lg">
      {d.notes.map((note) => (
        <Alert key={note} color="yellow" variant="light" p="xs" icon={<IconAlertTriangle size={16} />} data-testid="guest-note">
          <Text size="xs" className="sq-wrap">
            {note}
          </Text>
        </Alert>
      ))}
      <Resources d={d} lxc={lxc} />
      <Disks disks={d.disks} />
      <Interfaces networks={d.networks} />
      <Snapshots snapshots={d.snapshots} />
    </Stack>
  );
}
