import { IconChevronDown, IconChevronUp, IconSelector } from "@tabler/icons-react";
import {
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type SortingState,
} from "@tanstack/react-table";
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useCallback, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type KeyboardEvent, type MouseEvent } from "react";
import type { Container, ContainerLoad, ContainerState, Finding } from "../../api/types";
import { HoverTips } from "../../components/HoverTips";
import { HealthBadge, StatusBadge } from "../../components/StatusBadge";
import { stateLabel } from "../../lib/containerState";
import { containerLabel, formatPorts, formatUnixSeconds, relativeTime, shortId, uptimeText } from "../../lib/format";
import { formatAsOf, formatAsOfFull, type Staleness } from "../../lib/staleness";
import { RowActions } from "./actions/ActionButtons";
import { CpuBar, MemoryBar } from "./LoadBars";
import { UpdateBadge } from "./UpdateBadge";
import { capabilitiesOf, imageText } from "../../lib/containerKinds";

export const ROW_HEIGHT = 46;

// CPU and memory have fixed widths: values arriving every round never move the layout.
// Narrow minimums keep all columns (actions included) visible in the default 1280 px window.
const GRID_TEMPLATE =
  "minmax(140px, 2.2fr) minmax(70px, 1fr) minmax(100px, 2fr) 140px 56px 70px 80px minmax(60px, 1.3fr) 184px";
const MIN_WIDTH = 1000;

const STATE_ORDER: Record<ContainerState, number> = {
  running: 0,
  restarting: 1,
  paused: 2,
  created: 3,
  exited: 4,
  dead: 5,
  removing: 6,
  unknown: 7,
};

// The cells are plain elements with classes, not layout components: scrolling mounts rows,
// and their cost is what a frame waits for.

function NameCell({ c }: { c: Container }) {
  const label = containerLabel(c);
  const hasDisplay = label !== c.name;
  return (
    <div className="sq-cell">
      <div className="sq-text-sm sq-strong sq-ellipsis" title={label} data-testid="container-label">
        {label}
      </div>
      {hasDisplay ? (
        <div className="sq-text-xs sq-dimmed sq-ellipsis" title={c.name} data-testid="container-engine-name">
          {c.name}
        </div>
      ) : (
        <div className="sq-text-xs sq-dimmed sq-mono sq-ellipsis">{shortId(c.engineId)}</div>
      )}
    </div>
  );
}

function PortsCell({ c }: { c: Container }) {
  const ports = formatPorts(c.ports);
  if (ports.length === 0) return <div className="sq-text-xs sq-dimmed">—</div>;
  return (
    <div className="sq-inline">
      <span className="sq-text-xs sq-mono sq-ellipsis" title={ports.join("\n")}>
        {ports[0]}
      </span>
      {ports.length > 1 ? (
        <span
          className="sq-badge"
          data-variant="outline"
          style={{ "--sq-badge-color": "var(--sq-border)", color: "var(--mantine-color-text)" } as CSSProperties}
          data-tip={ports.slice(1).join("\n")}
          data-tip-now=""
          data-testid="more-ports"
        >
          +{ports.length - 1}
        </span>
      ) : null}
    </div>
  );
}

/**
 * The status of a container whose device is not online: the state last seen, as of when the
 * device was last online (else as of the container's last recorded change), and why.
 */
function LastSeen({ c, stale, now }: { c: Container; stale: Staleness; now: number }) {
  const asOf = stale.since ?? c.updatedAt;
  const title = `Last seen ${stateLabel(c.state, c.exitCode)}${asOf != null ? `, as of ${formatAsOfFull(asOf)}` : ""}. ${stale.reason}`;
  return (
    <div className="sq-cell" style={{ display: "flex", flexDirection: "column", gap: 2 }} title={title} data-testid="last-seen">
      <StatusBadge state={c.state} exitCode={c.exitCode} lastSeen />
      <div className="sq-text-xs sq-dimmed sq-ellipsis" style={{ lineHeight: "14px" }} data-testid="last-seen-as-of">
        {asOf != null ? `as of ${formatAsOf(asOf, now)}` : "time unknown"}
      </div>
    </div>
  );
}

/** A load to sort by: running containers by value, the rest (and unsampled ones) last. */
function loadSortValue(c: Container, value: number | null | undefined): number {
  return c.state === "running" && value != null ? value : -1;
}

/** A component of its own: a header function made anew with the columns would remount. */
function ActionsHeader() {
  return <span style={{ display: "block", textAlign: "right" }}>Actions</span>;
}

