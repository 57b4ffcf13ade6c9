import { Button, Group, Text, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconRefresh, IconSquareArrowUp } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useUpdates } from "../../api/queries";
import { queryKeys } from "../../api/queryKeys";
import { call, errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";
import { relativeTime } from "../../lib/format";
import { useNow } from "../../lib/useNow";

/** What the last check said, in a few words. */
export function checkSummary(available: number, checkedAtMs: number | null, nowMs: number): string {
  const when = checkedAtMs == null ? "" : ` · checked ${relativeTime(checkedAtMs / 1000, nowMs)}`;
  const what = available === 0 ? "All up to date" : available === 1 ? "1 update" : `${available} updates`;
  return `${what}${when}`;
}

/** "Check for updates" in the containers toolbar, with what the last check found, and
 *  "Update all" when it found any. */
export function UpdatesButton({ onUpdateAll }: { onUpdateAll?: () => void }) {
  const updates = useUpdates();
  // The summary's "checked … ago" moves by minutes: its own slow clock.
  const now = useNow(60_000);
  const client = useQueryClient();
  const [checking, setChecking] = useState(false);
  const check = updates.data;
  const available = check ? check.findings.filter((f) => f.finding.kind === "available").length : 0;
  const limits = check?.rateLimits ?? [];
  const run = async () => {
    setChecking(true);
    try {
      const done = await call(commands.updatesCheckNow());
      client.setQueryData(queryKeys.updates, done);
    } catch (e) {
      notifications.show({ color: "red", title: "The update check failed", message: errorMessage(e) });
    } finally {
      setChecking(false);
    }
  };
  return (
    <Group gap="xs" wrap="nowrap">
      {/* New data when a check ends, and a relative time that follows the clock. */}
      <span data-live>
        {check ? (
          <Tooltip
            label={
              limits.length > 0
                ? limits.map((l) => `${l.registry}: ${l.remaining} of ${l.limit} pulls left`).join(" · ")
                : `${check.requests.head} registry lookups, ${check.requests.tagLists} tag lists, ${check.tookMs} ms`
            }
          >
            <Text size="xs" c={available > 0 ? "teal" : "dimmed"} data-testid="updates-summary" style={{ whiteSpace: "nowrap" }}>
              {checkSummary(available, check.checkedAt, now)}
            </Text>
          </Tooltip>
        ) : null}
      </span>
      {available > 0 && onUpdateAll ? (
        <Button size="xs" variant="light" color="teal" leftSection={<IconSquareArrowUp size={14} />} onClick={onUpdateAll} data-testid="updates-all">
          Update all…
        </Button>
      ) : null}
      <Button
        size="xs"
        variant="default"
        leftSection={<IconRefresh size={14} />}
        loading={checking}
        onClick={() => void run()}
        data-testid="updates-check"
      >
        Check for updates
      </Button>
    </Group>
  );
}
