import { LOCALE } from "./intl";
import type { Container, PortMapping } from "../api/types";

/** The name to show first: the local display name if set, else the engine name. */
export function containerLabel(c: Pick<Container, "name" | "displayName">): string {
  const display = c.displayName?.trim();
  return display ? display : c.name;
}

const ANY_ADDRESS = new Set(["", "0.0.0.0", "::", "[::]"]);

/** `8080→80/tcp`, `127.0.0.1:8080→80/tcp`, or `80/tcp` when not published. */
export function formatPort(p: PortMapping): string {
  const target = `${p.privatePort}/${p.protocol}`;
  if (p.publicPort == null) return target;
  const ip = p.ip ?? "";
  const host = ANY_ADDRESS.has(ip) ? "" : ip.includes(":") ? `[${ip}]:` : `${ip}:`;
  return `${host}${p.publicPort}→${target}`;
}

/** Formatted ports, deduplicated (Docker lists IPv4 and IPv6 bindings separately), published first. */
export function formatPorts(ports: readonly PortMapping[]): string[] {
  const sorted = [...ports].sort(
    (a, b) =>
      Number(b.publicPort != null) - Number(a.publicPort != null) ||
      (a.publicPort ?? 0) - (b.publicPort ?? 0) ||
      a.privatePort - b.privatePort ||
      a.protocol.localeCompare(b.protocol),
  );
  return [...new Set(sorted.map(formatPort))];
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago", "4 mo ago", "1 y ago". */
/** How long something has been up since it started: "up 3 h", or "—" when it is not. */
export function uptimeText(startedAt: number | null | undefined, nowMs: number = Date.now()): string {
  if (startedAt == null || startedAt <= 0) return "—";
  const ago = relativeTime(startedAt, nowMs);
  return ago.endsWith(" ago") ? `up ${ago.slice(0, -4)}` : ago === "just now" ? "started just now" : ago;
}

export function relativeTime(unixSeconds: number | null | undefined, nowMs: number = Date.now()): string {
  if (unixSeconds == null || !Number.isFinite(unixSeconds) || unixSeconds <= 0) return "—";
  const diff = Math.round(nowMs / 1000 - unixSeconds);
  if (diff < 0) return diff > -60 ? "just now" : "in the future";
  if (diff < 10) return "just now";
  if (diff < 60) return `${diff} s ago`;
  const minutes = Math.floor(diff / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  if (days < 30) return `${days} d ago`;
  const months = Math.floor(days / 30);
  if (months < 12) return `${months} mo ago`;
  return `${Math.floor(days / 365)} y ago`;
}

const BYTE_UNITS = ["B", "kB", "MB", "GB", "TB", "PB"];

/** Decimal units, like the Docker CLI: 1.2 GB, 345 MB, 12 kB, 512 B. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes) || bytes < 0) return "—";
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${Number(value.toFixed(digits))} ${BYTE_UNITS[unit]}`;
}

/** The 12-character form of an engine or image id. */
export function shortId(id: string | null | undefined): string {
  if (!id) return "—";
  const bare = id.includes(":") ? id.slice(id.indexOf(":") + 1) : id;
  return bare.slice(0, 12);
}

/** Local date-time of an ISO timestamp; Docker's zero time ("0001-01-01...") means never. */
export function formatTimestamp(iso: string | null | undefined): string {
  if (!iso || iso.startsWith("0001-01-01")) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(LOCALE);
}

/** Unix seconds as a local date-time. */
export function formatUnixSeconds(unixSeconds: number | null | undefined): string {
  if (unixSeconds == null || unixSeconds <= 0) return "—";
  return new Date(unixSeconds * 1000).toLocaleString(LOCALE);
}

/** An argv as a shell-ish line; arguments with spaces or quotes are quoted. */
export function formatArgv(argv: readonly string[] | null | undefined): string {
  if (!argv || argv.length === 0) return "—";
  return argv.map((a) => (a === "" || /[\s"'\\]/.test(a) ? JSON.stringify(a) : a)).join(" ");
}

/** A percentage: "0.25%", "12.3%", "250%" (CPU is percent of one core, so it may exceed 100). */
export function formatPercent(percent: number | null | undefined): string {
  if (percent == null || !Number.isFinite(percent)) return "—";
  const abs = Math.abs(percent);
  const digits = abs === 0 ? 0 : abs < 1 ? 2 : abs < 100 ? 1 : 0;
  return `${Number(percent.toFixed(digits))}%`;
}

/** Percent of one core as a rounded number of cores, or null when there is none. */
function coreCount(cpuPercent: number | null | undefined): number | null {
  if (cpuPercent == null || !Number.isFinite(cpuPercent) || cpuPercent < 0) return null;
  const cores = cpuPercent / 100;
  const digits = cores === 0 ? 0 : cores < 0.1 ? 3 : cores < 10 ? 2 : 1;
  return Number(cores.toFixed(digits));
}

/** Percent of one core as cores: 250 → "2.5 cores", 100 → "1 core", 3 → "0.03 cores". */
export function formatCores(cpuPercent: number | null | undefined): string {
  const value = coreCount(cpuPercent);
  if (value === null) return "—";
  return `${value} ${value === 1 ? "core" : "cores"}`;
}

/** CPU use against a `--cpus` limit: "0.49 of 0.5 cores allowed". */
export function formatCoresOf(cpuPercent: number | null | undefined, cpus: number): string {
  return `${coreCount(cpuPercent) ?? "—"} of ${formatCores(cpus * 100)} allowed`;
}

/** Bytes per second, in the units of formatBytes: "1.2 MB/s". */
export function formatRate(bytesPerSecond: number | null | undefined): string {
  const bytes = formatBytes(bytesPerSecond);
  return bytes === "—" ? bytes : `${bytes}/s`;
}

/** A whole-unit duration: "10 s", "90 s", "5 min", "1 h", "1 d". */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return "—";
  if (seconds < 60 || seconds % 60 !== 0) return `${seconds} s`;
  if (seconds < 3600 || seconds % 3600 !== 0) return `${seconds / 60} min`;
  if (seconds < 86_400 || seconds % 86_400 !== 0) return `${seconds / 3600} h`;
  return `${seconds / 86_400} d`;
}

/** A stats interval: "every 10 s", "every 5 min", "off". */
export function formatInterval(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return "—";
  if (seconds <= 0) return "off";
  return `every ${formatSeconds(seconds)}`;
}

/** "the container is not running" → "The container is not running." */
export function asSentence(text: string): string {
  const t = text.trim();
  if (t === "") return t;
  const head = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(head) ? head : `${head}.`;
}
