import { Group, Select, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { queryKeys } from "../../api/queryKeys";
import { useKeepHours } from "../../api/queries";
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

const KEEP_CHOICES = [
  { value: "24", label: "1 day" },
  { value: "72", label: "3 days" },
  { value: "168", label: "1 week" },
  { value: "336", label: "2 weeks" },
  { value: "720", label: "30 days" },
];

/** How long an updated container's previous image is kept (tagged) for a roll back. */
export function KeepPrevious() {
  const client = useQueryClient();
  const hours = useKeepHours();
  const value = hours.data == null ? null : String(hours.data);
  const data =
    value && !KEEP_CHOICES.some((c) => c.value === value) ? [...KEEP_CHOICES, { value, label: `${value} hours` }] : KEEP_CHOICES;
  return (
    <Group gap="xs" wrap="nowrap">
      <Text size="sm" c="dimmed">
        Keep the previous image after an update
      </Text>
      <Select
        size="xs"
        w={120}
        aria-label="How long the previous image is kept after an update, for a roll back"
        data={data}
        value={value}
        disabled={hours.isPending}
        allowDeselect={false}
        onChange={async (v) => {
          if (v == null) return;
          try {
            await call(commands.keptImagesHoursSet(Number(v)));
            client.setQueryData(queryKeys.keepHours, Number(v));
          } catch (e) {
            notifications.show({ color: "red", title: "The keep time was not changed", message: errorMessage(e) });
          }
        }}
        data-testid="keep-hours"
      />
    </Group>
  );
}
