// The log history: lines the backend kept of containers, searched by word across every
// container (removed ones too) or within one, newest first, older pages on demand; the
// space it takes, and what it keeps.
import { ActionIcon, Alert, Button, Group, Popover, Progress, Select, Stack, Switch, Text, TextInput, Tooltip } from "@mantine/core";
import { IconAlertTriangle, IconHistory, IconRefresh, IconRegex, IconSearch, IconSettings, IconTrash } from "@tabler/icons-react";
import { notifications } from "@mantine/notifications";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useDevices } from "../../api/queries";
import { queryKeys } from "../../api/queryKeys";
import type { HistoryOverview, HistoryPage, HistoryQuery, LogTimeline } from "../../api/types";
import { call, errorMessage } from "../../api/unwrap";
import { historyLink } from "./logsLink";
import { commands } from "../../bindings";
import { LogBuffer, type LogSearch } from "./logBuffer";
import { LogViewer, type LogOrigin } from "./LogViewer";
import { ORIGIN_COLORS } from "./originColors";

/** Lines in one page of answers. */
export const HISTORY_PAGE = 2_000;
/** How long typing pauses before the search runs. */
const SEARCH_DELAY_MS = 250;

const BUDGETS = [256, 512, 1024, 2048, 5120, 10240].map((mib) => ({
  value: String(mib * 1024 * 1024),
  label: binaryBytes(mib * 1024 * 1024),
}));

/** A size in binary units, as the budget is chosen (1 GiB, 300 MiB, 12.5 MiB). */
export function binaryBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = value >= 100 || unit === 0 ? String(Math.round(value)) : value.toFixed(1).replace(/\.0$/, "");
  return `${shown} ${units[unit]}`;
}

/** What the view asks of the backend (a prop, so tests speak the same protocol). */
export interface HistoryApi {
  overview(): Promise<HistoryOverview>;
  query(query: HistoryQuery): Promise<HistoryPage>;
  setKeep(deviceUuid: string, name: string | null, keep: boolean | null): Promise<null>;
  setBudget(bytes: number): Promise<null>;
  forget(timeline: number): Promise<null>;
}

export const tauriHistoryApi: HistoryApi = {
  overview: () => call(commands.logHistoryOverview()),
  query: (query) => call(commands.logHistoryQuery(query)),
  setKeep: (deviceUuid, name, keep) => call(commands.logHistorySetKeep(deviceUuid, name, keep)),
  setBudget: (bytes) => call(commands.logHistorySetBudget(bytes)),
  forget: (timeline) => call(commands.logHistoryForget(timeline)),
};

