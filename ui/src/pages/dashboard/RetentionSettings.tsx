import { Button, Group, NumberInput, Paper, SimpleGrid, Skeleton, Stack, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, memo, useState } from "react";
import { useStatsRetention } from "../../api/queries";
import { queryKeys } from "../../api/queryKeys";
import type { StatsRetention } from "../../api/types";
import { call, errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";
import { ErrorState } from "../../components/States";

type Draft = Record<keyof StatsRetention, number | string>;

const FIELDS: { key: keyof StatsRetention; label: string; description: string; testId: string; max: number }[] = [
  { key: "rawHours", label: "Raw samples", description: "Hours; every sample as taken", testId: "retention-raw-hours", max: 744 },
  { key: "minuteDays", label: "1-minute rollups", description: "Days", testId: "retention-minute-days", max: 366 },
  { key: "hourDays", label: "1-hour rollups", description: "Days", testId: "retention-hour-days", max: 3660 },
];

/** A whole number ≥ 1, or null. */
function wholeNumber(value: number | string): number | null {
  const n = typeof value === "number" ? value : value.trim() === "" ? Number.NaN : Number(value);
  return Number.isInteger(n) && n >= 1 ? n : null;
}

/** The retention to send, or null while a field is not a whole number of at least 1. */
export function draftToRetention(draft: Draft): StatsRetention | null {
  const rawHours = wholeNumber(draft.rawHours);
  const minuteDays = wholeNumber(draft.minuteDays);
  const hourDays = wholeNumber(draft.hourDays);
  if (rawHours === null || minuteDays === null || hourDays === null) return null;
  return { rawHours, minuteDays, hourDays };
}

function sameRetention(a: StatsRetention, b: StatsRetention): boolean {
  return a.rawHours === b.rawHours && a.minuteDays === b.minuteDays && a.hourDays === b.hourDays;
}

function RetentionForm({ saved }: { saved: StatsRetention }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(saved);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const wanted = draftToRetention(draft);
  const changed = wanted !== null && !sameRetention(wanted, saved);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!wanted || busy) return;
    setBusy(true);
    setError(null);
    try {
      const applied = await call(commands.statsRetentionSet(wanted));
      queryClient.setQueryData(queryKeys.statsRetention, applied);
      // Older points may be gone: shown charts fetch again.
      void queryClient.invalidateQueries({ queryKey: queryKeys.fleetSeriesAll });
      void queryClient.invalidateQueries({ queryKey: queryKeys.containerSeriesAll });
      notifications.show({
        color: "green",
        title: "History retention saved",
        message: sameRetention(applied, wanted)
          ? "Older samples are removed at the next cleanup."
          : `Adjusted to ${applied.rawHours} h raw, ${applied.minuteDays} d of minutes, ${applied.hourDays} d of hours.`,
      });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} data-testid="retention-form">
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
          {FIELDS.map((f) => (
            <NumberInput
              key={f.key}
              size="xs"
              label={f.label}
              description={f.description}
              min={1}
              max={f.max}
              allowDecimal={false}
              allowNegative={false}
              value={draft[f.key]}
              onChange={(v) => setDraft((d) => ({ ...d, [f.key]: v }))}
              error={wholeNumber(draft[f.key]) === null ? "A whole number, at least 1." : undefined}
              data-testid={f.testId}
            />
          ))}
        </SimpleGrid>
        <Group justify="space-between" gap="sm" wrap="nowrap" align="flex-start">
          <Text size="xs" c={error ? "red" : "dimmed"} className="sq-wrap" data-testid={error ? "retention-error" : undefined}>
            {error ?? "Each tier must cover the one before it; Squirrel adjusts values that do not."}
          </Text>
          <Group gap="xs" wrap="nowrap">
            <Button size="xs" variant="default" disabled={!changed || busy} onClick={() => setDraft(saved)}>
              Reset
            </Button>
            <Button size="xs" type="submit" disabled={!changed} loading={busy} data-testid="retention-save">
              Save
            </Button>
          </Group>
        </Group>
      </Stack>
    </form>
  );
}

/** How long history is kept, per tier. */
export const RetentionSettings = memo(function RetentionSettings() {
  const retention = useStatsRetention();
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-label="History retention" data-testid="retention-settings">
      <Stack gap="sm">
        <Stack gap={0}>
          <Title order={5}>History retention</Title>
          <Text size="xs" c="dimmed">
            Samples are rolled up into 1-minute, 15-minute (kept a month) and 1-hour points; longer
            charts read the rollups.
          </Text>
        </Stack>
        {retention.isPending ? (
          <Skeleton h={64} radius="sm" data-testid="loading" />
        ) : retention.isError ? (
          <ErrorState title="Could not load the retention" error={retention.error} onRetry={() => void retention.refetch()} />
        ) : (
          <RetentionForm key={JSON.stringify(retention.data)} saved={retention.data} />
        )}
      </Stack>
    </Paper>
  );
});
