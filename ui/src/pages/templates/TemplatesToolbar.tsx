import { ActionIcon, Button, Group, Kbd, Menu, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { useHotkeys } from "@mantine/hooks";
import {
  IconChevronDown,
  IconFileExport,
  IconFileImport,
  IconPlus,
  IconSearch,
  IconTemplate,
  IconWorldDownload,
  IconX,
} from "@tabler/icons-react";
import { memo, useMemo, useRef, type Dispatch, type SetStateAction } from "react";
import { DeploysButton } from "./DeploysButton";
import type { CategoryOption, TemplateQuery } from "./searchIndex";
import type { SourceSummary } from "./types";

interface Props {
  query: TemplateQuery;
  onQuery: Dispatch<SetStateAction<TemplateQuery>>;
  categories: readonly CategoryOption[];
  sources: readonly SourceSummary[];
  shown: number;
  total: number;
  loading: boolean;
  onNewContainer: () => void;
  onNewTemplate: () => void;
  onImport: () => void;
  onExport: () => void;
  exporting: boolean;
  onSources: () => void;
  onShowContainers: (containerUuid: string | null) => void;
}

/** The header of the templates screen: title and count, actions, search and filters. */
export const TemplatesToolbar = memo(function TemplatesToolbar({
  query,
  onQuery,
  categories,
  sources,
  shown,
  total,
  loading,
  onNewContainer,
  onNewTemplate,
  onImport,
  onExport,
  exporting,
  onSources,
  onShowContainers,
}: Props) {
  const searchRef = useRef<HTMLInputElement>(null);
  useHotkeys([["/", () => searchRef.current?.focus(), { preventDefault: true }]]);

  const categoryOptions = useMemo(
    () => categories.map((c) => ({ value: c.value, label: `${c.label} (${c.count})` })),
    [categories],
  );
  const sourceOptions = useMemo(
    () => sources.filter((s) => s.enabled).map((s) => ({ value: s.uuid, label: s.name })),
    [sources],
  );

  return (
    <Stack gap={0}>
      <Group justify="space-between" gap="sm" wrap="wrap" px="md" pt="md" pb={6}>
        <Group gap="sm" align="baseline" wrap="nowrap">
          <Title order={3} fw={650}>
            Templates
          </Title>
          <Text size="sm" c="dimmed" data-testid="template-count" aria-live="polite">
            {loading ? "Loading…" : shown === total ? `${total} templates` : `${shown} of ${total} templates`}
          </Text>
        </Group>
        <Group gap="xs" wrap="nowrap">
          <DeploysButton onShowContainer={onShowContainers} />
          <Button
            size="xs"
            variant="default"
            leftSection={<IconWorldDownload size={14} />}
            onClick={onSources}
            data-testid="sources-open"
          >
            Sources
          </Button>
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <Button
                size="xs"
                variant="default"
                leftSection={<IconTemplate size={14} />}
                rightSection={<IconChevronDown size={14} />}
                loading={exporting}
                data-testid="my-templates-menu"
              >
                My templates
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item leftSection={<IconPlus size={14} />} onClick={onNewTemplate} data-testid="new-template">
                New template…
              </Menu.Item>
              <Menu.Item leftSection={<IconFileImport size={14} />} onClick={onImport} data-testid="import-templates">
                Import…
              </Menu.Item>
              <Menu.Item leftSection={<IconFileExport size={14} />} onClick={onExport} data-testid="export-templates">
                Export all…
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
          <Button size="xs" leftSection={<IconPlus size={14} />} onClick={onNewContainer} data-testid="new-container">
            New container
          </Button>
        </Group>
      </Group>
      <Group gap="sm" wrap="wrap" px="md" pb="sm">
        <TextInput
          ref={searchRef}
          size="xs"
          w={300}
          placeholder="Search templates"
          aria-label="Search templates by title, description, category or image"
          leftSection={<IconSearch size={14} />}
          rightSectionPointerEvents={query.text ? "all" : "none"}
          rightSection={
            query.text ? (
              <ActionIcon
                size="sm"
                variant="subtle"
                color="gray"
                aria-label="Clear search"
                onClick={() => onQuery({ ...query, text: "" })}
              >
                <IconX size={12} />
              </ActionIcon>
            ) : (
              <Kbd size="xs">/</Kbd>
            )
          }
          value={query.text}
          onChange={(e) => onQuery({ ...query, text: e.currentTarget.value })}
          onKeyDown={(e) => {
            if (e.key === "Escape" && query.text) {
              e.stopPropagation();
              onQuery({ ...query, text: "" });
            }
          }}
          data-testid="template-search"
          spellCheck={false}
          autoComplete="off"
        />
        <Filters
          categoryOptions={categoryOptions}
          sourceOptions={sourceOptions}
          category={query.category}
          source={query.source}
          onQuery={onQuery}
        />
      </Group>
    </Stack>
  );
});

interface Option {
  value: string;
  label: string;
}

/** The category and source pickers: memoised, so typing a search does not render them again. */
const Filters = memo(function Filters({
  categoryOptions,
  sourceOptions,
  category,
  source,
  onQuery,
}: {
  categoryOptions: Option[];
  sourceOptions: Option[];
  category: string | null;
  source: string | null;
  onQuery: Dispatch<SetStateAction<TemplateQuery>>;
}) {
  return (
    <>
      <Select
        size="xs"
        w={220}
        aria-label="Category"
        placeholder="All categories"
        data={categoryOptions}
        value={category}
        onChange={(v) => onQuery((q) => ({ ...q, category: v }))}
        searchable
        clearable
        nothingFoundMessage="No such category"
        data-testid="template-category"
      />
      <Select
        size="xs"
        w={200}
        aria-label="Source"
        placeholder="All sources"
        data={sourceOptions}
        value={source}
        onChange={(v) => onQuery((q) => ({ ...q, source: v }))}
        clearable
        data-testid="template-source"
      />
    </>
  );
});
