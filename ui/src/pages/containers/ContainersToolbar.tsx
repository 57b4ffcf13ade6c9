import { ActionIcon, Group, Kbd, SegmentedControl, Select, Text, TextInput, Title } from "@mantine/core";
import { useHotkeys } from "@mantine/hooks";
import { IconSearch, IconX } from "@tabler/icons-react";
import { memo, useRef } from "react";
import type { DeviceSummary } from "../../api/types";
import type { ContainerFilters, StatusFilter } from "../../lib/filter";
import { UpdatesButton } from "./UpdatesButton";

const STATUS_OPTIONS: { value: StatusFilter; label: string }[] = [
  { value: "all", label: "All" },
  { value: "running", label: "Running" },
  { value: "stopped", label: "Stopped" },
  { value: "paused", label: "Paused" },
];

interface Props {
  filters: ContainerFilters;
  onChange: (filters: ContainerFilters) => void;
  devices: DeviceSummary[];
  shown: number;
  total: number;
  loading: boolean;
  /** Opens the update of every container the last check found an update for. */
  onUpdateAll: () => void;
}

/** Memoized: inputs re-set their attributes on every render, so it renders only on its own changes. */
export const ContainersToolbar = memo(function ContainersToolbar({ filters, onChange, devices, shown, total, loading, onUpdateAll }: Props) {
  const searchRef = useRef<HTMLInputElement>(null);
  useHotkeys([["/", () => searchRef.current?.focus(), { preventDefault: true }]]);

  const deviceOptions = [
    { value: "all", label: "All devices" },
    ...devices.map((d) => ({ value: d.device.uuid, label: d.device.name })),
  ];

  return (
    <Group justify="space-between" gap="sm" wrap="wrap" px="md" pt="md" pb="sm">
      <Group gap="sm" align="baseline" wrap="nowrap">
        <Title order={3} fw={650}>
          Containers
        </Title>
        <Text size="sm" c="dimmed" data-testid="container-count" aria-live="polite">
          {loading ? "Loading…" : `${shown} of ${total} containers`}
        </Text>
      </Group>
      <Group gap="sm" wrap="nowrap">
        <TextInput
          ref={searchRef}
          size="xs"
          w={240}
          placeholder="Search name or image"
          aria-label="Search containers by name or image"
          leftSection={<IconSearch size={14} />}
          rightSectionPointerEvents={filters.text ? "all" : "none"}
          rightSection={
            filters.text ? (
              <ActionIcon
                size="sm"
                variant="subtle"
                color="gray"
                aria-label="Clear search"
                onClick={() => onChange({ ...filters, text: "" })}
              >
                <IconX size={12} />
              </ActionIcon>
            ) : (
              <Kbd size="xs">/</Kbd>
            )
          }
          value={filters.text}
          onChange={(e) => onChange({ ...filters, text: e.currentTarget.value })}
          onKeyDown={(e) => {
            if (e.key === "Escape" && filters.text) {
              e.stopPropagation();
              onChange({ ...filters, text: "" });
            }
          }}
          data-testid="search"
          spellCheck={false}
          autoComplete="off"
        />
        <Select
          size="xs"
          w={170}
          aria-label="Device"
          data={deviceOptions}
          value={filters.deviceUuid ?? "all"}
          onChange={(v) => onChange({ ...filters, deviceUuid: !v || v === "all" ? null : v })}
          allowDeselect={false}
          data-testid="device-filter"
        />
        <SegmentedControl
          size="xs"
          aria-label="Status"
          data={STATUS_OPTIONS}
          value={filters.status}
          onChange={(v) => onChange({ ...filters, status: v as StatusFilter })}
          data-testid="status-filter"
        />
        <UpdatesButton onUpdateAll={onUpdateAll} />
      </Group>
    </Group>
  );
});
