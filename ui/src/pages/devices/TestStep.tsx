// The wizard's last step: test the connection, show the engine or why it failed.
import { Alert, Button, Group, Loader, Paper, SimpleGrid, Stack, Text } from "@mantine/core";
import {
  IconAlertTriangle,
  IconCircleCheck,
  IconInfoCircle,
  IconKey,
  IconPlugConnected,
} from "@tabler/icons-react";
import { type ReactNode } from "react";
import type { EngineProbe, HostKeyPrompt } from "../../api/types";
import { defaultName, describeConnection, errorHint, formToConnection, type DeviceForm } from "./deviceForm";

export type ProbeState =
  | { status: "idle" }
  | { status: "testing" }
  | { status: "ok"; probe: EngineProbe }
  | { status: "error"; message: string; code: string | undefined; hostKey: HostKeyPrompt | null };

function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" fw={500} className="sq-wrap" data-testid={testId}>
        {children}
      </Text>
    </div>
  );
}

export function TestStep({
  form,
  probe,
  onTest,
  onReviewHostKey,
}: {
  form: DeviceForm;
  probe: ProbeState;
  onTest: () => void;
  onReviewHostKey: (key: HostKeyPrompt) => void;
}) {
  const { connection } = formToConnection(form);
  return (
    <Stack gap="md" mt="md">
      <Paper withBorder radius="md" p="sm">
        <Group justify="space-between" wrap="nowrap" gap="sm">
          <div style={{ minWidth: 0 }}>
            <Text size="sm" fw={600} className="sq-ellipsis">
              {form.name.trim() || defaultName(form)}
            </Text>
            <Text size="xs" ff="monospace" c="dimmed" className="sq-wrap" data-testid="wizard-connection">
              {describeConnection(connection)}
            </Text>
          </div>
          <Button
            variant={probe.status === "ok" ? "default" : "filled"}
            leftSection={<IconPlugConnected size={16} />}
            loading={probe.status === "testing"}
            onClick={onTest}
            data-testid="test-connection"
            data-autofocus
          >
            {probe.status === "idle" ? "Test connection" : "Test again"}
          </Button>
        </Group>
      </Paper>

      <div aria-live="polite">
        {probe.status === "idle" ? (
          <Text size="sm" c="dimmed">
            Squirrel connects once and asks the engine who it is. Nothing is changed on the host.
          </Text>
        ) : probe.status === "testing" ? (
          <Group gap="sm" data-testid="probe-loading">
            <Loader size="sm" />
            <Text size="sm" c="dimmed">
              Connecting…
            </Text>
          </Group>
        ) : probe.status === "ok" ? (
          <ProbeCard probe={probe.probe} proxmox={form.kind === "proxmox"} />
        ) : (
          <Alert
            color={probe.code === "host_key_unknown" ? "orange" : "red"}
            variant="light"
            icon={probe.code === "host_key_unknown" ? <IconKey size={18} /> : <IconAlertTriangle size={18} />}
            title={probe.code === "host_key_unknown" ? "The host key needs your approval" : "Connection failed"}
            data-testid="probe-error"
            data-code={probe.code}
          >
            <Stack gap="xs" align="flex-start">
              <Text size="sm" className="sq-wrap" data-testid="probe-error-message">
                {probe.message}
              </Text>
              <Text size="xs" c="dimmed">
                {errorHint(probe.code)}
              </Text>
              {probe.hostKey ? (
                <Button
                  size="compact-sm"
                  color="orange"
                  variant="light"
                  leftSection={<IconKey size={14} />}
                  onClick={() => probe.hostKey && onReviewHostKey(probe.hostKey)}
                >
                  Review host key
                </Button>
              ) : null}
            </Stack>
          </Alert>
        )}
      </div>
    </Stack>
  );
}

function ProbeCard({ probe, proxmox }: { probe: EngineProbe; proxmox: boolean }) {
  return (
    <Stack gap="sm">
      <Paper withBorder radius="md" p="md" data-testid="probe-result" style={{ borderColor: "var(--mantine-color-green-filled)" }}>
        <Group gap="xs" mb="sm">
          <IconCircleCheck size={20} color="var(--mantine-color-green-filled)" />
          <Text fw={600}>Connected</Text>
        </Group>
        {proxmox ? (
          <SimpleGrid cols={{ base: 1, xs: 3 }} spacing="sm">
            <Fact label="Cluster" testId="probe-version">
              {probe.engineVersion}
            </Fact>
            <Fact label="Nodes">{probe.os}</Fact>
            <Fact label="Guests" testId="probe-containers">
              {probe.running} running of {probe.containers}
            </Fact>
          </SimpleGrid>
        ) : (
          <SimpleGrid cols={{ base: 2, xs: 4 }} spacing="sm">
            <Fact label="Engine" testId="probe-version">
              Docker {probe.engineVersion}
              <Text span size="xs" c="dimmed">
                {" "}
                (API {probe.apiVersion})
              </Text>
            </Fact>
            <Fact label="System">
              {probe.os} / {probe.architecture}
            </Fact>
            <Fact label="Containers" testId="probe-containers">
              {probe.running} running of {probe.containers}
            </Fact>
            <Fact label="Images">{probe.images}</Fact>
          </SimpleGrid>
        )}
      </Paper>
      {probe.notes.length > 0 ? (
        <Alert color={proxmox ? "blue" : "yellow"} variant="light" icon={<IconInfoCircle size={18} />} data-testid="probe-notes">
          <Stack gap={4}>
            {probe.notes.map((note, i) => (
              <Text key={i} size="sm" className="sq-wrap">
                {note}
              </Text>
            ))}
          </Stack>
        </Alert>
      ) : null}
    </Stack>
  );
}