/** The columns, for the header and for sorting; the cells are drawn by [`Row`]. */
function useColumns(deviceNames: Map<string, string>, loads: Map<string, ContainerLoad>): ColumnDef<Container>[] {
  return useMemo<ColumnDef<Container>[]>(
    () => [
      { id: "name", header: "Name", accessorFn: (c) => containerLabel(c).toLowerCase() },
      { id: "device", header: "Device", accessorFn: (c) => deviceNames.get(c.deviceUuid) ?? "" },
      { id: "image", header: "Image", accessorFn: (c) => imageText(c) },
      { id: "status", header: "Status", accessorFn: (c) => STATE_ORDER[c.state] ?? 99 },
      {
        id: "cpu",
        header: "CPU",
        accessorFn: (c) => loadSortValue(c, loads.get(c.uuid)?.cpuPercent),
        sortDescFirst: true,
      },
      {
        id: "memory",
        header: "Memory",
        accessorFn: (c) => loadSortValue(c, loads.get(c.uuid)?.memoryUsed),
        sortDescFirst: true,
      },
      { id: "created", header: "Created", accessorFn: (c) => c.created ?? 0, sortDescFirst: true },
      { id: "ports", header: "Ports", enableSorting: false },
      { id: "actions", header: ActionsHeader, enableSorting: false },
    ],
    [deviceNames, loads],
  );
}

interface RowProps {
  c: Container;
  index: number;
  start: number;
  deviceName: string;
  load: ContainerLoad | undefined;
  /** What the last update check found for it. */
  update: Finding | undefined;
  now: number;
  selected: boolean;
  /** Picked (with Ctrl or Shift), for something done to several containers at once. */
  picked: boolean;
  /** Set when the container's device is not online: one object per device, kept while unchanged. */
  stale: Staleness | null;
  /** While the table scrolls, the actions cell is left empty (see `ContainersTable`). */
  scrolling: boolean;
  onOpen: (uuid: string) => void;
  onPick: (uuid: string, range: boolean) => void;
  onUpdate: (uuid: string) => void;
}

/**
 * One row. Memoized: scrolling mounts the rows that come into view and leaves the others
 * alone; a stats round re-renders only the rows whose load changed.
 */
const Row = memo(function Row({ c, index, start, deviceName, load, update, now, selected, picked, stale, scrolling, onOpen, onPick, onUpdate }: RowProps) {
  const ref = useRef<HTMLDivElement>(null);
  const shown = useRef(c.uuid);
  // A row element is reused for whichever container comes into its slot (see SLOTS). Focus
  // belongs to a container, not to a slot: it follows the container to the row now showing
  // it, or leaves when that row is out of view (as it did when rows were unmounted).
  useLayoutEffect(() => {
    const before = shown.current;
    shown.current = c.uuid;
    const el = ref.current;
    if (before === c.uuid || !el || !el.contains(document.activeElement)) return;
    const moved = el.parentElement?.querySelector<HTMLElement>(`[data-uuid="${CSS.escape(before)}"]`);
    if (moved) moved.focus({ preventScroll: true });
    else (document.activeElement as HTMLElement | null)?.blur();
  }, [c.uuid]);
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.target !== e.currentTarget) return;
    if (e.key === "Enter") {
      e.preventDefault();
      onOpen(c.uuid);
    } else if (e.key === " ") {
      // Space picks, Shift+Space picks up to here, as in a file manager.
      e.preventDefault();
      onPick(c.uuid, e.shiftKey);
    }
  };
  // Ctrl (⌘) + click picks a row, Shift + click the rows up to it; a click opens it.
  const onClick = (e: MouseEvent<HTMLDivElement>) => {
    if (e.ctrlKey || e.metaKey || e.shiftKey) onPick(c.uuid, e.shiftKey);
    else onOpen(c.uuid);
  };
  return (
    <div
      ref={ref}
      role="row"
      tabIndex={0}
      aria-rowindex={index + 1}
      aria-label={containerLabel(c)}
      className="sq-grid sq-row"
      style={{ gridTemplateColumns: GRID_TEMPLATE, height: ROW_HEIGHT, transform: `translateY(${start}px)` }}
      data-testid="container-row"
      data-name={c.name}
      data-state={c.state}
      data-uuid={c.uuid}
      data-selected={selected}
      data-picked={picked || undefined}
      aria-selected={picked}
      data-stale={stale ? true : undefined}
      onClick={onClick}
      // A Shift+click picks rows; it does not select their text.
      onMouseDown={(e) => e.shiftKey && e.preventDefault()}
      onKeyDown={onKeyDown}
    >
      <div role="cell" className="sq-cell">
        <NameCell c={c} />
      </div>
      <div role="cell" className="sq-cell sq-text-sm sq-ellipsis" title={deviceName}>
        {deviceName || "—"}
      </div>
      <div role="cell" className="sq-cell">
        {/* The image, and under it what is newer: the badge never squeezes the name. */}
        {c.guest ? (
          <div className="sq-text-sm sq-ellipsis" title={capabilitiesOf(c.kind).label} data-testid="guest-where">
            {imageText(c)}
          </div>
        ) : (
          <>
            <div className="sq-text-sm sq-ellipsis" title={c.image}>
              {c.image}
            </div>
            <UpdateBadge finding={update} reference={c.image} onUpdate={stale ? undefined : () => onUpdate(c.uuid)} />
          </>
        )}
      </div>
      <div role="cell" className="sq-cell">
        {stale ? (
          <LastSeen c={c} stale={stale} now={now} />
        ) : (
          <div className="sq-inline">
            <StatusBadge state={c.state} exitCode={c.exitCode} />
            {c.health ? <HealthBadge health={c.health} /> : null}
          </div>
        )}
      </div>
      {/* The load bars change with every stats round: new data, by design. */}
      <div role="cell" className="sq-cell" data-live>
        <CpuBar c={c} load={load} />
      </div>
      <div role="cell" className="sq-cell" data-live>
        <MemoryBar c={c} load={load} />
      </div>
      {/* A relative time follows the clock. A Proxmox guest has no creation time: when it started. */}
      {c.guest ? (
        <div
          role="cell"
          className="sq-cell sq-text-xs sq-dimmed sq-ellipsis"
          title={c.guest.startedAt ? `Started ${formatUnixSeconds(c.guest.startedAt)}` : "Not running"}
          data-live
          data-testid="guest-uptime"
        >
          {uptimeText(c.guest.startedAt, now)}
        </div>
      ) : (
        <div role="cell" className="sq-cell sq-text-xs sq-dimmed sq-ellipsis" title={formatUnixSeconds(c.created)} data-live>
          {relativeTime(c.created, now)}
        </div>
      )}
      <div role="cell" className="sq-cell">
        <PortsCell c={c} />
      </div>
      <div role="cell" className="sq-cell">
        {/* A row holding the focus keeps its buttons: the focus may be on one of them. */}
        {scrolling && !ref.current?.contains(document.activeElement) ? null : (
          <RowActions container={c} unavailable={stale?.reason} />
        )}
      </div>
    </div>
  );
});

