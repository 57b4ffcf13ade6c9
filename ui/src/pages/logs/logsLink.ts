// Links to the Logs screen with containers picked elsewhere (the containers table):
// `#/logs?containers=<uuid>,<uuid>`; and to one container's kept history (its drawer):
// `#/logs?history=<timeline id>`.

/** The most containers merged at once: each is a stream (and an engine connection). */
export const MAX_MERGED = 12;

export function logsLink(uuids: readonly string[]): string {
  return `#/logs?containers=${uuids.map(encodeURIComponent).join(",")}`;
}

/** The containers a Logs link names (none for any other hash). */
export function containersInLink(hash: string): string[] {
  const match = /^#\/?logs\?(?:.*&)?containers=([^&]*)/.exec(hash);
  if (!match) return [];
  const out: string[] = [];
  for (const part of match[1].split(",")) {
    try {
      const uuid = decodeURIComponent(part);
      if (uuid && !out.includes(uuid)) out.push(uuid);
    } catch {
      // A malformed part names nothing.
    }
  }
  return out.slice(0, MAX_MERGED);
}

export function historyLink(timeline: number): string {
  return `#/logs?history=${timeline}`;
}

/** The timeline a Logs link opens in the history (`null` for any other hash). */
export function historyInLink(hash: string): number | null {
  const match = /^#\/?logs\?(?:.*&)?history=(\d{1,15})(?:&|$)/.exec(hash);
  return match ? Number(match[1]) : null;
}
