// A virtualized log view: only the rows in view are in the DOM, whatever the line count (a
// million lines scroll as ten). Rows are one line high until wrapped; wrapped rows are
// measured as they show, and their positions kept in a Fenwick tree (RowHeights).
import { ActionIcon, Badge, Button, Code, CopyButton, Group, Stack, Text, TextInput, Tooltip } from "@mantine/core";
import {
  IconArrowDown,
  IconChevronDown,
  IconChevronUp,
  IconCopy,
  IconLetterCase,
  IconRegex,
  IconSearch,
  IconX,
} from "@tabler/icons-react";
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { LogSource } from "../../api/types";
import { LogBuffer, searchPattern, type LogEntry, type LogFilter, type LogSearch } from "./logBuffer";
import { LogLineText } from "./LogLineText";
import { RowHeights } from "./rowHeights";

export const LOG_ROW_HEIGHT = 20;
const OVERSCAN = 10;

export interface LogViewOptions {
  sources: ReadonlySet<LogSource>;
  timestamps: boolean;
  /** Times with their day (a history spans days). */
  dates?: boolean;
  wrap: boolean;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

const dayFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "2-digit", day: "2-digit" });

function formatTime(ms: number, dates = false): string {
  const d = new Date(ms);
  const time = `${timeFormat.format(d)}.${String(Math.floor(ms % 1000)).padStart(3, "0")}`;
  return dates ? `${dayFormat.format(d)} ${time}` : time;
}

/** The text of a line as JSON, pretty, when it is a JSON object or array. */
export function prettyJson(text: string): string | null {
  const t = text.trim();
  if (!(t.startsWith("{") && t.endsWith("}")) && !(t.startsWith("[") && t.endsWith("]"))) return null;
  try {
    return JSON.stringify(JSON.parse(t), null, 2);
  } catch {
    return null;
  }
}

/** A log of a merged view: its name on each of its lines, in its colour. */
export interface LogOrigin {
  name: string;
  color: string;
}

interface RowProps {
  entry: LogEntry;
  origin?: LogOrigin;
  row: number;
  top: number;
  wrap: boolean;
  timestamps: boolean;
  dates: boolean;
  selected: boolean;
  current: boolean;
  pattern: RegExp | null;
  onSelect: (row: number) => void;
  onReadGap?: (entry: LogEntry) => void;
}

const LogRow = memo(function LogRow({ entry, origin, row, top, wrap, timestamps, dates, selected, current, pattern, onSelect, onReadGap }: RowProps) {
  if (entry.kind === "skipped") {
    return (
      <div className="sq-log-row sq-log-gap" style={{ top }} data-row={row} data-testid="log-gap" role="row">
        {origin ? <OriginBadge origin={origin} /> : null}
        <Text size="xs" c="orange">
          {entry.count.toLocaleString()} lines skipped while the window caught up ({formatTime(entry.from)} to {formatTime(entry.to)})
        </Text>
        {onReadGap ? (
          <Button size="compact-xs" variant="light" color="orange" onClick={() => onReadGap(entry)}>
            Show them
          </Button>
        ) : null}
      </div>
    );
  }
  const { line, level } = entry;
  return (
    <div
      className="sq-log-row"
      style={{ top, whiteSpace: wrap ? "pre-wrap" : "pre", height: wrap ? undefined : LOG_ROW_HEIGHT }}
      data-row={row}
      data-source={line.source}
      data-ts={line.ts ?? 0}
      data-level={level ?? undefined}
      data-selected={selected || undefined}
      data-current={current || undefined}
      data-testid="log-line"
      role="row"
      aria-selected={selected}
      onMouseDown={(e) => {
        // A click selects the line; a drag selects text.
        if (e.detail === 1) onSelect(row);
      }}
    >
      {timestamps ? <span className="sq-log-time">{formatTime(line.ts ?? 0, dates)}</span> : null}
      {origin ? <OriginBadge origin={origin} /> : null}
      {line.source === "stderr" ? <span className="sq-log-err">err</span> : null}
      <span className="sq-log-text">
        <LogLineText text={line.text} pattern={pattern} />
      </span>
    </div>
  );
});