interface Props {
  containers: Container[];
  deviceNames: Map<string, string>;
  /** The newest load of each running container, by uuid. */
  loads: Map<string, ContainerLoad>;
  /** Each container's finding in the last update check, by uuid. */
  updates?: ReadonlyMap<string, Finding>;
  now: number;
  selectedUuid: string | null;
  /** The containers picked, and what to do when the picks change (no picking without it). */
  picked?: ReadonlySet<string>;
  onPickedChange?: (picked: Set<string>) => void;
  /** deviceUuid → why its containers are last seen, for the devices not online. */
  staleness?: ReadonlyMap<string, Staleness>;
  onOpen: (uuid: string) => void;
  /** The update badge was clicked: update that container. */
  onUpdate?: (uuid: string) => void;
}

/** Rows rendered beyond each edge of the view. */
const OVERSCAN = 4;

/**
 * Rows are keyed by slot (index modulo the slot count), not by container: scrolling then
 * updates the row elements leaving the view with the rows entering it, instead of
 * unmounting some and building new ones, which is what a fast scroll's frames waited for.
 * The slot count is what the view can render at once, so a shift of k rows reuses k rows;
 * never fewer than the rows rendered, so keys stay unique.
 */
function slotCount(viewHeight: number, rendered: number): number {
  return Math.max(rendered, Math.ceil(viewHeight / ROW_HEIGHT) + 2 * OVERSCAN + 2);
}

const NOT_STALE: ReadonlyMap<string, Staleness> = new Map();
const NOTHING_PICKED: ReadonlySet<string> = new Set();
const NO_LOADS: Map<string, ContainerLoad> = new Map();
const NO_UPDATES: ReadonlyMap<string, Finding> = new Map();

