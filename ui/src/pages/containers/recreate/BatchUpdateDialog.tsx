// The safe update of many containers across devices: which ones (all with an update, or
// those picked), then each one's state as it goes (one at a time per device, the devices
// side by side), then how the batch ended, with why a container was rolled back.
import { Alert, Badge, Button, Checkbox, Code, Group, Loader, Modal, Progress, ScrollArea, Stack, Table, Text } from "@mantine/core";
import { IconAlertTriangle, IconCircleCheck, IconInfoCircle } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { Channel } from "@tauri-apps/api/core";
import { useMemo, useState } from "react";
import { useContainers, useUpdateFindings } from "../../../api/queries";
import { queryKeys } from "../../../api/queryKeys";
import { call, errorMessage } from "../../../api/unwrap";
import { commands, type BatchEvent_Deserialize, type BatchEvent_Serialize, type BatchSummary } from "../../../bindings";
import { useDeviceNames } from "../../useDeviceNames";
import {
  applyBatchEvent,
  batchItems,
  batchSummaryText,
  endedCount,
  imageChange,
  itemDetail,
  itemStatus,
  startBatch,
  summaryColor,
  type BatchItem,
  type BatchRun,
  type ItemTone,
} from "./batchRun";
import { GateWindow, gateOf } from "./GateWindow";


const TONES: Record<ItemTone, string> = {
  waiting: "gray",
  busy: "blue",
  ok: "teal",
  same: "gray",
  warn: "orange",
  bad: "red",
};

/** `uuids`: the containers offered; null keeps the dialog closed. */
export function BatchUpdateDialog({ uuids, onClose }: { uuids: readonly string[] | null; onClose: () => void }) {
  // Keep the last list while the dialog fades out.
  const [shown, setShown] = useState(uuids);
  if (uuids !== null && uuids !== shown) setShown(uuids);
  return (
    <Modal opened={uuids !== null} onClose={onClose} size="xl" title="Update containers" data-testid="batch-dialog">
      {shown ? <BatchBody key={shown.join(",")} uuids={shown} onClose={onClose} /> : null}
    </Modal>
  );
}

