// Editable lists of the deploy form: published ports, volumes, and name/value pairs (extra
// variables, labels). Each row can be removed; a new row starts blank and a blank row is
// left out of the plan.
import { ActionIcon, Button, Checkbox, Group, Select, Stack, Text, TextInput } from "@mantine/core";
import { IconArrowRight, IconPlus, IconX } from "@tabler/icons-react";
import type { ReactNode } from "react";
import {
  EMPTY_PAIR,
  EMPTY_PORT,
  EMPTY_VOLUME,
  errorText,
  type FieldErrors,
  type KeyValueRow,
  type PortRow,
  type VolumeKind,
  type VolumeRow,
} from "./deployForm";
import { MONO_INPUT } from "./FormSection";

const INPUT_PROPS = { size: "xs", spellCheck: false, autoComplete: "off", autoCapitalize: "off" } as const;

/** `list` with row `index` changed by `patch`. */
export function replaceAt<T>(list: readonly T[], index: number, patch: Partial<T>): T[] {
  return list.map((row, i) => (i === index ? { ...row, ...patch } : row));
}

/** `list` without row `index`. */
export function removeAt<T>(list: readonly T[], index: number): T[] {
  return list.filter((_, i) => i !== index);
}

function RemoveButton({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <ActionIcon variant="subtle" color="gray" size="md" aria-label={label} onClick={onClick}>
      <IconX size={14} />
    </ActionIcon>
  );
}

function AddButton({ children, onClick, testId }: { children: ReactNode; onClick: () => void; testId?: string }) {
  return (
    <Group>
      <Button size="compact-sm" variant="subtle" leftSection={<IconPlus size={14} />} onClick={onClick} data-testid={testId}>
        {children}
      </Button>
    </Group>
  );
}

function RowError({ message }: { message: string | undefined }) {
  return message ? (
    <Text size="xs" c="red" className="sq-wrap" role="alert">
      {message}
    </Text>
  ) : null;
}

/** Column titles above a list of rows (the inputs themselves carry aria-labels). */
function ColumnTitles({ titles }: { titles: { text: string; w?: number; grow?: boolean }[] }) {
  return (
    <Group gap="xs" wrap="nowrap" aria-hidden>
      {titles.map((t) => (
        <Text key={t.text} size="xs" c="dimmed" w={t.w} style={t.grow ? { flex: 1 } : undefined}>
          {t.text}
        </Text>
      ))}
    </Group>
  );
}

const PROTOCOLS = [
  { value: "tcp", label: "TCP" },
  { value: "udp", label: "UDP" },
];

/** Published ports: host address, host port → container port, protocol. */
export function PortRows({
  rows,
  errors,
  onChange,
}: {
  rows: PortRow[];
  errors: FieldErrors;
  onChange: (rows: PortRow[]) => void;
}) {
  return (
    <Stack gap={6}>
      {rows.length > 0 ? (
        <ColumnTitles
          titles={[
            { text: "Host address", w: 150 },
            { text: "Host port", w: 96 },
            { text: "", w: 14 },
            { text: "Container port", w: 110 },
            { text: "Protocol", w: 84 },
          ]}
        />
      ) : null}
      {rows.map((row, i) => (
        <Stack key={i} gap={2} data-testid="port-row">
          <Group gap="xs" wrap="nowrap">
            <TextInput
              {...INPUT_PROPS}
              w={150}
              placeholder="all addresses"
              aria-label={`Host address of port ${i + 1}`}
              value={row.hostIp}
              onChange={(e) => onChange(replaceAt(rows, i, { hostIp: e.currentTarget.value }))}
            />
            <TextInput
              {...INPUT_PROPS}
              w={96}
              inputMode="numeric"
              placeholder="any"
              aria-label={`Host port of port ${i + 1}`}
              value={row.hostPort}
              error={errors[`ports:${i}`] ? true : undefined}
              onChange={(e) => onChange(replaceAt(rows, i, { hostPort: e.currentTarget.value }))}
            />
            <IconArrowRight size={14} color="var(--mantine-color-dimmed)" aria-hidden />
            <TextInput
              {...INPUT_PROPS}
              w={110}
              inputMode="numeric"
              placeholder="80"
              aria-label={`Container port of port ${i + 1}`}
              value={row.containerPort}
              error={errors[`ports:${i}`] ? true : undefined}
              onChange={(e) => onChange(replaceAt(rows, i, { containerPort: e.currentTarget.value }))}
            />
            <Select
              size="xs"
              w={84}
              data={PROTOCOLS}
              allowDeselect={false}
              aria-label={`Protocol of port ${i + 1}`}
              value={row.protocol}
              onChange={(v) => onChange(replaceAt(rows, i, { protocol: v === "udp" ? "udp" : "tcp" }))}
            />
            <RemoveButton label={`Remove port ${i + 1}`} onClick={() => onChange(removeAt(rows, i))} />
          </Group>
          <RowError message={errorText(errors, `ports:${i}`)} />
        </Stack>
      ))}
      <AddButton onClick={() => onChange([...rows, { ...EMPTY_PORT }])} testId="add-port">
        Add a port
      </AddButton>
    </Stack>
  );
}

