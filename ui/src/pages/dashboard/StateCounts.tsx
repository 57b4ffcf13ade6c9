import { memo } from "react";
import { Box, Group, Paper, SimpleGrid, Skeleton, Text } from "@mantine/core";
import { useStateCounts } from "../../api/queries";
import type { ContainerState, StateCount } from "../../api/types";
import { ErrorState } from "../../components/States";
import { STATE_COLORS } from "../../lib/containerState";
import type { StatusFilter } from "../../lib/filter";

/** The containers table's status filter that shows the containers a card counts. */
export function filterFor(state: ContainerState | "total"): StatusFilter {
  switch (state) {
    case "total":
      return "all";
    case "running":
    case "restarting":
      return "running";
    case "paused":
      return "paused";
    default:
      return "stopped";
  }
}

/** Always shown, even at zero; other states appear when some container is in them. */
const ALWAYS: ContainerState[] = ["running", "paused", "exited", "created"];
const OTHERS: ContainerState[] = ["restarting", "dead", "removing", "unknown"];

const LABELS: Record<ContainerState, string> = {
  running: "Running",
  paused: "Paused",
  restarting: "Restarting",
  exited: "Exited",
  created: "Created",
  dead: "Dead",
  removing: "Removing",
  unknown: "Unknown",
};

type CardKey = ContainerState | "total" | "stale";

/**
 * The cards to show, total first, from the backend's counts. Containers of devices that are
 * not online (`stale`) are in the total and in a "Last seen" card of their own, never in a
 * live state: their engine may have stopped them all.
 */
export function countCards(counts: readonly StateCount[]): { key: CardKey; label: string; count: number }[] {
  const byState = new Map<ContainerState, number>();
  let stale = 0;
  for (const c of counts) {
    if (c.stale) stale += c.count;
    else byState.set(c.state, (byState.get(c.state) ?? 0) + c.count);
  }
  const total = [...byState.values()].reduce((a, b) => a + b, stale);
  return [
    { key: "total", label: "Total", count: total },
    ...ALWAYS.map((state) => ({ key: state, label: LABELS[state], count: byState.get(state) ?? 0 })),
    ...OTHERS.filter((state) => (byState.get(state) ?? 0) > 0).map((state) => ({
      key: state,
      label: LABELS[state],
      count: byState.get(state) ?? 0,
    })),
    ...(stale > 0 ? [{ key: "stale" as const, label: "Last seen", count: stale }] : []),
  ];
}

const STALE_TITLE =
  "Containers of devices Squirrel does not reach now (unreachable, disabled, connecting): their state is the last one seen. Show all containers";

function CountCard({
  state,
  label,
  count,
  onOpen,
}: {
  state: CardKey;
  label: string;
  count: number;
  onOpen?: (status: StatusFilter) => void;
}) {
  const color = state === "total" ? "indigo" : state === "stale" ? "gray" : STATE_COLORS[state];
  // No status filter tells stale containers apart: their card opens them all.
  const title = state === "stale" ? STALE_TITLE : "Show these containers";
  return (
    <Paper
      withBorder
      radius="md"
      p="sm"
      component="button"
      type="button"
      className="sq-count-card"
      onClick={() => onOpen?.(state === "stale" ? "all" : filterFor(state))}
      title={title}
      aria-label={`${label}: ${count}. ${title}`}
      data-testid="dashboard-count-card"
      data-state={state}
    >
      <Group gap={6} wrap="nowrap">
        <Box
          component="span"
          aria-hidden
          w={8}
          h={8}
          style={{ borderRadius: "50%", flexShrink: 0, backgroundColor: `var(--mantine-color-${color}-filled)` }}
        />
        <Text size="xs" c="dimmed" tt="uppercase" fw={600} style={{ letterSpacing: "0.03em" }}>
          {label}
        </Text>
      </Group>
      <Text
        fz={26}
        fw={700}
        lh={1.2}
        mt={4}
        style={{ fontVariantNumeric: "tabular-nums" }}
        data-testid={`dashboard-count-${state}`}
        data-count={count}
      >
        {count}
      </Text>
    </Paper>
  );
}

/** How many containers are in each state, on all devices; a card opens those containers. */
export const StateCounts = memo(function StateCounts({ onOpen }: { onOpen?: (status: StatusFilter) => void }) {
  const counts = useStateCounts();
  if (counts.isError) {
    return <ErrorState title="Could not count containers" error={counts.error} onRetry={() => void counts.refetch()} />;
  }
  const cards = counts.data ? countCards(counts.data) : null;
  return (
    <SimpleGrid cols={{ base: 2, xs: 3, sm: 5 }} spacing="sm" data-testid="dashboard-counts">
      {cards
        ? cards.map((c) => <CountCard key={c.key} state={c.key} label={c.label} count={c.count} onOpen={onOpen} />)
        : Array.from({ length: 5 }, (_, i) => <Skeleton key={i} h={74} radius="md" data-testid="loading" />)}
    </SimpleGrid>
  );
});
