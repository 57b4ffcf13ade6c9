import { Group, Paper, ScrollArea, Stack, Table, Text, Title } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { EmptyState, ErrorState, SkeletonRows } from "./States";

export interface ResourceColumn<T> {
  header: string;
  width?: number | string;
  render: (row: T) => ReactNode;
}

interface Props<T> {
  title: string;
  noun: string;
  query: UseQueryResult<T[]>;
  columns: ResourceColumn<T>[];
  rowKey: (row: T) => string;
  emptyIcon: ReactNode;
  emptyHint: string;
  testId: string;
  /** Buttons at the right of the title. */
  actions?: ReactNode;
}

/** A read-only list screen (images, volumes, networks) with loading, empty and error states. */
export function ResourceTable<T>({ title, noun, query, columns, rowKey, emptyIcon, emptyHint, testId, actions }: Props<T>) {
  let body: ReactNode;
  if (query.isPending) {
    body = <SkeletonRows rows={10} height={37} />;
  } else if (query.isError) {
    body = <ErrorState title={`Could not load ${noun}`} error={query.error} onRetry={() => void query.refetch()} />;
  } else if (query.data.length === 0) {
    body = (
      <EmptyState icon={emptyIcon} title={`No ${noun} yet`}>
        {emptyHint}
      </EmptyState>
    );
  } else {
    body = (
      <ScrollArea h="100%" type="auto">
        <Table stickyHeader layout="fixed" highlightOnHover verticalSpacing={8} fz="sm" miw={760} data-testid={testId}>
          <Table.Thead>
            <Table.Tr>
              {columns.map((c) => (
                <Table.Th key={c.header} w={c.width} fz="xs" tt="uppercase" c="dimmed">
                  {c.header}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {query.data.map((row) => (
              <Table.Tr key={rowKey(row)} data-testid={`${testId}-row`}>
                {columns.map((c) => (
                  <Table.Td key={c.header} style={{ overflow: "hidden" }}>
                    {c.render(row)}
                  </Table.Td>
                ))}
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
            {title}
          </Title>
          {query.isSuccess ? (
            <Text size="sm" c="dimmed">
              {query.data.length} {noun}
            </Text>
          ) : null}
        </Group>
        {actions}
      </Group>
      <Paper withBorder radius="md" mx="md" mb="md" style={{ flex: 1, minHeight: 0, overflow: "hidden" }}>
        {body}
      </Paper>
    </Stack>
  );
}

/** A one-line cell that ellipsizes, with the full text on hover. */
export function Cell({ children, mono, dimmed }: { children: string; mono?: boolean; dimmed?: boolean }) {
  return (
    <Text
      size={mono ? "xs" : "sm"}
      ff={mono ? "monospace" : undefined}
      c={dimmed ? "dimmed" : undefined}
      className="sq-ellipsis"
      title={children}
    >
      {children}
    </Text>
  );
}
