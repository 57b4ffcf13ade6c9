import { ActionIcon, Badge, Group, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { IconEye, IconEyeOff } from "@tabler/icons-react";
import { type ReactNode, useState } from "react";
import type { ContainerDetails, ContainerKind, EnvVar, GuestFacts, MountPoint, NetworkAttachment } from "../../api/types";
import { capabilitiesOf } from "../../lib/containerKinds";
import { Mono } from "../../components/Mono";
import { looksSecret, MASK } from "../../lib/secretEnv";
import { formatArgv, formatBytes, formatCores, formatPorts, formatTimestamp, formatUnixSeconds, shortId, uptimeText } from "../../lib/format";

export function Section({ title, count, children }: { title: string; count?: number; children: ReactNode }) {
  return (
    <Stack gap={6} component="section" aria-label={title}>
      <Group gap={6}>
        <Title order={6} tt="uppercase" c="dimmed" fz="xs" style={{ letterSpacing: "0.04em" }}>
          {title}
        </Title>
        {count !== undefined ? (
          <Badge size="xs" variant="default" radius="sm">
            {count}
          </Badge>
        ) : null}
      </Group>
      {children}
    </Stack>
  );
}

function None({ children = "None" }: { children?: string }) {
  return (
    <Text size="xs" c="dimmed">
      {children}
    </Text>
  );
}

function Field({ label, value, title }: { label: string; value: string; title?: string }) {
  return (
    <Stack gap={1} style={{ minWidth: 0 }}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Mono title={title}>{value || "—"}</Mono>
    </Stack>
  );
}

export function OverviewSection({ details }: { details: ContainerDetails }) {
  const restart = details.restartPolicy
    ? `${details.restartPolicy}${details.restartCount ? ` (restarted ${details.restartCount}×)` : ""}`
    : "—";
  return (
    <Section title="Overview">
      <SimpleGrid cols={2} spacing="md" verticalSpacing="sm">
        <Field label="Engine ID" value={shortId(details.engineId)} title={details.engineId} />
        <Field label="Hostname" value={details.hostname ?? "—"} />
        <Field label="Command" value={formatArgv(details.command)} />
        <Field label="Entrypoint" value={formatArgv(details.entrypoint)} />
        <Field label="Working directory" value={details.workingDir || "—"} />
        <Field label="Restart policy" value={restart} />
        <Field label="Started at" value={formatTimestamp(details.startedAt)} />
        <Field label="Finished at" value={formatTimestamp(details.finishedAt)} />
        <Field
          label="CPU limit"
          value={details.resources.cpus == null ? "None" : formatCores(details.resources.cpus * 100)}
        />
        <Field
          label="Memory limit"
          value={details.resources.memoryBytes == null ? "None" : formatBytes(details.resources.memoryBytes)}
        />
      </SimpleGrid>
    </Section>
  );
}

/** What Proxmox says of a guest: where it runs and what it was given. */
export function GuestSection({ guest, kind }: { guest: GuestFacts; kind: ContainerKind }) {
  return (
    <Section title="Guest">
      <SimpleGrid cols={2} spacing="md" verticalSpacing="sm" data-testid="guest-facts">
        <Field label="Kind" value={capabilitiesOf(kind).label} />
        <Field label="Node" value={guest.node} />
        <Field label="VMID" value={String(guest.vmid)} />
        <Field label="CPUs" value={guest.cpusMilli > 0 ? String(guest.cpusMilli / 1000) : "—"} />
        <Field label="Memory" value={guest.maxMemory ? formatBytes(guest.maxMemory) : "—"} />
        <Field label="Disk" value={guest.maxDisk ? formatBytes(guest.maxDisk) : "—"} />
        <Field label="Tags" value={guest.tags.length > 0 ? guest.tags.join(", ") : "None"} />
        <Field label="Lock" value={guest.lock ?? "None"} />
        <Field label="Started" value={guest.startedAt ? `${formatUnixSeconds(guest.startedAt)} (${uptimeText(guest.startedAt)})` : "Not running"} />
        {guest.template ? <Field label="Template" value="Yes: it is a template, not started" /> : null}
      </SimpleGrid>
    </Section>
  );
}

function KeyValueTable({
  rows,
  keyHeader,
  valueHeader,
  keyTestId,
  valueTestId,
  maskWhen,
}: {
  rows: [string, string][];
  keyHeader: string;
  valueHeader: string;
  keyTestId: string;
  valueTestId: string;
  /** Values of the keys it accepts are masked until revealed. */
  maskWhen?: (key: string) => boolean;
}) {
  return (
    <Table layout="fixed" verticalSpacing={4} horizontalSpacing="sm" withTableBorder withColumnBorders fz="xs">
      <Table.Thead>
        <Table.Tr>
          <Table.Th w="38%">{keyHeader}</Table.Th>
          <Table.Th>{valueHeader}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map(([k, v], i) => (
          <Table.Tr key={`${k}-${i}`}>
            <Table.Td style={{ verticalAlign: "top" }}>
              <Mono fw={500} data-testid={keyTestId}>
                {k}
              </Mono>
            </Table.Td>
            <Table.Td style={{ verticalAlign: "top" }}>
              {maskWhen?.(k) ? (
                <MaskedValue name={k} value={v} testId={valueTestId} />
              ) : (
                <Mono data-testid={valueTestId}>{v}</Mono>
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** A value shown as a mask until its own button reveals it (as text, like every value). */
function MaskedValue({ name, value, testId }: { name: string; value: string; testId: string }) {
  const [shown, setShown] = useState(false);
  const Icon = shown ? IconEyeOff : IconEye;
  return (
    <Group gap={4} wrap="nowrap" align="flex-start">
      <Mono data-testid={testId} data-masked={shown ? "false" : "true"} style={{ flex: 1 }}>
        {shown ? value : MASK}
      </Mono>
      <ActionIcon
        size="xs"
        variant="subtle"
        color="gray"
        aria-label={`${shown ? "Hide" : "Show"} the value of ${name}`}
        aria-pressed={shown}
        data-testid="env-reveal"
        onClick={() => setShown((s) => !s)}
      >
        <Icon size={14} aria-hidden />
      </ActionIcon>
    </Group>
  );
}

/** The container's environment; values that look secret are masked until revealed. */
export function EnvSection({ env }: { env: EnvVar[] }) {
  return (
    <Section title="Environment" count={env.length}>
      {env.length === 0 ? (
        <None />
      ) : (
        <KeyValueTable
          rows={env.map((e) => [e.name, e.value])}
          keyHeader="Name"
          valueHeader="Value"
          keyTestId="env-name"
          valueTestId="env-value"
          maskWhen={looksSecret}
        />
      )}
    </Section>
  );
}

export function LabelsSection({ labels }: { labels: Record<string, string> }) {
  const rows = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  return (
    <Section title="Labels" count={rows.length}>
      {rows.length === 0 ? (
        <None />
      ) : (
        <KeyValueTable rows={rows} keyHeader="Key" valueHeader="Value" keyTestId="label-key" valueTestId="label-value" />
      )}
    </Section>
  );
}

export function MountsSection({ mounts }: { mounts: MountPoint[] }) {
  return (
    <Section title="Mounts" count={mounts.length}>
      {mounts.length === 0 ? (
        <None />
      ) : (
        <Table layout="fixed" verticalSpacing={4} horizontalSpacing="sm" withTableBorder fz="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={70}>Type</Table.Th>
              <Table.Th>Source</Table.Th>
              <Table.Th>Destination</Table.Th>
              <Table.Th w={56}>Mode</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {mounts.map((m, i) => (
              <Table.Tr key={`${m.destination}-${i}`} data-testid="mount-row">
                <Table.Td>{m.kind}</Table.Td>
                <Table.Td>
                  <Mono>{m.source || "—"}</Mono>
                </Table.Td>
                <Table.Td>
                  <Mono>{m.destination}</Mono>
                </Table.Td>
                <Table.Td>
                  <Badge size="xs" radius="sm" variant="light" color={m.readOnly ? "gray" : "blue"}>
                    {m.readOnly ? "ro" : "rw"}
                  </Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Section>
  );
}

export function PortsSection({ details }: { details: ContainerDetails }) {
  const ports = formatPorts(details.ports);
  return (
    <Section title="Ports" count={ports.length}>
      {ports.length === 0 ? (
        <None>No exposed ports</None>
      ) : (
        <Group gap={6}>
          {ports.map((p) => (
            <Badge key={p} variant="default" radius="sm" tt="none" ff="monospace" fw={500} data-testid="port">
              {p}
            </Badge>
          ))}
        </Group>
      )}
    </Section>
  );
}

export function NetworksSection({ networks }: { networks: NetworkAttachment[] }) {
  return (
    <Section title="Networks" count={networks.length}>
      {networks.length === 0 ? (
        <None />
      ) : (
        <Table layout="fixed" verticalSpacing={4} horizontalSpacing="sm" withTableBorder fz="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>IP address</Table.Th>
              <Table.Th>Gateway</Table.Th>
              <Table.Th>MAC</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {networks.map((n) => (
              <Table.Tr key={n.name} data-testid="network-row">
                <Table.Td>
                  <Mono fw={500}>{n.name}</Mono>
                </Table.Td>
                <Table.Td>
                  <Mono>{n.ipAddress || "—"}</Mono>
                </Table.Td>
                <Table.Td>
                  <Mono>{n.gateway || "—"}</Mono>
                </Table.Td>
                <Table.Td>
                  <Mono>{n.macAddress || "—"}</Mono>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Section>
  );
}
