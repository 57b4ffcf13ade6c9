import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Collapse,
  Group,
  Paper,
  Stack,
  Switch,
  Table,
  Text,
  Tooltip,
  UnstyledButton,
} from "@mantine/core";
import { IconChevronDown, IconChevronRight, IconFile, IconLink, IconRefresh, IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import { call, errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";
import { Mono } from "../../components/Mono";
import { asSentence, relativeTime } from "../../lib/format";
import type { CatalogueFormat, SourceSummary } from "./types";

const FORMAT_LABELS: Record<CatalogueFormat, string> = {
  portainerV2: "Portainer v2",
  portainerV3: "Portainer v3",
  unversioned: "Unversioned",
};

/** The location's icon, on the first line of a path that may wrap. */
const ICON_STYLE = { flexShrink: 0, marginTop: 2 };

interface Props {
  source: SourceSummary;
  now: number;
  /** Reloads the catalogue after a change. */
  onChanged: () => Promise<void>;
}

/** One catalogue source: what it is, how its last read went, and its switches. */
export function SourceRow({ source, now, onChanged }: Props) {
  const [busy, setBusy] = useState<"enable" | "refresh" | "remove" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [problemsOpen, setProblemsOpen] = useState(false);

  const run = async (kind: "enable" | "refresh" | "remove", action: () => Promise<unknown>) => {
    setBusy(kind);
    setError(null);
    try {
      await action();
      await onChanged();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  const location = source.location;
  const problems = source.problems;

  return (
    <Paper withBorder radius="sm" p="sm" data-testid="source-row" data-source={source.uuid} data-enabled={source.enabled}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap" gap="sm">
          <Group gap="xs" wrap="wrap" style={{ minWidth: 0 }}>
            <Text fw={600} className="sq-ellipsis" title={source.name}>
              {source.name}
            </Text>
            {source.builtin ? (
              <Badge size="sm" variant="light" color="gray">
                Built in
              </Badge>
            ) : null}
            {source.format ? (
              <Badge size="sm" variant="outline" color="gray">
                {FORMAT_LABELS[source.format]}
              </Badge>
            ) : null}
            <Badge size="sm" variant="light" color={source.enabled ? "blue" : "gray"} data-testid="source-count">
              {source.templateCount === 1 ? "1 template" : `${source.templateCount} templates`}
            </Badge>
          </Group>
          {source.builtin ? null : (
            <Group gap={6} wrap="nowrap" style={{ flexShrink: 0 }}>
              <Switch
                size="sm"
                checked={source.enabled}
                disabled={busy !== null}
                aria-label={source.enabled ? `Hide the templates of ${source.name}` : `Show the templates of ${source.name}`}
                label={source.enabled ? "Shown" : "Hidden"}
                onChange={(e) => {
                  const enabled = e.currentTarget.checked;
                  void run("enable", () => call(commands.templateSourceSetEnabled(source.uuid, enabled)));
                }}
                data-testid="source-enabled"
              />
              <Tooltip label="Read it again">
                <ActionIcon
                  variant="subtle"
                  color="gray"
                  loading={busy === "refresh"}
                  disabled={busy !== null && busy !== "refresh"}
                  aria-label={`Refresh ${source.name}`}
                  onClick={() => void run("refresh", () => call(commands.templateSourceRefresh(source.uuid)))}
                  data-testid="source-refresh"
                >
                  <IconRefresh size={16} />
                </ActionIcon>
              </Tooltip>
              <Tooltip label="Remove">
                <ActionIcon
                  variant="subtle"
                  color="red"
                  disabled={busy !== null}
                  aria-label={`Remove ${source.name}`}
                  onClick={() => setConfirming(true)}
                  data-testid="source-remove"
                >
                  <IconTrash size={16} />
                </ActionIcon>
              </Tooltip>
            </Group>
          )}
        </Group>

        {location ? (
          <Group gap={6} wrap="nowrap" align="flex-start">
            {location.kind === "url" ? <IconLink size={14} style={ICON_STYLE} /> : <IconFile size={14} style={ICON_STYLE} />}
            <Mono c="dimmed" style={{ flex: 1 }}>
              {location.value}
            </Mono>
            <Text
              size="xs"
              c="dimmed"
              style={{ flexShrink: 0 }}
              title={source.fetchedAt ? new Date(source.fetchedAt).toLocaleString() : undefined}
            >
              {source.fetchedAt ? `Read ${relativeTime(source.fetchedAt / 1000, now)}` : "Never read"}
            </Text>
          </Group>
        ) : (
          <Text size="xs" c="dimmed">
            {source.uuid === "mine" ? "The templates you save, import or draft from a container." : "Ships with Squirrel."}
          </Text>
        )}

        {source.error ? (
          <Text size="sm" c="red" className="sq-wrap" data-testid="source-error">
            The last read failed: {asSentence(source.error)}
            {source.templateCount > 0 ? " The copy read before is still listed." : ""}
          </Text>
        ) : null}

        {problems.length > 0 ? (
          <Stack gap={4}>
            <UnstyledButton
              onClick={() => setProblemsOpen((o) => !o)}
              aria-expanded={problemsOpen}
              data-testid="source-problems-toggle"
            >
              <Group gap={4} wrap="nowrap">
                {problemsOpen ? <IconChevronDown size={14} /> : <IconChevronRight size={14} />}
                <Text size="sm" c="orange">
                  {problems.length === 1 ? "1 template was left out" : `${problems.length} templates were left out`}
                </Text>
              </Group>
            </UnstyledButton>
            <Collapse in={problemsOpen}>
              <Table withTableBorder striped fz="xs" verticalSpacing={4} data-testid="source-problems">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th w={56}>#</Table.Th>
                    <Table.Th>Template</Table.Th>
                    <Table.Th>Field</Table.Th>
                    <Table.Th>Problem</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {problems.map((p, i) => (
                    <Table.Tr key={i}>
                      <Table.Td>{p.index + 1}</Table.Td>
                      <Table.Td className="sq-wrap">{p.title ?? "—"}</Table.Td>
                      <Table.Td>
                        <Mono>{p.field}</Mono>
                      </Table.Td>
                      <Table.Td className="sq-wrap">{p.message}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Collapse>
          </Stack>
        ) : null}

        {confirming ? (
          <Alert color="red" variant="light" p="xs" data-testid="source-remove-confirm">
            <Group justify="space-between" gap="xs" wrap="wrap">
              <Text size="sm">Remove {source.name}? Its templates leave the gallery.</Text>
              <Group gap="xs">
                <Button size="compact-sm" variant="default" onClick={() => setConfirming(false)}>
                  Cancel
                </Button>
                <Button
                  size="compact-sm"
                  color="red"
                  loading={busy === "remove"}
                  onClick={() =>
                    void run("remove", () => call(commands.templateSourceRemove(source.uuid))).then(() => setConfirming(false))
                  }
                  data-testid="source-remove-confirm-button"
                >
                  Remove
                </Button>
              </Group>
            </Group>
          </Alert>
        ) : null}

        {error ? (
          <Text size="sm" c="red" className="sq-wrap" role="alert">
            {error}
          </Text>
        ) : null}
      </Stack>
    </Paper>
  );
}
