// A safe update of many containers as the dialog follows it: which ones, each one's run
// folded from the events that name it, and how the whole batch ended, in words.
import type { Container, Finding } from "../../../api/types";
import type { BatchEvent_Serialize as BatchEvent, BatchSummary } from "../../../bindings";
import { containerLabel } from "../../../lib/format";
import { pullFraction } from "../../templates/deployProgress";
import { applyStep, START, targetImage, type RunView } from "./recreateRun";

export interface BatchItem {
  uuid: string;
  label: string;
  deviceUuid: string;
  deviceName: string;
  from: string;
  to: string;
  /** The last check found something newer (else the image is only pulled again). */
  hasUpdate: boolean;
}

/** The containers to offer, by device then name; the update's target from the last check. */
export function batchItems(
  containers: readonly Container[],
  findings: ReadonlyMap<string, Finding>,
  deviceNames: ReadonlyMap<string, string>,
): BatchItem[] {
  return containers
    .map((c) => {
      const finding = findings.get(c.uuid);
      return {
        uuid: c.uuid,
        label: containerLabel(c),
        deviceUuid: c.deviceUuid,
        deviceName: deviceNames.get(c.deviceUuid) ?? c.deviceUuid,
        from: c.image,
        to: targetImage(c.image, finding),
        hasUpdate: finding?.kind === "available",
      };
    })
    .sort((a, b) => a.deviceName.localeCompare(b.deviceName) || a.label.localeCompare(b.label));
}

export interface ItemRun {
  view: RunView;
  /** Not touched, and why. */
  refused: string | null;
}

export type BatchRun = Readonly<Record<string, ItemRun>>;

export function startBatch(uuids: readonly string[]): BatchRun {
  return Object.fromEntries(uuids.map((u) => [u, { view: START, refused: null }]));
}

/** The batch after one more event; an event about a container not asked is dropped. */
export function applyBatchEvent(run: BatchRun, event: BatchEvent): BatchRun {
  const item = run[event.containerUuid];
  if (!item) return run;
  const next: ItemRun =
    event.kind === "refused" ? { ...item, refused: event.error } : { ...item, view: applyStep(item.view, event.step) };
  return { ...run, [event.containerUuid]: next };
}

export type ItemTone = "waiting" | "busy" | "ok" | "same" | "warn" | "bad";

export interface ItemStatus {
  text: string;
  tone: ItemTone;
  /** The pull's bytes, 0 to 1, while it pulls and the sizes are known. */
  fraction: number | null;
  ended: boolean;
}

const STEP_TEXT = {
  pulling: "Pulling",
  stopping: "Stopping",
  creating: "Creating",
  starting: "Starting",
  checking: "Watching",
} as const;

/** One container's state in a few words. */
export function itemStatus(item: ItemRun): ItemStatus {
  if (item.refused) return { text: "Not started", tone: "bad", fraction: null, ended: true };
  const v = item.view;
  if (v.outcome) {
    switch (v.outcome.result.kind) {
      case "replaced":
        return { text: "Updated", tone: "ok", fraction: null, ended: true };
      case "upToDate":
        return { text: "Up to date", tone: "same", fraction: null, ended: true };
      case "rolledBack":
        return { text: "Rolled back", tone: "warn", fraction: null, ended: true };
      case "failed":
        return { text: "Failed", tone: "bad", fraction: null, ended: true };
    }
  }
  if (v.rollingBack) return { text: "Rolling back", tone: "warn", fraction: null, ended: false };
  if (v.step === null) return { text: "Waiting", tone: "waiting", fraction: null, ended: false };
  if (v.step === "pulling" && v.pull) {
    const f = pullFraction(v.pull);
    return { text: f == null ? "Pulling" : `Pulling ${Math.round(f * 100)} %`, tone: "busy", fraction: f, ended: false };
  }
  if (v.step === "checking" && v.seconds != null) {
    return { text: `Watching · ≤ ${v.seconds} s`, tone: "busy", fraction: null, ended: false };
  }
  return { text: STEP_TEXT[v.step], tone: "busy", fraction: null, ended: false };
}

/** Why an item ended as it did, when that needs saying. */
export function itemDetail(item: ItemRun): string | null {
  if (item.refused) return item.refused;
  const r = item.view.outcome?.result;
  if (r?.kind === "rolledBack") return `The new container failed: ${r.reason}. The previous one runs again as it was.`;
  if (r?.kind === "failed") return r.error;
  return null;
}

/** How many of the batch have ended. */
export function endedCount(run: BatchRun): number {
  return Object.values(run).filter((i) => itemStatus(i).ended).length;
}

/** The batch's end in a sentence. */
export function batchSummaryText(s: BatchSummary): string {
  const parts: string[] = [];
  const n = (count: number, what: string) => {
    if (count > 0) parts.push(`${count} ${what}`);
  };
  n(s.replaced, "updated");
  n(s.upToDate, "already up to date");
  n(s.rolledBack, "rolled back");
  n(s.failed, "failed");
  n(s.refused, "not started");
  return parts.length === 0 ? "Nothing was asked." : `${parts.join(", ")}.`;
}

export function summaryColor(s: BatchSummary): "teal" | "orange" | "red" {
  if (s.failed > 0 || s.refused > 0) return "red";
  if (s.rolledBack > 0) return "orange";
  return "teal";
}

/** A reference split as `repository` and the rest (`:tag`, `@digest`), for showing a change. */
function splitReference(reference: string): [string, string] {
  const at = reference.indexOf("@");
  const name = at >= 0 ? reference.slice(0, at) : reference;
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  const cut = colon > slash ? colon : name.length;
  return [reference.slice(0, cut), reference.slice(cut)];
}

/** What an update changes in a reference: the repository said once when it stays. */
export function imageChange(from: string, to: string): { repository: string | null; from: string; to: string } {
  const [repoFrom, restFrom] = splitReference(from);
  const [repoTo, restTo] = splitReference(to);
  if (repoFrom !== repoTo || from === to) return { repository: null, from, to };
  return { repository: repoFrom, from: restFrom.replace(/^:/, "") || "latest", to: restTo.replace(/^:/, "") || "latest" };
}