function OriginBadge({ origin }: { origin: LogOrigin }) {
  return (
    <span className="sq-log-origin" style={{ borderColor: origin.color, color: origin.color }} data-testid="log-origin" title={origin.name}>
      {origin.name}
    </span>
  );
}

interface Props {
  /** The logs of a merged view, by origin index: each line is badged with its own. */
  origins?: readonly LogOrigin[];
  buffer: LogBuffer;
  version: number;
  options: LogViewOptions;
  search: LogSearch;
  onlyMatching: boolean;
  following: boolean;
  onFollowingChange: (following: boolean) => void;
  onReadGap?: (entry: LogEntry) => void;
  /** Shown when there is no line to show. */
  empty: React.ReactNode;
  /** Set to the viewer's "go to the next (1) or previous (-1) match", for the search box. */
  matchNav?: React.MutableRefObject<((direction: 1 | -1) => void) | null>;
}

/** The rows of a log, with search navigation, selection, and following the newest line. */
export function LogViewer({ origins, buffer, version, options, search, onlyMatching, following, onFollowingChange, onReadGap, empty, matchNav }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = useState({ top: 0, height: 400 });
  const pattern = useMemo(() => {
    const p = searchPattern(search);
    return p instanceof RegExp ? p : null;
  }, [search]);
  const filter = useMemo<LogFilter>(() => ({ sources: options.sources, onlyMatching }), [options.sources, onlyMatching]);
  // The rows shown depend on the search only when they are the matching ones: a search
  // otherwise highlights and counts, and the million rows stay as they are.
  const rowPattern = onlyMatching ? pattern : null;

  // The rows shown: entry indexes that pass the filter, extended as lines arrive.
  const viewRef = useRef<{ buffer: LogBuffer; filter: LogFilter; pattern: RegExp | null; dropped: number; replaced: number; scanned: number; rows: number[] } | null>(null);
  const view = useMemo(() => {
    const v = viewRef.current;
    if (!v || v.buffer !== buffer || v.filter !== filter || v.pattern !== rowPattern || v.dropped !== buffer.droppedCount || v.replaced !== buffer.version || v.scanned > buffer.size) {
      const rows = buffer.collect(filter, rowPattern);
      viewRef.current = { buffer, filter, pattern: rowPattern, dropped: buffer.droppedCount, replaced: buffer.version, scanned: buffer.size, rows };
    } else if (v.scanned < buffer.size) {
      buffer.collect(filter, rowPattern, v.rows, v.scanned);
      v.scanned = buffer.size;
    }
    return viewRef.current!.rows;
    // `version` says the buffer grew.
  }, [buffer, filter, rowPattern, version]);
  const rowCount = view.length;

  const heights = useMemo(() => new RowHeights(LOG_ROW_HEIGHT), []);
  const [, setMeasured] = useState(0);
  const layoutKey = `${options.wrap}|${[...filter.sources].join()}|${onlyMatching}|${String(rowPattern)}|${buffer.droppedCount}|${buffer.version}`;
  const lastLayout = useRef("");
  // Heights are kept only while rows wrap: unwrapped, a row's top is its index times the
  // row height, and a million rows need no 16 MB of heights.
  if (lastLayout.current !== layoutKey) {
    lastLayout.current = layoutKey;
    heights.reset(options.wrap ? rowCount : 0);
  } else if (options.wrap && heights.size !== rowCount) {
    heights.setCount(rowCount);
  }
  const total = options.wrap ? heights.total() : rowCount * LOG_ROW_HEIGHT;

  // Matches of the search, for next / previous.
  // Extended as the view grows, like the view itself: a search stays on while lines come.
  const matchRef = useRef<{ view: readonly number[]; pattern: RegExp; scanned: number; rows: number[] } | null>(null);
  const matchRows = useMemo(() => {
    if (!pattern) return [];
    const m = matchRef.current;
    if (!m || m.view !== view || m.pattern !== pattern || m.scanned > view.length) {
      matchRef.current = { view, pattern, scanned: view.length, rows: buffer.matchRows(view, pattern) };
    } else if (m.scanned < view.length) {
      buffer.matchRows(view, pattern, m.scanned, m.rows);
      m.scanned = view.length;
    }
    return matchRef.current!.rows;
    // `version` says the view grew.
  }, [buffer, view, pattern, version]);
  const [current, setCurrent] = useState(-1);
  const [selected, setSelected] = useState<number | null>(null);
  useEffect(() => setCurrent(-1), [pattern]);

  const startOf = useCallback((row: number) => (options.wrap ? heights.start(row) : row * LOG_ROW_HEIGHT), [options.wrap, heights]);
  const rowAt = useCallback(
    (y: number) => (options.wrap ? heights.indexAt(y) : Math.min(Math.max(0, Math.floor(y / LOG_ROW_HEIGHT)), Math.max(0, rowCount - 1))),
    [options.wrap, heights, rowCount],
  );

  const scrollToRow = useCallback(
    (row: number) => {
      const el = scrollRef.current;
      if (!el) return;
      const top = startOf(row);
      const height = options.wrap ? heights.height(row) : LOG_ROW_HEIGHT;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + height > el.scrollTop + el.clientHeight) el.scrollTop = top + height - el.clientHeight;
    },
    [startOf, options.wrap, heights],
  );

  // Following: the newest line stays in view as lines come.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (following && el) el.scrollTop = el.scrollHeight;
  }, [following, total, version]);

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const read = () => setViewport({ top: el.scrollTop, height: el.clientHeight });
    read();
    const observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(read);
    observer?.observe(el);
    return () => observer?.disconnect();
  }, []);

  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    setViewport({ top: el.scrollTop, height: el.clientHeight });
    const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - 4;
    if (following && !atEnd) onFollowingChange(false);
    else if (!following && atEnd && rowCount > 0) onFollowingChange(true);
  };

  // Wrapped rows are measured once shown.
  const rowsRef = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    if (!options.wrap || !rowsRef.current) return;
    let changed = false;
    for (const el of rowsRef.current.querySelectorAll<HTMLElement>("[data-row]")) {
      const row = Number(el.dataset.row);
      if (heights.set(row, el.offsetHeight)) changed = true;
    }
    if (changed) setMeasured((n) => n + 1);
  });

  const first = rowCount === 0 ? 0 : Math.max(0, rowAt(viewport.top) - OVERSCAN);
  const last = rowCount === 0 ? -1 : Math.min(rowCount - 1, rowAt(viewport.top + viewport.height) + OVERSCAN);

  const goToMatch = (direction: 1 | -1) => {
    if (matchRows.length === 0) return;
    let next: number;
    if (current < 0) {
      // From the view: the first match below its top, or the last above it.
      const top = rowAt(viewport.top);
      const k = matchRows.findIndex((r) => r >= top);
      next = direction === 1 ? (k < 0 ? 0 : k) : k <= 0 ? matchRows.length - 1 : k - 1;
    } else {
      next = (current + direction + matchRows.length) % matchRows.length;
    }
    setCurrent(next);
    onFollowingChange(false);
    scrollToRow(matchRows[next]);
  };

  if (matchNav) matchNav.current = goToMatch;

  const selectedEntry = selected !== null && selected < rowCount ? buffer.at(view[selected]) : undefined;
  const selectedLine = selectedEntry?.kind === "line" ? selectedEntry : null;

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const page = Math.max(1, Math.floor(viewport.height / LOG_ROW_HEIGHT) - 1);
    const move = (to: number) => {
      e.preventDefault();
      const row = Math.min(Math.max(0, to), rowCount - 1);
      if (row < 0) return;
      setSelected(row);
      onFollowingChange(row === rowCount - 1 && following);
      scrollToRow(row);
    };
    const at = selected ?? rowAt(viewport.top);
    if (e.key === "ArrowDown") move(at + 1);
    else if (e.key === "ArrowUp") move(at - 1);
    else if (e.key === "PageDown") move(at + page);
    else if (e.key === "PageUp") move(at - page);
    else if (e.key === "Home") move(0);
    else if (e.key === "End") {
      e.preventDefault();
      setSelected(null);
      onFollowingChange(true);
    } else if (e.key === "Escape" && selected !== null) {
      e.preventDefault();
      setSelected(null);
    } else if ((e.ctrlKey || e.metaKey) && e.key === "c" && selectedLine && !window.getSelection()?.toString()) {
      e.preventDefault();
      void navigator.clipboard?.writeText(selectedLine.text);
    }
  };

  const onSelect = useCallback((row: number) => setSelected((s) => (s === row ? null : row)), []);
  const currentRow = current >= 0 ? matchRows[current] : -1;

  const rows = [];
  for (let r = first; r <= last; r++) {
    const entry = buffer.at(view[r]);
    if (!entry) continue;
    rows.push(
      <LogRow
        key={view[r]}
        entry={entry}
        origin={entry.origin !== undefined ? origins?.[entry.origin] : undefined}
        row={r}
        top={startOf(r)}
        wrap={options.wrap}
        timestamps={options.timestamps}
        dates={options.dates ?? false}
        selected={selected === r}
        current={currentRow === r}
        pattern={pattern}
        onSelect={onSelect}
        onReadGap={onReadGap}
      />,
    );
  }

  return (
    <Stack gap={0} style={{ flex: 1, minHeight: 0 }}>
      <Group gap="xs" px="md" py={4} justify="space-between" wrap="nowrap" className="sq-log-status">
        <Text size="xs" c="dimmed" data-testid="log-count">
          {rowCount.toLocaleString()} {rowCount === 1 ? "line" : "lines"}
          {rowCount !== buffer.size ? ` shown of ${buffer.lines.toLocaleString()}` : ""}
          {buffer.droppedCount > 0 ? ` (older lines left the view)` : ""}
        </Text>
        {pattern ? (
          <Group gap={4} wrap="nowrap">
            <Text size="xs" c="dimmed" data-testid="log-matches" data-pattern={search.text}>
              {matchRows.length === 0 ? "no match" : current >= 0 ? `${current + 1} of ${matchRows.length}` : `${matchRows.length} ${matchRows.length === 1 ? "match" : "matches"}`}
            </Text>
            <ActionIcon size="sm" variant="subtle" aria-label="Previous match" onClick={() => goToMatch(-1)} disabled={matchRows.length === 0}>
              <IconChevronUp size={14} />
            </ActionIcon>
            <ActionIcon size="sm" variant="subtle" aria-label="Next match" onClick={() => goToMatch(1)} disabled={matchRows.length === 0} data-testid="log-next-match">
              <IconChevronDown size={14} />
            </ActionIcon>
          </Group>
        ) : null}
      </Group>
      <div style={{ position: "relative", flex: 1, minHeight: 0 }}>
        <div
          ref={scrollRef}
          className="sq-log-scroll"
          tabIndex={0}
          role="grid"
          aria-label="Log lines"
          aria-rowcount={rowCount}
          data-testid="log-view"
          onScroll={onScroll}
          onKeyDown={onKeyDown}
        >
          {rowCount === 0 ? (
            empty
          ) : (
            <div ref={rowsRef} style={{ height: total, position: "relative" }} role="rowgroup">
              {rows}
            </div>
          )}
        </div>
        {!following && rowCount > 0 ? (
          <Button
            size="compact-sm"
            radius="xl"
            leftSection={<IconArrowDown size={14} />}
            className="sq-log-jump"
            onClick={() => {
              setSelected(null);
              onFollowingChange(true);
            }}
            data-testid="log-jump"
          >
            Jump to newest
          </Button>
        ) : null}
      </div>
      {selectedLine ? <LineDetails entry={selectedLine} onClose={() => setSelected(null)} /> : null}
    </Stack>
  );
}

