// The Logs screen: the logs of several containers, on one device or several, interleaved by
// time with a coloured badge per container. Containers are picked by name, by device, or by
// compose project (`com.docker.compose.project`).
import { Badge, Chip, Group, MultiSelect, SegmentedControl, Select, Stack, Text, Title } from "@mantine/core";
import { IconFileText } from "@tabler/icons-react";
import { useMemo, useRef, useState } from "react";
import { useContainers, useDevices } from "../../api/queries";
import type { Container, LogQuery, LogSource } from "../../api/types";
import { containerLabel } from "../../lib/format";
import type { LogSearch } from "./logBuffer";
import { HistoryView, type HistoryApi } from "./HistoryView";
import { LogDownloadButton, type LogSaver } from "./logDownload";
import { LogSearchBox, LogViewer, type LogOrigin } from "./LogViewer";
import { containersInLink, historyInLink, MAX_MERGED } from "./logsLink";
import { ORIGIN_COLORS } from "./originColors";
import { useMergedLogs } from "./useMergedLogs";
import type { LogOpener, LogStreamState } from "./useLogStream";
import { capabilitiesOf, isDockerDevice } from "../../lib/containerKinds";

export { MAX_MERGED } from "./logsLink";

const COMPOSE_PROJECT = "com.docker.compose.project";

const TAILS = [
  { value: "100", label: "Last 100 lines each" },
  { value: "500", label: "Last 500 lines each" },
  { value: "2000", label: "Last 2,000 lines each" },
];

function statusText(state: LogStreamState | undefined): string {
  if (!state || state.status === "opening") return "opening";
  if (state.status === "live") return "live";
  if (state.status === "failed") return state.message;
  return state.kind === "stopped" ? "stopped" : state.kind === "complete" ? "ended" : state.message;
}

type Mode = "live" | "history";

export function LogsPage({
  open,
  save,
  initial = [],
  history,
  mode: initialMode = "live",
}: {
  open?: LogOpener;
  save?: LogSaver;
  initial?: string[];
  history?: HistoryApi;
  mode?: Mode;
}) {
  // A container's drawer links to its history: that timeline opens.
  const [linkedTimeline] = useState(() => historyInLink(window.location.hash));
  const [mode, setMode] = useState<Mode>(linkedTimeline != null ? "history" : initialMode);
  // Picked here, or named by the link that opened the screen (the containers table's picks).
  const [picked, setPicked] = useState<string[]>(() => (initial.length > 0 ? initial : containersInLink(window.location.hash)));
  return (
    <Stack gap={0} h="100%" data-testid="logs-page">
      <Group gap="xs" p="md" pb="xs" justify="space-between">
        <Group gap="xs">
          <IconFileText size={22} />
          <Title order={3}>Logs</Title>
        </Group>
        <SegmentedControl
          size="xs"
          value={mode}
          onChange={(v) => setMode(v as Mode)}
          data={[
            { value: "live", label: <span data-testid="logs-mode-live">Live</span> },
            { value: "history", label: <span data-testid="logs-mode-history">History</span> },
          ]}
          data-testid="logs-mode"
        />
      </Group>
      {mode === "live" ? <LiveLogs open={open} save={save} picked={picked} setPicked={setPicked} /> : <HistoryView api={history} initialTimeline={linkedTimeline} />}
    </Stack>
  );
}