function BatchBody({ uuids, onClose }: { uuids: readonly string[]; onClose: () => void }) {
  const client = useQueryClient();
  const containers = useContainers().data;
  const findings = useUpdateFindings();
  const deviceNames = useDeviceNames();
  // The list is fixed when the dialog opens: a container replaced mid-batch keeps its row.
  const [items] = useState<BatchItem[]>(() => {
    const wanted = new Set(uuids);
    return batchItems((containers ?? []).filter((c) => wanted.has(c.uuid)), findings, deviceNames);
  });
  const [chosen, setChosen] = useState<ReadonlySet<string>>(() => new Set(items.map((i) => i.uuid)));
  const [windowSecs, setWindowSecs] = useState("30");
  const [run, setRun] = useState<BatchRun | null>(null);
  const [summary, setSummary] = useState<BatchSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const devices = useMemo(() => new Set(items.filter((i) => chosen.has(i.uuid)).map((i) => i.deviceUuid)).size, [items, chosen]);
  const running = run !== null && summary === null && error === null;
  const asked = run ? items.filter((i) => i.uuid in run) : items;

  const start = async () => {
    const picked = items.filter((i) => chosen.has(i.uuid));
    setError(null);
    setRun(startBatch(picked.map((i) => i.uuid)));
    const gate = gateOf(windowSecs);
    const channel = new Channel<BatchEvent_Deserialize>();
    // What arrives is what the backend sends: the bindings' output side.
    channel.onmessage = (event) => setRun((r) => (r ? applyBatchEvent(r, event as BatchEvent_Serialize) : r));
    try {
      const requests = picked.map((i) => ({
        containerUuid: i.uuid,
        image: i.to !== i.from ? i.to : null,
        pull: true,
        edits: { env: null, ports: null, limits: null, restartPolicy: null },
        gate,
      }));
      setSummary(await call(commands.containersRecreateMany(requests, channel)));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      void client.invalidateQueries({ queryKey: queryKeys.keptImages });
      void client.invalidateQueries({ queryKey: queryKeys.images });
    }
  };

  const toggle = (uuid: string, on: boolean) =>
    setChosen((s) => {
      const next = new Set(s);
      if (on) next.add(uuid);
      else next.delete(uuid);
      return next;
    });
  const ended = run ? endedCount(run) : 0;
  const total = run ? Object.keys(run).length : chosen.size;

  if (items.length === 0) {
    return (
      <Stack gap="sm">
        <Alert color="gray" icon={<IconInfoCircle size={16} />}>
          None of these containers is known any more.
        </Alert>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
        </Group>
      </Stack>
    );
  }

  return (
    <Stack gap="sm" data-testid="batch-body">
      {run === null ? (
        <Text size="sm">
          Each container is pulled, replaced and watched through the health gate; one that fails is rolled back on its own,
          and the others go on. One at a time on each device, the devices side by side.
        </Text>
      ) : (
        <Stack gap={4}>
          <Group justify="space-between">
            <Text size="sm" data-testid="batch-count">
              {ended} of {total} done
            </Text>
            {running ? <Loader size="xs" /> : null}
          </Group>
          <Progress value={total === 0 ? 0 : (ended / total) * 100} size="sm" aria-label="Containers done" />
        </Stack>
      )}

      <ScrollArea.Autosize mah={380} type="auto">
        <Table verticalSpacing={6} horizontalSpacing="xs" data-testid="batch-items">
          <Table.Thead>
            <Table.Tr>
              {run === null ? (
                <Table.Th w={32}>
                  <Checkbox
                    aria-label="All"
                    checked={chosen.size === items.length}
                    indeterminate={chosen.size > 0 && chosen.size < items.length}
                    onChange={(e) => setChosen(e.currentTarget.checked ? new Set(items.map((i) => i.uuid)) : new Set())}
                  />
                </Table.Th>
              ) : null}
              <Table.Th>Container</Table.Th>
              <Table.Th>Device</Table.Th>
              <Table.Th>Image</Table.Th>
              <Table.Th w={150}>{run === null ? "" : "State"}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {asked.map((item) => (
              <ItemRow key={item.uuid} item={item} run={run} chosen={chosen.has(item.uuid)} onToggle={toggle} />
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea.Autosize>

      {run === null ? (
        <GateWindow value={windowSecs} onChange={setWindowSecs} many testId="batch-window" />
      ) : null}

      {error ? (
        <Alert color="red" icon={<IconAlertTriangle size={16} />} data-testid="batch-error">
          {error}
        </Alert>
      ) : null}
      {summary ? (
        <Alert
          color={summaryColor(summary)}
          icon={summaryColor(summary) === "teal" ? <IconCircleCheck size={16} /> : <IconAlertTriangle size={16} />}
          title="Done"
          data-testid="batch-summary"
        >
          <Text size="sm" data-testid="batch-summary-text">
            {batchSummaryText(summary)}
          </Text>
        </Alert>
      ) : null}

      <Group justify="flex-end" gap="xs">
        <Button variant="default" onClick={onClose} data-testid="batch-close">
          {summary || error ? "Close" : running ? "Hide (it goes on)" : "Cancel"}
        </Button>
        {run === null ? (
          <Button onClick={() => void start()} disabled={chosen.size === 0} data-testid="batch-start">
            Update {chosen.size} container{chosen.size === 1 ? "" : "s"}
            {devices > 1 ? ` on ${devices} devices` : ""}
          </Button>
        ) : null}
      </Group>
    </Stack>
  );
}

function ItemRow({
  item,
  run,
  chosen,
  onToggle,
}: {
  item: BatchItem;
  run: BatchRun | null;
  chosen: boolean;
  onToggle: (uuid: string, on: boolean) => void;
}) {
  const state = run?.[item.uuid];
  const status = state ? itemStatus(state) : null;
  const detail = state ? itemDetail(state) : null;
  const lastLines = state?.view.outcome?.lastLines ?? [];
  return (
    <>
      <Table.Tr data-testid="batch-item" data-name={item.label} data-state={status?.text ?? "asked"}>
        {run === null ? (
          <Table.Td>
            <Checkbox aria-label={`Update ${item.label}`} checked={chosen} onChange={(e) => onToggle(item.uuid, e.currentTarget.checked)} />
          </Table.Td>
        ) : null}
        <Table.Td>
          <Text size="sm" fw={500} style={{ whiteSpace: "nowrap" }}>
            {item.label}
          </Text>
        </Table.Td>
        <Table.Td>
          <Text size="sm" c="dimmed" style={{ whiteSpace: "nowrap" }}>
            {item.deviceName}
          </Text>
        </Table.Td>
        <Table.Td>
          <ImageCell item={item} />
        </Table.Td>
        <Table.Td>
          {status ? (
            <Stack gap={2}>
              <Badge variant="light" color={TONES[status.tone]} size="sm" data-testid="batch-item-state">
                {status.text}
              </Badge>
              {status.fraction != null ? <Progress value={status.fraction * 100} size="xs" aria-label={`${item.label} pulled`} /> : null}
            </Stack>
          ) : null}
        </Table.Td>
      </Table.Tr>
      {detail ? (
        <Table.Tr>
          <Table.Td colSpan={run === null ? 5 : 4}>
            <Stack gap={4}>
              <Text size="xs" c={status?.tone === "warn" ? "orange" : "red"} data-testid="batch-item-detail">
                {detail}
              </Text>
              {lastLines.length > 0 ? (
                <ScrollArea.Autosize mah={120} type="auto">
                  <Code block className="sq-wrap">
                    {lastLines.join("\n")}
                  </Code>
                </ScrollArea.Autosize>
              ) : null}
            </Stack>
          </Table.Td>
        </Table.Tr>
      ) : null}
    </>
  );
}

function ImageCell({ item }: { item: BatchItem }) {
  if (item.from === item.to) {
    return (
      <Stack gap={0}>
        <Text size="xs" ff="monospace" className="sq-wrap">
          {item.to}
        </Text>
        <Text size="xs" c="dimmed">
          {item.hasUpdate ? "a new build under the same tag" : "pulled again; replaced only if it changed"}
        </Text>
      </Stack>
    );
  }
  const change = imageChange(item.from, item.to);
  return (
    <Stack gap={0}>
      {change.repository ? (
        <Text size="xs" c="dimmed" ff="monospace" className="sq-wrap">
          {change.repository}
        </Text>
      ) : null}
      <Text size="xs" ff="monospace" className="sq-wrap" data-testid="batch-item-change">
        {change.from} → <b>{change.to}</b>
      </Text>
    </Stack>
  );
}
