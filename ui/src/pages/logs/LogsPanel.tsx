// A container's live log: the stream, the query (how far back), the view's options, search,
// and what the stream's end means for the user.
import { ActionIcon, Alert, Button, Chip, Group, Loader, Select, Stack, Text, Tooltip } from "@mantine/core";
import { IconClock, IconPlayerPause, IconPlayerPlay, IconRefresh, IconTextWrap } from "@tabler/icons-react";
import { useEffect, useMemo, useReducer, useRef, useState } from "react";
import type { ContainerState, LogLine, LogQuery, LogSource } from "../../api/types";
import { errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";
import type { LogEntry, LogSearch } from "./logBuffer";
import { HistoryLink, KeepHistorySwitch, type HistoryApi } from "./HistoryView";
import { linesOf } from "./logColumns";
import { LogDownloadButton, tauriLogSaver, type LogSaver } from "./logDownload";
import { LogSearchBox, LogViewer } from "./LogViewer";
import { tauriLogOpener, useLogStream, type LogOpener } from "./useLogStream";

const TAILS = [
  { value: "100", label: "Last 100 lines" },
  { value: "500", label: "Last 500 lines" },
  { value: "1000", label: "Last 1,000 lines" },
  { value: "5000", label: "Last 5,000 lines" },
  { value: "all", label: "Whole log" },
];

const SINCE = [
  { value: "any", label: "Any time" },
  { value: "900", label: "Last 15 minutes" },
  { value: "3600", label: "Last hour" },
  { value: "21600", label: "Last 6 hours" },
  { value: "86400", label: "Last day" },
];

/** Reads a range of the log at once (for a gap), through a stream of its own. */
function readRange(open: LogOpener, containerUuid: string, fromMs: number, toMs: number): Promise<LogLine[]> {
  return new Promise((resolve, reject) => {
    const lines: LogLine[] = [];
    const query: LogQuery = {
      tail: null,
      since: Math.floor(fromMs / 1000),
      until: Math.ceil(toMs / 1000) + 1,
      follow: false,
      stdout: true,
      stderr: true,
    };
    let stream: number | null = null;
    let newest = 0;
    open(containerUuid, query, (event) => {
      if (event.type === "lines") {
        lines.push(...linesOf(event.lines));
        newest = event.seq;
        if (stream !== null) void commands.logsAck(stream, newest).catch(() => {});
      } else if (event.type === "ended") {
        if (event.kind === "complete") resolve(lines);
        else reject(new Error(event.message));
      }
    })
      .then((id) => {
        stream = id;
        // Batches that came before the id did.
        if (newest > 0) void commands.logsAck(id, newest).catch(() => {});
      })
      .catch(reject);
  });
}

interface Props {
  containerUuid: string;
  /** The container's name, for the file a download suggests. */
  name?: string;
  save?: LogSaver;
  /** The container's state as the inventory knows it: a stopped log resumes when it runs again. */
  state: ContainerState | undefined;
  /** When the inventory last changed the container: a start after the log ended changes it. */
  updatedAt?: number | null;
  /** The drawer's tab is shown (a hidden tab keeps no stream open). */
  active: boolean;
  open?: LogOpener;
  /** The container's device and engine name: whether the history keeps it is shown and set. */
  keep?: { deviceUuid: string; name: string };
  historyApi?: HistoryApi;
}

export function LogsPanel({ containerUuid, name = "container", save = tauriLogSaver, state, updatedAt = null, active, open = tauriLogOpener, keep, historyApi }: Props) {
  const [tail, setTail] = useState("500");
  const [since, setSince] = useState("any");
  const [generation, setGeneration] = useState(0);
  const query = useMemo<LogQuery>(
    () => ({
      tail: tail === "all" ? null : Number(tail),
      since: since === "any" ? null : Math.floor(Date.now() / 1000) - Number(since),
      until: null,
      follow: true,
      stdout: true,
      stderr: true,
    }),
    // A new generation opens the stream again (and reads "since" anew).
    [tail, since, generation],
  );
  const { buffer, version, state: streamState } = useLogStream(active ? containerUuid : null, query, open, generation);

  const [sources, setSources] = useState<ReadonlySet<LogSource>>(new Set(["stdout", "stderr", "tty"]));
  const [timestamps, setTimestamps] = useState(true);
  const [wrap, setWrap] = useState(false);
  const [following, setFollowing] = useState(true);
  const [search, setSearch] = useState<LogSearch>({ text: "", regex: false, caseSensitive: false });
  const [onlyMatching, setOnlyMatching] = useState(false);
  const [gapError, setGapError] = useState<string | null>(null);
  // A gap filled changes the buffer in place: render again.
  const [, refilled] = useReducer((n: number) => n + 1, 0);
  const options = useMemo(() => ({ sources, timestamps, wrap }), [sources, timestamps, wrap]);
  const matchNav = useRef<((d: 1 | -1) => void) | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);

  // A log that ended because the container stopped goes on when it runs again: once the
  // inventory changed the container after the end (the stream can end before the inventory
  // heard of the stop) and says it runs.
  const ended = streamState.status === "ended" ? streamState.kind : null;
  const endedAt = useRef<number | null | undefined>(undefined);
  useEffect(() => {
    if (ended !== "stopped") {
      endedAt.current = undefined;
      return;
    }
    if (endedAt.current === undefined) endedAt.current = updatedAt;
    else if (state === "running" && updatedAt !== endedAt.current) setGeneration((g) => g + 1);
  }, [ended, state, updatedAt]);

  // A download: the chosen range and outputs, whole, straight to a file.
  const downloadWhat = () => ({
    uuids: [containerUuid],
    query: { tail: null, since: query.since, until: null, follow: false, stdout: sources.has("stdout"), stderr: sources.has("stderr") },
    timestamps,
    fileName: `${name}.log`,
  });

  const onReadGap = (entry: LogEntry) => {
    if (entry.kind !== "skipped") return;
    setGapError(null);
    readRange(open, containerUuid, entry.from, entry.to)
      .then((lines) => {
        buffer.fillGap(entry, lines);
        refilled();
      })
      .catch((e: unknown) => setGapError(errorMessage(e)));
  };

  const toggleSource = (source: LogSource) =>
    setSources((s) => {
      const next = new Set(s);
      if (next.has(source)) next.delete(source);
      else next.add(source);
      return next;
    });

  const empty =
    streamState.status === "opening" ? (
      <Group gap="xs" p="md" data-testid="log-loading">
        <Loader size="xs" />
        <Text size="sm" c="dimmed">
          Reading the log…
        </Text>
      </Group>
    ) : (
      <Text size="sm" c="dimmed" p="md" data-testid="log-empty">
        {buffer.size === 0 ? "The log is empty for this range." : "No line matches."}
      </Text>
    );

  return (
    <Stack
      gap={0}
      style={{ flex: 1, minHeight: 0 }}
      data-testid="logs-panel"
      onKeyDown={(e) => {
        if (e.key === "/" && !(e.target instanceof HTMLInputElement)) {
          e.preventDefault();
          searchRef.current?.focus();
        }
      }}
    >
      <Group gap="xs" px="md" py="xs" wrap="wrap">
        <div style={{ flex: "1 1 220px" }}>
          <LogSearchBox search={search} onChange={setSearch} onNext={(d) => matchNav.current?.(d)} inputRef={searchRef} />
        </div>
        <Chip size="xs" checked={onlyMatching} onChange={setOnlyMatching} disabled={!search.text} data-testid="log-only-matching">
          Only matching
        </Chip>
        <Select size="xs" w={150} data={TAILS} value={tail} onChange={(v) => v && setTail(v)} aria-label="How many lines" allowDeselect={false} />
        <Select size="xs" w={150} data={SINCE} value={since} onChange={(v) => v && setSince(v)} aria-label="Since when" allowDeselect={false} />
      </Group>
      <Group gap="xs" px="md" pb="xs" justify="space-between" wrap="wrap">
        <Group gap={6}>
          {(["stdout", "stderr"] as const).map((s) => (
            <Chip key={s} size="xs" checked={sources.has(s)} onChange={() => toggleSource(s)} color={s === "stderr" ? "red" : "blue"} data-testid={`log-source-${s}`}>
              {s}
            </Chip>
          ))}
          <Tooltip label={timestamps ? "Hide times" : "Show times"}>
            <ActionIcon variant={timestamps ? "light" : "subtle"} aria-label="Show times" aria-pressed={timestamps} onClick={() => setTimestamps((t) => !t)}>
              <IconClock size={16} />
            </ActionIcon>
          </Tooltip>
          <Tooltip label={wrap ? "Do not wrap lines" : "Wrap lines"}>
            <ActionIcon variant={wrap ? "light" : "subtle"} aria-label="Wrap lines" aria-pressed={wrap} onClick={() => setWrap((w) => !w)} data-testid="log-wrap">
              <IconTextWrap size={16} />
            </ActionIcon>
          </Tooltip>
        </Group>
        <Group gap={6}>
          {keep ? <KeepHistorySwitch deviceUuid={keep.deviceUuid} name={keep.name} api={historyApi} /> : null}
          {keep ? <HistoryLink deviceUuid={keep.deviceUuid} name={keep.name} api={historyApi} /> : null}
          <StreamStatus state={streamState} />
          <LogDownloadButton
            save={save}
            what={downloadWhat}
            tooltip="Save the log (this range, these outputs, whole) to a file"
            disabled={!sources.has("stdout") && !sources.has("stderr")}
          />
          <Button
            size="compact-xs"
            variant="light"
            leftSection={following ? <IconPlayerPause size={12} /> : <IconPlayerPlay size={12} />}
            onClick={() => setFollowing((f) => !f)}
            data-testid="log-follow"
          >
            {following ? "Pause scrolling" : "Follow"}
          </Button>
        </Group>
      </Group>
      {streamState.status === "failed" ? (
        <Alert color="red" mx="md" mb="xs" title="Could not read the log" data-testid="log-error">
          {streamState.message}
          <Button size="compact-xs" variant="light" ml="sm" leftSection={<IconRefresh size={12} />} onClick={() => setGeneration((g) => g + 1)}>
            Try again
          </Button>
        </Alert>
      ) : null}
      {gapError ? (
        <Alert color="orange" mx="md" mb="xs" withCloseButton onClose={() => setGapError(null)} title="Could not read the skipped lines">
          {gapError}
        </Alert>
      ) : null}
      <LogViewer
        buffer={buffer}
        version={version + buffer.version}
        options={options}
        search={search}
        onlyMatching={onlyMatching && search.text !== ""}
        following={following}
        onFollowingChange={setFollowing}
        onReadGap={onReadGap}
        empty={empty}
        matchNav={matchNav}
      />
    </Stack>
  );
}

function StreamStatus({ state }: { state: ReturnType<typeof useLogStream>["state"] }) {
  if (state.status === "live") {
    return (
      <Text size="xs" c="teal" data-testid="log-status" data-status="live">
        ● live
      </Text>
    );
  }
  if (state.status === "ended") {
    const text =
      state.kind === "stopped"
        ? "The container stopped; the log goes on when it starts again."
        : state.kind === "complete"
          ? "End of the log."
          : state.message;
    return (
      <Text size="xs" c={state.kind === "failed" || state.kind === "deviceGone" ? "red" : "dimmed"} data-testid="log-status" data-status={state.kind}>
        {text}
      </Text>
    );
  }
  return null;
}