/** The live logs of the picked containers, merged. */
function LiveLogs({
  open,
  save,
  picked,
  setPicked,
}: {
  open?: LogOpener;
  save?: LogSaver;
  picked: string[];
  setPicked: React.Dispatch<React.SetStateAction<string[]>>;
}) {
  const containers = useContainers();
  const devices = useDevices();
  const [tail, setTail] = useState("100");
  const [sources, setSources] = useState<ReadonlySet<LogSource>>(new Set(["stdout", "stderr", "tty"]));
  const [search, setSearch] = useState<LogSearch>({ text: "", regex: false, caseSensitive: false });
  const [onlyMatching, setOnlyMatching] = useState(false);
  const [following, setFollowing] = useState(true);
  const matchNav = useRef<((d: 1 | -1) => void) | null>(null);

  // Only what has a log (not a Proxmox guest).
  const withLogs = useMemo(() => (containers.data ?? []).filter((c) => capabilitiesOf(c.kind).logs), [containers.data]);
  const byUuid = useMemo(() => new Map((containers.data ?? []).map((c) => [c.uuid, c])), [containers.data]);
  const deviceName = useMemo(() => new Map((devices.data ?? []).map((d) => [d.device.uuid, d.device.name])), [devices.data]);
  const data = useMemo(() => {
    const groups = new Map<string, { value: string; label: string }[]>();
    for (const c of [...withLogs].sort((a, b) => containerLabel(a).localeCompare(containerLabel(b)))) {
      const group = deviceName.get(c.deviceUuid) ?? "Unknown device";
      groups.set(group, [...(groups.get(group) ?? []), { value: c.uuid, label: containerLabel(c) }]);
    }
    return [...groups].map(([group, items]) => ({ group, items }));
  }, [withLogs, deviceName]);
  const projects = useMemo(() => {
    const names = new Set<string>();
    for (const c of containers.data ?? []) if (c.labels[COMPOSE_PROJECT]) names.add(c.labels[COMPOSE_PROJECT]);
    return [...names].sort();
  }, [containers.data]);

  const add = (more: Container[]) => setPicked((p) => [...new Set([...p, ...more.map((c) => c.uuid)])].slice(0, MAX_MERGED));

  // Only containers still known are streamed.
  const shown = picked.filter((u) => byUuid.has(u));
  const query = useMemo<LogQuery>(() => ({ tail: Number(tail), since: null, until: null, follow: true, stdout: true, stderr: true }), [tail]);
  const { buffer, version, states } = useMergedLogs(shown, query, open);
  const origins = useMemo<LogOrigin[]>(
    () =>
      shown.map((u, k) => {
        const c = byUuid.get(u);
        const name = c ? containerLabel(c) : u;
        const onDevice = devices.data && devices.data.length > 1 && c ? ` (${deviceName.get(c.deviceUuid) ?? "?"})` : "";
        return { name: name + onDevice, color: ORIGIN_COLORS[k % ORIGIN_COLORS.length] };
      }),
    [shown, byUuid, deviceName, devices.data],
  );
  const options = useMemo(() => ({ sources, timestamps: true, wrap: false }), [sources]);

  return (
    <Stack gap={0} style={{ flex: 1, minHeight: 0 }}>
      <Stack gap="xs" px="md" pb="xs">
        <Group gap="xs" align="flex-end" wrap="wrap">
          <MultiSelect
            style={{ flex: "1 1 320px" }}
            size="xs"
            label="Containers"
            placeholder={picked.length ? undefined : "Pick containers to read their logs side by side"}
            data={data}
            value={picked}
            onChange={(v) => setPicked(v.slice(0, MAX_MERGED))}
            searchable
            clearable
            maxValues={MAX_MERGED}
            nothingFoundMessage="No container by that name"
            data-testid="logs-pick"
          />
          <Select
            size="xs"
            w={190}
            label="Add a device's containers"
            placeholder="Device"
            data={(devices.data ?? []).filter(isDockerDevice).map((d) => ({ value: d.device.uuid, label: d.device.name }))}
            value={null}
            onChange={(d) => d && add(withLogs.filter((c) => c.deviceUuid === d))}
            data-testid="logs-add-device"
          />
          <Select
            size="xs"
            w={190}
            label="Add a compose project"
            placeholder={projects.length ? "Project" : "No compose project"}
            disabled={projects.length === 0}
            data={projects}
            value={null}
            onChange={(p) => p && add(withLogs.filter((c) => c.labels[COMPOSE_PROJECT] === p))}
            data-testid="logs-add-project"
          />
          <Select size="xs" w={180} label="How far back" data={TAILS} value={tail} onChange={(v) => v && setTail(v)} allowDeselect={false} />
        </Group>
        {shown.length > 0 ? (
          <Group gap={6} wrap="wrap" data-testid="logs-legend">
            {origins.map((o, k) => (
              <Badge
                key={shown[k]}
                variant="outline"
                radius="sm"
                style={{ borderColor: o.color, color: o.color }}
                data-testid="logs-legend-item"
                data-status={states[k]?.status}
                title={statusText(states[k])}
              >
                {o.name} · {statusText(states[k])}
              </Badge>
            ))}
          </Group>
        ) : null}
        <Group gap="xs" wrap="wrap">
          <div style={{ flex: "1 1 260px" }}>
            <LogSearchBox search={search} onChange={setSearch} onNext={(d) => matchNav.current?.(d)} />
          </div>
          <Chip size="xs" checked={onlyMatching} onChange={setOnlyMatching} disabled={!search.text}>
            Only matching
          </Chip>
          {(["stdout", "stderr"] as const).map((s) => (
            <Chip
              key={s}
              size="xs"
              color={s === "stderr" ? "red" : "blue"}
              checked={sources.has(s)}
              onChange={() =>
                setSources((all) => {
                  const next = new Set(all);
                  if (next.has(s)) next.delete(s);
                  else next.add(s);
                  return next;
                })
              }
            >
              {s}
            </Chip>
          ))}
          <LogDownloadButton
            save={save}
            what={() => ({
              uuids: shown,
              query: { tail: null, since: null, until: null, follow: false, stdout: sources.has("stdout"), stderr: sources.has("stderr") },
              timestamps: true,
              fileName: shown.length === 1 ? `${origins[0]?.name ?? "container"}.log` : "merged.log",
            })}
            tooltip="Save these containers' whole logs, merged by time, each line after its container's name"
            disabled={shown.length === 0 || (!sources.has("stdout") && !sources.has("stderr"))}
          />
        </Group>
      </Stack>
      {shown.length === 0 ? (
        <Text c="dimmed" size="sm" px="md" data-testid="logs-none">
          Pick one or more containers above (up to {MAX_MERGED}): their lines are shown together, in time order, each with its container's name.
        </Text>
      ) : (
        <LogViewer
          origins={origins}
          buffer={buffer}
          version={version + buffer.version}
          options={options}
          search={search}
          onlyMatching={onlyMatching && search.text !== ""}
          following={following}
          onFollowingChange={setFollowing}
          matchNav={matchNav}
          empty={
            <Text size="sm" c="dimmed" p="md" data-testid="log-empty">
              {states.some((s) => s.status === "opening") ? "Reading the logs…" : "No line yet."}
            </Text>
          }
        />
      )}
    </Stack>
  );
}
