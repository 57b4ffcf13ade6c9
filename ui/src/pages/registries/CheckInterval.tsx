import { Group, Select, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { call, errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";

const CHOICES = [
  { value: "1", label: "every hour" },
  { value: "6", label: "every 6 hours" },
  { value: "12", label: "every 12 hours" },
  { value: "24", label: "once a day" },
  { value: "168", label: "once a week" },
  { value: "0", label: "only when I ask" },
];

const KEY = ["updateInterval"] as const;

/** How often images are checked for updates (one HEAD per unique image, never a pull). */
export function CheckInterval() {
  const client = useQueryClient();
  const interval = useQuery({ queryKey: KEY, queryFn: () => call(commands.updatesIntervalGet()) });
  const value = interval.data == null ? null : String(interval.data);
  const data = value && !CHOICES.some((c) => c.value === value) ? [...CHOICES, { value, label: `every ${value} hours` }] : CHOICES;
  return (
    <Group gap="xs" wrap="nowrap">
      <Text size="sm" c="dimmed">
        Check images for updates
      </Text>
      <Select
        size="xs"
        w={150}
        aria-label="How often images are checked for updates"
        data={data}
        value={value}
        disabled={interval.isPending}
        allowDeselect={false}
        onChange={async (v) => {
          if (v == null) return;
          try {
            await call(commands.updatesIntervalSet(Number(v)));
            client.setQueryData(KEY, Number(v));
          } catch (e) {
            notifications.show({ color: "red", title: "The interval was not changed", message: errorMessage(e) });
          }
        }}
        data-testid="updates-interval"
      />
    </Group>
  );
}
