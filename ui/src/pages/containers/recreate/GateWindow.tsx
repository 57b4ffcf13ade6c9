import { Group, Select, Text } from "@mantine/core";

const WINDOWS = [
  { value: "10", label: "10 s" },
  { value: "30", label: "30 s" },
  { value: "60", label: "1 min" },
  { value: "120", label: "2 min" },
  { value: "300", label: "5 min" },
];

/** "Keep it only if it runs for [30 s] without exiting…": the health gate's window, in seconds. */
export function GateWindow({ value, onChange, many, testId }: { value: string; onChange: (secs: string) => void; many?: boolean; testId: string }) {
  return (
    <Group gap="xs" wrap="nowrap" align="center">
      <Text size="sm" c="dimmed">
        {many ? "Keep each only if it runs for" : "Keep it only if it runs for"}
      </Text>
      <Select
        size="xs"
        w={100}
        data={WINDOWS}
        value={value}
        allowDeselect={false}
        onChange={(v) => v && onChange(v)}
        aria-label={`How long ${many ? "each" : "the"} new container must run without exiting or restarting`}
        data-testid={testId}
      />
      <Text size="sm" c="dimmed">
        without exiting (or until its healthcheck says healthy); else roll back.
      </Text>
    </Group>
  );
}

/** The gate the backend is asked for, from the window chosen. */
export function gateOf(windowSecs: string) {
  return { windowSecs: Number(windowSecs), healthTimeoutSecs: Math.max(120, Number(windowSecs)) };
}
