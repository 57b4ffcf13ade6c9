import { ROW_HEIGHT } from "../pages/containers/ContainersTable";

/** `rows=N&width=W&height=H` from the floor table's address, bounded. */
export function floorTableSize(query: string): { rows: number; width: number; height: number } {
  const params = new URLSearchParams(query);
  const bounded = (key: string, fallback: number, max: number) => {
    const n = Math.trunc(Number(params.get(key)));
    return Number.isFinite(n) && n > 0 ? Math.min(n, max) : fallback;
  };
  return { rows: bounded("rows", 5_000, 20_000), width: bounded("width", 1_000, 8_000), height: bounded("height", 600, 8_000) };
}

const CELLS = ["bench-00000", "busybox:local", "exited (0)", "This computer", "2 hours ago", "0.0 %", "0 B", "none"];

/**
 * The scroll floor of the window benchmark: as many rows as the containers table, of its
 * height, with as much plain text, rendered once, with no script per frame. Scrolling it
 * costs what the web view costs to show a screen of text; the table's frames are reported
 * beside it.
 */
export function FloorTable({ rows, width, height }: { rows: number; width: number; height: number }) {
  return (
    <div data-testid="containers-table" style={{ width, height, overflow: "auto" }}>
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} data-testid="container-row" style={{ height: ROW_HEIGHT, display: "flex", alignItems: "center", gap: 16, padding: "0 12px" }}>
          {CELLS.map((text, k) => (
            <span key={k} style={{ flex: 1, overflow: "hidden", whiteSpace: "nowrap" }}>
              {k === 0 ? `bench-${String(i).padStart(5, "0")}` : text}
            </span>
          ))}
        </div>
      ))}
    </div>
  );
}
