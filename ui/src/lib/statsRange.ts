/** The history ranges charts offer. */
export const RANGES = [
  { key: "1h", label: "1h", title: "Last hour", seconds: 3_600 },
  { key: "24h", label: "24h", title: "Last 24 hours", seconds: 86_400 },
  { key: "7d", label: "7d", title: "Last 7 days", seconds: 7 * 86_400 },
  { key: "30d", label: "30d", title: "Last 30 days", seconds: 30 * 86_400 },
] as const;

export type RangeKey = (typeof RANGES)[number]["key"];

export const DEFAULT_RANGE: RangeKey = "1h";

export function rangeSeconds(key: RangeKey): number {
  return RANGES.find((r) => r.key === key)?.seconds ?? 3_600;
}

/** Now, in Unix seconds. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The live charts' window, in seconds. */
export const LIVE_WINDOW_SECS = 120;

/** Samples of the live stream, in Unix seconds (1 Hz): tolerate one lost sample before a gap. */
export const LIVE_STEP_SECS = 1.5;

/** What empty stats views say. */
export const FIRST_SAMPLES_HINT = "The first samples arrive about 20 seconds after a container starts.";