/** Room for the "Read-only" checkbox and a row's remove button, so the column titles line up. */
const READ_ONLY_WIDTH = 92;
const REMOVE_WIDTH = 36;

const VOLUME_KINDS: { value: VolumeKind; label: string }[] = [
  { value: "named", label: "Named volume" },
  { value: "bind", label: "Host path" },
  { value: "anonymous", label: "Anonymous volume" },
];

/** Mounts: container path, and where the data lives (a named volume, a host path, or a fresh volume). */
export function VolumeRows({
  rows,
  errors,
  onChange,
}: {
  rows: VolumeRow[];
  errors: FieldErrors;
  onChange: (rows: VolumeRow[]) => void;
}) {
  return (
    <Stack gap={6}>
      {rows.length > 0 ? (
        <ColumnTitles
          titles={[
            { text: "Container path", grow: true },
            { text: "Kind", w: 170 },
            { text: "Volume name or host path", grow: true },
            { text: "", w: READ_ONLY_WIDTH + REMOVE_WIDTH },
          ]}
        />
      ) : null}
      {rows.map((row, i) => (
        <Stack key={i} gap={2} data-testid="volume-row">
          <Group gap="xs" wrap="nowrap">
            <TextInput
              {...INPUT_PROPS}
              style={{ flex: 1 }}
              placeholder="/data"
              aria-label={`Container path of volume ${i + 1}`}
              value={row.container}
              error={errors[`volumes:${i}`] ? true : undefined}
              onChange={(e) => onChange(replaceAt(rows, i, { container: e.currentTarget.value }))}
            />
            <Select
              size="xs"
              w={170}
              data={VOLUME_KINDS}
              allowDeselect={false}
              aria-label={`Kind of volume ${i + 1}`}
              value={row.kind}
              onChange={(v) => onChange(replaceAt(rows, i, { kind: (v as VolumeKind | null) ?? "named" }))}
            />
            <TextInput
              {...INPUT_PROPS}
              style={{ flex: 1 }}
              disabled={row.kind === "anonymous"}
              placeholder={row.kind === "bind" ? "/srv/app/data" : row.kind === "named" ? "app-data" : "named by Docker"}
              aria-label={`${row.kind === "bind" ? "Host path" : "Volume name"} of volume ${i + 1}`}
              value={row.kind === "anonymous" ? "" : row.source}
              error={errors[`volumes:${i}`] ? true : undefined}
              onChange={(e) => onChange(replaceAt(rows, i, { source: e.currentTarget.value }))}
            />
            <Checkbox
              size="xs"
              w={READ_ONLY_WIDTH}
              styles={{ label: { whiteSpace: "nowrap" } }}
              label="Read-only"
              checked={row.readonly}
              onChange={(e) => onChange(replaceAt(rows, i, { readonly: e.currentTarget.checked }))}
            />
            <RemoveButton label={`Remove volume ${i + 1}`} onClick={() => onChange(removeAt(rows, i))} />
          </Group>
          <RowError message={errorText(errors, `volumes:${i}`)} />
        </Stack>
      ))}
      <AddButton onClick={() => onChange([...rows, { ...EMPTY_VOLUME }])} testId="add-volume">
        Add a volume
      </AddButton>
    </Stack>
  );
}

/** Name/value pairs: extra environment variables or labels. */
export function KeyValueRows({
  rows,
  errors,
  errorKey,
  noun,
  namePlaceholder,
  valuePlaceholder,
  onChange,
}: {
  rows: KeyValueRow[];
  errors: FieldErrors;
  /** Errors of row i are under `<errorKey>:<i>`. */
  errorKey: string;
  /** "variable", "label": for buttons and aria-labels. */
  noun: string;
  namePlaceholder: string;
  valuePlaceholder: string;
  onChange: (rows: KeyValueRow[]) => void;
}) {
  return (
    <Stack gap={6}>
      {rows.map((row, i) => (
        <Stack key={i} gap={2} data-testid={`${errorKey}-row`}>
          <Group gap="xs" wrap="nowrap">
            <TextInput
              {...INPUT_PROPS}
              style={{ flex: 2 }}
              styles={MONO_INPUT}
              placeholder={namePlaceholder}
              aria-label={`Name of ${noun} ${i + 1}`}
              value={row.name}
              error={errors[`${errorKey}:${i}`] ? true : undefined}
              onChange={(e) => onChange(replaceAt(rows, i, { name: e.currentTarget.value }))}
            />
            <TextInput
              {...INPUT_PROPS}
              style={{ flex: 3 }}
              placeholder={valuePlaceholder}
              aria-label={`Value of ${noun} ${i + 1}`}
              value={row.value}
              onChange={(e) => onChange(replaceAt(rows, i, { value: e.currentTarget.value }))}
            />
            <RemoveButton label={`Remove ${noun} ${i + 1}`} onClick={() => onChange(removeAt(rows, i))} />
          </Group>
          <RowError message={errorText(errors, `${errorKey}:${i}`)} />
        </Stack>
      ))}
      <AddButton onClick={() => onChange([...rows, { ...EMPTY_PAIR }])} testId={`add-${errorKey}`}>
        Add a {noun}
      </AddButton>
    </Stack>
  );
}