/** The words of a search as a highlight (any of them, as typed, quotes dropped). */
export function highlightOf(text: string): LogSearch {
  const words = text
    .split(/"|\s+/)
    .map((w) => w.trim())
    .filter((w) => /[\p{L}\p{N}]/u.test(w))
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return { text: words.join("|"), regex: true, caseSensitive: false };
}

export function useHistoryOverview(api: HistoryApi = tauriHistoryApi, fresh = false) {
  // `fresh`: read again when the asking component mounts (a drawer opened), not only once.
  return useQuery({ queryKey: queryKeys.logHistory, queryFn: () => api.overview(), refetchOnMount: fresh ? "always" : true });
}

interface Results {
  buffer: LogBuffer;
  version: number;
  oldest: number | null;
  more: boolean;
  tookMs: number;
  /** The words (or the expression) these lines answer. */
  text: string;
  regex: boolean;
}

export function HistoryView({ api = tauriHistoryApi, initialTimeline = null }: { api?: HistoryApi; initialTimeline?: number | null }) {
  const overview = useHistoryOverview(api);
  const devices = useDevices();
  const [typed, setTyped] = useState("");
  const [text, setText] = useState("");
  // The text is a regular expression: every kept line is read (newest first, a few
  // seconds a page), as no word index helps.
  const [regex, setRegex] = useState(false);
  const [device, setDevice] = useState<string | null>(null);
  const [timeline, setTimeline] = useState<number | null>(initialTimeline);
  const [results, setResults] = useState<Results | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [following, setFollowing] = useState(true);
  const asked = useRef(0);

  useEffect(() => {
    const t = setTimeout(() => setText(typed), SEARCH_DELAY_MS);
    return () => clearTimeout(t);
  }, [typed]);

  const timelines = useMemo(() => overview.data?.timelines ?? [], [overview.data]);
  const deviceName = useMemo(() => new Map((devices.data ?? []).map((d) => [d.device.uuid, d.device.name])), [devices.data]);
  const manyDevices = new Set(timelines.map((t) => t.deviceUuid)).size > 1;
  const labelOf = useCallback(
    (t: LogTimeline) => `${t.name}${manyDevices ? ` · ${deviceName.get(t.deviceUuid) ?? "removed device"}` : ""}${t.removedAt != null ? " (removed)" : ""}`,
    [manyDevices, deviceName],
  );
  // Lines carry their timeline's id as their origin: the badges follow the list of
  // timelines without the lines being read again when it is refreshed.
  const origins = useMemo(() => {
    const byId: LogOrigin[] = [];
    timelines.forEach((t, k) => {
      byId[t.id ?? 0] = { name: labelOf(t), color: ORIGIN_COLORS[k % ORIGIN_COLORS.length] };
    });
    return byId;
  }, [timelines, labelOf]);

  const ask = useCallback(
    async (before: number | null, into: Results | null) => {
      const n = ++asked.current;
      setBusy(true);
      setError(null);
      const started = performance.now();
      try {
        const page = await api.query({ text, timeline, deviceUuid: device, before, limit: HISTORY_PAGE, regex });
        if (n !== asked.current) return;
        const buffer = into?.buffer ?? new LogBuffer();
        buffer.prepend(page.lines.map((l) => ({ line: l.line, origin: l.timeline ?? 0 })));
        setResults({
          buffer,
          version: (into?.version ?? 0) + 1,
          // A regular expression may stop on time before a full page: it goes on from
          // the oldest line it read.
          oldest: page.nextBefore ?? page.lines[0]?.id ?? into?.oldest ?? null,
          more: page.more,
          tookMs: performance.now() - started,
          text,
          regex,
        });
      } catch (e) {
        if (n === asked.current) setError(errorMessage(e));
      } finally {
        if (n === asked.current) setBusy(false);
      }
    },
    [api, text, timeline, device, regex],
  );

  const client = useQueryClient();
  useEffect(() => {
    setFollowing(true);
    void ask(null, null);
  }, [ask]);
  // A new search reads the timelines again too (a container removed meanwhile says so).
  useEffect(() => {
    if (text) void client.invalidateQueries({ queryKey: queryKeys.logHistory });
  }, [client, text]);

  const highlight = useMemo<LogSearch>(() => (regex ? { text, regex: true, caseSensitive: false } : highlightOf(text)), [text, regex]);
  const options = useMemo(() => ({ sources: new Set(["stdout", "stderr", "tty"] as const), timestamps: true, dates: true, wrap: false }), []);
  const chosen = timelines.find((t) => t.id === timeline) ?? null;
  const shownLines = results?.buffer.lines ?? 0;

  return (
    <Stack gap={0} style={{ flex: 1, minHeight: 0 }} data-testid="history-view">
      <Stack gap="xs" px="md" pb="xs">
        <HistoryStatus api={api} overview={overview.data} />
        <Group gap="xs" align="flex-end" wrap="wrap">
          <TextInput
            style={{ flex: "1 1 280px" }}
            size="xs"
            label="Search kept lines"
            placeholder={regex ? "A regular expression (without case unless (?-i))" : 'Words in any order, "a phrase", or the start of a word'}
            leftSection={<IconSearch size={14} />}
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            onKeyDown={(e) => e.key === "Enter" && setText(typed)}
            data-testid="history-search"
            rightSection={
              <Tooltip label={regex ? "Words (fast: the word index)" : "Regular expression (reads every kept line, newest first)"}>
                <ActionIcon
                  size="sm"
                  variant={regex ? "filled" : "subtle"}
                  aria-label="Regular expression"
                  aria-pressed={regex}
                  onClick={() => setRegex((r) => !r)}
                  data-testid="history-regex"
                >
                  <IconRegex size={14} />
                </ActionIcon>
              </Tooltip>
            }
          />
          <Select
            size="xs"
            w={170}
            label="Device"
            placeholder="All devices"
            clearable
            data={(devices.data ?? []).map((d) => ({ value: d.device.uuid, label: d.device.name }))}
            value={device}
            onChange={setDevice}
            data-testid="history-device"
          />
          <Select
            size="xs"
            w={240}
            label="Container"
            placeholder="All containers"
            clearable
            searchable
            nothingFoundMessage="None kept by that name"
            data={timelines.map((t) => ({ value: String(t.id), label: labelOf(t) }))}
            value={timeline == null ? null : String(timeline)}
            onChange={(v) => setTimeline(v == null ? null : Number(v))}
            data-testid="history-timeline"
          />
          {chosen ? <ForgetButton api={api} timeline={chosen} onForgotten={() => setTimeline(null)} /> : null}
        </Group>
        <Group gap="xs" justify="space-between" mih={26}>
          <Text size="xs" c="dimmed" data-testid="history-summary" data-busy={busy} data-text={results?.text ?? ""} data-regex={results?.regex ?? false}>
            {busy
              ? "Searching…"
              : results
                ? `${shownLines.toLocaleString()} ${text ? "matching " : ""}line${shownLines === 1 ? "" : "s"}${results.more ? ", newest first" : ""} · ${Math.round(results.tookMs)} ms`
                : ""}
          </Text>
          {results?.more ? (
            <Button size="compact-xs" variant="light" loading={busy} onClick={() => void ask(results.oldest, results)} data-testid="history-older">
              {results.regex ? "Read older lines" : `Load ${HISTORY_PAGE.toLocaleString()} older`}
            </Button>
          ) : null}
        </Group>
        {error ? (
          <Alert color="red" variant="light" icon={<IconAlertTriangle size={16} />} p="xs" data-testid="history-error">
            {error}
          </Alert>
        ) : null}
      </Stack>
      {overview.data && timelines.length === 0 ? (
        <Stack gap={4} px="md" data-testid="history-none">
          <Text size="sm">Nothing kept yet.</Text>
          <Text size="sm" c="dimmed">
            Squirrel keeps the logs of the local engine's running containers, and of the devices you turn on above, even while no window shows them. A recreated container continues its timeline; a removed one's lines stay here until the space runs short.
          </Text>
        </Stack>
      ) : results ? (
        <LogViewer
          origins={origins}
          buffer={results.buffer}
          version={results.version}
          options={options}
          search={highlight}
          onlyMatching={false}
          following={following}
          onFollowingChange={setFollowing}
          empty={
            <Text size="sm" c="dimmed" p="md" data-testid="history-empty">
              {!text ? "No kept line here yet." : results.more ? "None yet in the lines read: load older ones to read on." : regex ? "No kept line matches." : "No kept line has these words."}
            </Text>
          }
        />
      ) : null}
    </Stack>
  );
}

/** Space used against the budget, what is kept, and the settings. */
function HistoryStatus({ api, overview }: { api: HistoryApi; overview: HistoryOverview | undefined }) {
  const client = useQueryClient();
  const devices = useDevices();
  const [saving, setSaving] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  if (!overview) {
    return <Progress value={0} size="sm" animated={false} aria-label="Space used by the log history" />;
  }
  const used = overview.usedBytes ?? 0;
  const budget = overview.budgetBytes ?? 1;
  const share = Math.min(100, (used / budget) * 100);
  const apply = (key: string, change: Promise<unknown>) => {
    setSaving(key);
    setFailure(null);
    change
      .then(() => client.invalidateQueries({ queryKey: queryKeys.logHistory }))
      .catch((e: unknown) => setFailure(errorMessage(e)))
      .finally(() => setSaving(null));
  };
  return (
    <Group gap="sm" wrap="nowrap" data-testid="history-status">
      <IconHistory size={16} />
      <Tooltip label="Oldest lines are trimmed first when the space runs short">
        <Progress value={share} size="sm" w={160} color={share > 90 ? "orange" : "blue"} aria-label="Space used by the log history" data-testid="history-usage-bar" />
      </Tooltip>
      <Text size="xs" c="dimmed" data-testid="history-usage">
        {binaryBytes(used)} of {binaryBytes(budget)} · {overview.timelines.length} container{overview.timelines.length === 1 ? "" : "s"} · {overview.ingesting.length} kept live
        {overview.waiting ? ` · ${overview.waiting} waiting` : ""}
      </Text>
      <Tooltip label="Read again">
        <Button size="compact-xs" variant="subtle" onClick={() => void client.invalidateQueries({ queryKey: queryKeys.logHistory })} aria-label="Read the history's state again">
          <IconRefresh size={14} />
        </Button>
      </Tooltip>
      <Popover position="bottom-end" width={320} shadow="md" withinPortal>
        <Popover.Target>
          <Button size="compact-xs" variant="light" leftSection={<IconSettings size={14} />} data-testid="history-settings">
            What to keep
          </Button>
        </Popover.Target>
        <Popover.Dropdown>
          <Stack gap="xs">
            <Select
              size="xs"
              label="Space for kept logs"
              data={BUDGETS.some((b) => Number(b.value) === budget) ? BUDGETS : [...BUDGETS, { value: String(budget), label: binaryBytes(budget) }]}
              value={String(budget)}
              onChange={(v) => v && apply("budget", api.setBudget(Number(v)))}
              allowDeselect={false}
              comboboxProps={{ withinPortal: false }}
              data-testid="history-budget"
            />
            <Text size="xs" fw={500}>
              Keep the logs of every container on
            </Text>
            {(devices.data ?? []).map((d) => (
              <Switch
                key={d.device.uuid}
                size="xs"
                label={d.device.name}
                description={d.device.connection.type === "localSocket" ? "This computer's engine: on unless turned off" : undefined}
                checked={overview.keptDevices.includes(d.device.uuid)}
                disabled={saving !== null}
                onChange={(e) => apply(d.device.uuid, api.setKeep(d.device.uuid, null, e.currentTarget.checked))}
                data-testid="history-keep-device"
              />
            ))}
            {failure ? (
              <Text size="xs" c="red">
                {failure}
              </Text>
            ) : null}
          </Stack>
        </Popover.Dropdown>
      </Popover>
    </Group>
  );
}

/**
 * Whether the history keeps one container's logs (by its name on its device): its own
 * choice, else its device's. Turning it on or off is the container's own choice.
 */
export function KeepHistorySwitch({ deviceUuid, name, api = tauriHistoryApi }: { deviceUuid: string; name: string; api?: HistoryApi }) {
  const client = useQueryClient();
  const overview = useHistoryOverview(api);
  const [busy, setBusy] = useState(false);
  if (!overview.data) return null;
  const own = overview.data.settings.find((s) => s.deviceUuid === deviceUuid && s.name === name);
  const kept = own ? own.keep : overview.data.keptDevices.includes(deviceUuid);
  return (
    <Tooltip label={kept ? "Squirrel keeps this container's log, searchable under Logs › History, even after it is removed" : "Keep this container's log in the history (Logs › History)"}>
      <Switch
        size="xs"
        label="Keep history"
        checked={kept}
        disabled={busy}
        onChange={(e) => {
          setBusy(true);
          api
            .setKeep(deviceUuid, name, e.currentTarget.checked)
            .then(() => client.invalidateQueries({ queryKey: queryKeys.logHistory }))
            .catch((err: unknown) => notifications.show({ color: "red", title: "Could not change what is kept", message: errorMessage(err) }))
            .finally(() => setBusy(false));
        }}
        data-testid="log-keep-history"
      />
    </Tooltip>
  );
}

/** The timeline the history keeps under a container's name on its device, if any. */
export function timelineOf(overview: HistoryOverview | undefined, deviceUuid: string, name: string): LogTimeline | null {
  let found: LogTimeline | null = null;
  for (const t of overview?.timelines ?? []) {
    if (t.deviceUuid === deviceUuid && t.name === name && t.id != null && (found?.id == null || t.id > found.id)) found = t;
  }
  return found;
}

/** A link to a container's kept lines in Logs › History, once the history keeps its log. */
export function HistoryLink({ deviceUuid, name, api = tauriHistoryApi }: { deviceUuid: string; name: string; api?: HistoryApi }) {
  const overview = useHistoryOverview(api, true);
  const timeline = timelineOf(overview.data, deviceUuid, name);
  if (timeline?.id == null) return null;
  return (
    <Tooltip label={`Search the kept log of ${name} (${(timeline.lines ?? 0).toLocaleString()} lines) in Logs › History, removed containers of that name included`}>
      <ActionIcon component="a" href={historyLink(timeline.id)} variant="subtle" size="sm" aria-label="Open its kept history" data-testid="log-open-history">
        <IconHistory size={16} />
      </ActionIcon>
    </Tooltip>
  );
}

/** Forgets a timeline's lines, after a second click that says how many. */
function ForgetButton({ api, timeline, onForgotten }: { api: HistoryApi; timeline: LogTimeline; onForgotten: () => void }) {
  const client = useQueryClient();
  const [armed, setArmed] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => setArmed(false), [timeline.id]);
  return (
    <Button
      size="xs"
      variant={armed ? "filled" : "light"}
      color="red"
      loading={busy}
      leftSection={<IconTrash size={14} />}
      onBlur={() => setArmed(false)}
      onClick={() => {
        if (!armed) {
          setArmed(true);
          return;
        }
        setBusy(true);
        api
          .forget(timeline.id ?? 0)
          .then(() => client.invalidateQueries({ queryKey: queryKeys.logHistory }))
          .then(onForgotten)
          .catch((e: unknown) => notifications.show({ color: "red", title: "Could not forget these lines", message: errorMessage(e) }))
          .finally(() => setBusy(false));
      }}
      data-testid="history-forget"
    >
      {armed ? `Forget ${(timeline.lines ?? 0).toLocaleString()} lines` : "Forget"}
    </Button>
  );
}

