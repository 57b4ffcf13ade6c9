import { Alert, Button, Center, Group, Skeleton, Stack, Text, ThemeIcon } from "@mantine/core";
import { IconAlertTriangle, IconRefresh } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { errorMessage } from "../api/unwrap";

export function EmptyState({ icon, title, children }: { icon: ReactNode; title: string; children?: ReactNode }) {
  return (
    <Center h="100%" mih={240} p="xl" data-testid="empty-state">
      <Stack align="center" gap="xs" maw={460} ta="center">
        <ThemeIcon size={52} radius="xl" variant="light" color="gray">
          {icon}
        </ThemeIcon>
        <Text fw={600} size="lg">
          {title}
        </Text>
        {children ? (
          <Text c="dimmed" size="sm" component="div">
            {children}
          </Text>
        ) : null}
      </Stack>
    </Center>
  );
}

export function ErrorState({ title, error, onRetry }: { title: string; error: unknown; onRetry?: () => void }) {
  return (
    <Alert
      color="red"
      variant="light"
      title={title}
      icon={<IconAlertTriangle size={18} />}
      m="md"
      data-testid="error-state"
    >
      <Stack gap="xs" align="flex-start">
        <Text size="sm" style={{ wordBreak: "break-word" }}>
          {errorMessage(error)}
        </Text>
        {onRetry ? (
          <Button size="compact-sm" variant="light" color="red" leftSection={<IconRefresh size={14} />} onClick={onRetry}>
            Try again
          </Button>
        ) : null}
      </Stack>
    </Alert>
  );
}

/** Placeholder rows with the table's row height, so nothing jumps when data arrives. */
export function SkeletonRows({ rows = 8, height = 40 }: { rows?: number; height?: number }) {
  return (
    <Stack gap={0} data-testid="loading">
      {Array.from({ length: rows }, (_, i) => (
        <Group key={i} h={height} px="md" gap="md" wrap="nowrap" style={{ borderBottom: "1px solid var(--sq-border)" }}>
          <Skeleton h={12} w="22%" radius="sm" />
          <Skeleton h={12} w="12%" radius="sm" />
          <Skeleton h={12} w="24%" radius="sm" />
          <Skeleton h={12} w="10%" radius="sm" />
          <Skeleton h={12} w="10%" radius="sm" />
        </Group>
      ))}
    </Stack>
  );
}