/** The virtualized all-hosts table: only the visible rows are in the DOM. */
export function ContainersTable({
  containers,
  deviceNames,
  loads,
  updates = NO_UPDATES,
  now,
  selectedUuid,
  staleness = NOT_STALE,
  onOpen,
  onUpdate,
  picked = NOTHING_PICKED,
  onPickedChange,
}: Props) {
  const [sorting, setSorting] = useState<SortingState>([{ id: "name", desc: false }]);
  // Loads change every stats round; the columns (and with them the sorted rows) follow them
  // only while the table is sorted by a load. Otherwise a round re-renders the visible rows
  // whose load changed and nothing else.
  const sortsByLoad = sorting.some((s) => s.id === "cpu" || s.id === "memory");
  const columns = useColumns(deviceNames, sortsByLoad ? loads : NO_LOADS);
  const table = useReactTable({
    data: containers,
    columns,
    state: { sorting },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getRowId: (c) => c.uuid,
  });
  const rows = table.getRowModel().rows;

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
    // A first guess until the scroll element is measured (also what jsdom tests see).
    initialRect: { width: 1200, height: 800 },
    getItemKey: (index) => rows[index]?.id ?? index,
  });

  const items = virtualizer.getVirtualItems();
  // The action buttons are a third of a row's paint. A row scrolled past at speed is not
  // clicked, so while the table scrolls they are left out, and they come back 150 ms after
  // it stops (the cell keeps its width: nothing moves).
  const scrolling = virtualizer.isScrolling;
  const slots = slotCount(virtualizer.scrollRect?.height ?? 800, items.length);

  // One stable callback for every row, so that a new `onOpen` does not re-render them all.
  const onOpenRef = useRef(onOpen);
  onOpenRef.current = onOpen;
  const open = useCallback((uuid: string) => onOpenRef.current(uuid), []);
  const onUpdateRef = useRef(onUpdate);
  onUpdateRef.current = onUpdate;
  const update = useCallback((uuid: string) => onUpdateRef.current?.(uuid), []);

  // Picking: a row on its own, or (with Shift) every row between the last one picked and
  // it, in the order shown.
  const pickRef = useRef({ picked, rows, onPickedChange, anchor: null as string | null });
  pickRef.current = { ...pickRef.current, picked, rows, onPickedChange };
  const pick = useCallback((uuid: string, range: boolean) => {
    const p = pickRef.current;
    if (!p.onPickedChange) return;
    const next = new Set(p.picked);
    const at = p.rows.findIndex((r) => r.id === uuid);
    const from = p.anchor === null ? -1 : p.rows.findIndex((r) => r.id === p.anchor);
    if (range && from >= 0 && at >= 0) {
      for (let i = Math.min(from, at); i <= Math.max(from, at); i++) next.add(p.rows[i].id);
    } else if (next.has(uuid)) {
      next.delete(uuid);
    } else {
      next.add(uuid);
    }
    p.anchor = uuid;
    p.onPickedChange(next);
  }, []);

  return (
    <HoverTips>
      <div
        ref={scrollRef}
        role="table"
        aria-label="Containers"
        aria-rowcount={rows.length}
        style={{ height: "100%", overflow: "auto", position: "relative" }}
        data-testid="containers-table"
      >
        <div style={{ minWidth: MIN_WIDTH }}>
          {table.getHeaderGroups().map((group) => (
            <div key={group.id} role="row" className="sq-grid sq-header" style={{ gridTemplateColumns: GRID_TEMPLATE }}>
              {group.headers.map((header) => {
                const content = flexRender(header.column.columnDef.header, header.getContext());
                const sorted = header.column.getIsSorted();
                return (
                  <div
                    key={header.id}
                    role="columnheader"
                    aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : undefined}
                  >
                    {header.column.getCanSort() ? (
                      <button
                        type="button"
                        className="sq-sort"
                        onClick={header.column.getToggleSortingHandler()}
                        aria-label={`Sort by ${String(header.column.columnDef.header)}`}
                      >
                        {content}
                        {sorted === "asc" ? (
                          <IconChevronUp size={12} />
                        ) : sorted === "desc" ? (
                          <IconChevronDown size={12} />
                        ) : (
                          <IconSelector size={12} opacity={0.5} />
                        )}
                      </button>
                    ) : (
                      content
                    )}
                  </div>
                );
              })}
            </div>
          ))}
          <div role="rowgroup" style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
            {items.map((item) => {
              const c = rows[item.index].original;
              const stale = staleness.get(c.deviceUuid) ?? null;
              return (
                <Row
                  key={item.index % slots}
                  c={c}
                  index={item.index}
                  start={item.start}
                  deviceName={deviceNames.get(c.deviceUuid) ?? ""}
                  // A load of a device that is not online is not a current one.
                  load={stale ? undefined : loads.get(c.uuid)}
                  update={updates.get(c.uuid)}
                  now={now}
                  selected={selectedUuid === c.uuid}
                  picked={picked.has(c.uuid)}
                  stale={stale}
                  scrolling={scrolling}
                  onOpen={open}
                  onPick={pick}
                  onUpdate={update}
                />
              );
            })}
          </div>
        </div>
      </div>
    </HoverTips>
  );
}