/** The selected line whole: its text (pretty when JSON) and a copy button. */
function LineDetails({ entry, onClose }: { entry: Extract<LogEntry, { kind: "line" }>; onClose: () => void }) {
  const json = useMemo(() => prettyJson(entry.text), [entry.text]);
  const text = json ?? entry.text;
  return (
    <Stack gap={4} px="md" py="xs" className="sq-log-details" data-testid="log-details">
      <Group justify="space-between" wrap="nowrap">
        <Group gap="xs">
          <Text size="xs" c="dimmed">
            {new Date(entry.line.ts ?? 0).toLocaleString()} · {entry.line.source}
            {entry.level ? ` · ${entry.level}` : ""} · {entry.text.length.toLocaleString()} characters
          </Text>
          {json ? <Badge size="xs" variant="light">JSON</Badge> : null}
        </Group>
        <Group gap={4}>
          <CopyButton value={text}>
            {({ copied, copy }) => (
              <Tooltip label={copied ? "Copied" : "Copy the line"}>
                <ActionIcon size="sm" variant="subtle" onClick={copy} aria-label="Copy the line" color={copied ? "teal" : undefined}>
                  <IconCopy size={14} />
                </ActionIcon>
              </Tooltip>
            )}
          </CopyButton>
          <ActionIcon size="sm" variant="subtle" onClick={onClose} aria-label="Close the line">
            <IconX size={14} />
          </ActionIcon>
        </Group>
      </Group>
      <Code block className="sq-log-details-text">
        {json ?? <LogLineText text={entry.line.text} pattern={null} full />}
      </Code>
    </Stack>
  );
}

/** The search box with its case and regex toggles; Enter and Shift+Enter go to the next and previous match. */
export function LogSearchBox({
  search,
  onChange,
  onNext,
  inputRef,
}: {
  search: LogSearch;
  onChange: (s: LogSearch) => void;
  onNext: (direction: 1 | -1) => void;
  inputRef?: React.Ref<HTMLInputElement>;
}) {
  const pattern = searchPattern(search);
  const error = typeof pattern === "string" ? pattern : null;
  return (
    <TextInput
      ref={inputRef}
      size="xs"
      placeholder="Search (/)"
      aria-label="Search the log"
      value={search.text}
      error={error}
      leftSection={<IconSearch size={14} />}
      data-testid="log-search"
      onChange={(e) => onChange({ ...search, text: e.currentTarget.value })}
      onKeyDown={(e) => {
        if (e.key === "Enter") {
          e.preventDefault();
          onNext(e.shiftKey ? -1 : 1);
        } else if (e.key === "Escape" && search.text) {
          e.preventDefault();
          e.stopPropagation();
          onChange({ ...search, text: "" });
        }
      }}
      rightSectionWidth={56}
      rightSection={
        <Group gap={2} wrap="nowrap">
          <Tooltip label="Match case">
            <ActionIcon
              size="sm"
              variant={search.caseSensitive ? "filled" : "subtle"}
              aria-label="Match case"
              aria-pressed={search.caseSensitive}
              onClick={() => onChange({ ...search, caseSensitive: !search.caseSensitive })}
            >
              <IconLetterCase size={14} />
            </ActionIcon>
          </Tooltip>
          <Tooltip label="Regular expression">
            <ActionIcon
              size="sm"
              variant={search.regex ? "filled" : "subtle"}
              aria-label="Regular expression"
              aria-pressed={search.regex}
              onClick={() => onChange({ ...search, regex: !search.regex })}
            >
              <IconRegex size={14} />
            </ActionIcon>
          </Tooltip>
        </Group>
      }
    />
  );
}

