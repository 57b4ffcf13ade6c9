// A deploy's progress as the wizard shows it: one entry per target, moved along by the
// events of the deploy's channel. Each target goes on its own: one failing leaves the others
// running. Pure functions (no React), so the events can be replayed in tests.
import type { DeployEvent, DeployStep, LayerProgress, PullProgress, TargetOutcome } from "./types";

/** What `data-state` says of a target: still going, running its container, or failed. */
export type TargetState = "running" | "done" | "failed";

export interface TargetProgress {
  deviceUuid: string;
  deviceName: string;
  state: TargetState;
  /** The last step the target reported; null before the first. */
  step: DeployStep | null;
  /** The image pull, once one started. */
  pull: PullSummary | null;
  warnings: string[];
  engineId: string | null;
  /** The container as the inventory knows it (null until it has seen it). */
  containerUuid: string | null;
  /** Why it failed. */
  error: string | null;
  /** What the failed deploy had created there and removed again, in words. */
  cleanedUp: string[];
}

/** A pull as shown: layers in the order the engine named them, with the sums. */
export interface PullSummary {
  layers: LayerProgress[];
  layersDone: number;
  bytesDone: number | null;
  bytesTotal: number | null;
  status: string | null;
}

export interface DeployProgress {
  targets: TargetProgress[];
  /** The deploy command returned (or failed as a whole). */
  finished: boolean;
  /** Why the whole deploy was refused or broke off, if it was. */
  error: string | null;
}

/** A target's name for the panels before any event arrives. */
export interface TargetRef {
  deviceUuid: string;
  deviceName: string;
}

function freshTarget({ deviceUuid, deviceName }: TargetRef): TargetProgress {
  return {
    deviceUuid,
    deviceName,
    state: "running",
    step: null,
    pull: null,
    warnings: [],
    engineId: null,
    containerUuid: null,
    error: null,
    cleanedUp: [],
  };
}

/** The progress of a deploy that has just been sent: every target waiting. */
export function startProgress(targets: readonly TargetRef[]): DeployProgress {
  return { targets: targets.map(freshTarget), finished: false, error: null };
}

export function summarise(progress: PullProgress): PullSummary {
  return {
    layers: progress.layers,
    layersDone: progress.layersDone,
    bytesDone: progress.bytesDone,
    bytesTotal: progress.bytesTotal,
    status: progress.status ?? null,
  };
}

/** The target of `deviceUuid` changed by `change`; a device not listed yet is added. */
function updateTarget(
  progress: DeployProgress,
  deviceUuid: string,
  change: (t: TargetProgress) => TargetProgress,
): DeployProgress {
  const index = progress.targets.findIndex((t) => t.deviceUuid === deviceUuid);
  const current = index >= 0 ? progress.targets[index] : freshTarget({ deviceUuid, deviceName: deviceUuid });
  const next = change(current);
  if (next === current) return progress;
  const targets = [...progress.targets];
  if (index >= 0) targets[index] = next;
  else targets.push(next);
  return { ...progress, targets };
}

/**
 * The progress after one event. A target that ended stays ended: a late step or pull
 * message cannot bring it back to life; warnings are still collected.
 */
export function applyDeployEvent(progress: DeployProgress, event: DeployEvent): DeployProgress {
  return updateTarget(progress, event.deviceUuid, (t) => {
    switch (event.kind) {
      case "warning":
        return { ...t, warnings: [...t.warnings, event.message] };
      case "step":
        return t.state === "running" ? { ...t, step: event.step } : t;
      case "pull":
        return t.state === "running" ? { ...t, step: "pulling", pull: summarise(event.progress) } : t;
      case "done":
        return t.state === "failed"
          ? t
          : { ...t, state: "done", engineId: event.engineId, containerUuid: event.containerUuid ?? t.containerUuid };
      case "failed":
        return t.state === "done"
          ? t
          : { ...t, state: "failed", error: event.message, cleanedUp: event.cleanedUp };
    }
  });
}

/**
 * The progress once the deploy command returned its outcomes: they are the final word (an
 * event may have been missed). A target with no outcome that was still going ended without
 * saying how.
 */
export function finishProgress(progress: DeployProgress, outcomes: readonly TargetOutcome[]): DeployProgress {
  let next = progress;
  for (const outcome of outcomes) {
    next = updateTarget(next, outcome.deviceUuid, (t) => {
      // The name the wizard knew stays, unless it only had the uuid.
      const deviceName = t.deviceName !== t.deviceUuid || !outcome.deviceName ? t.deviceName : outcome.deviceName;
      return outcome.error != null
        ? { ...t, deviceName, state: "failed", error: outcome.error, cleanedUp: outcome.cleanedUp }
        : {
            ...t,
            deviceName,
            state: "done",
            error: null,
            engineId: outcome.engineId ?? t.engineId,
            containerUuid: outcome.containerUuid ?? t.containerUuid,
          };
    });
  }
  const targets = next.targets.map((t) =>
    t.state === "running" ? { ...t, state: "failed" as const, error: "The deploy ended without a report from this device." } : t,
  );
  return { ...next, targets, finished: true };
}

/** The progress when the deploy command failed as a whole: every target still going failed with it. */
export function failProgress(progress: DeployProgress, message: string): DeployProgress {
  return {
    targets: progress.targets.map((t) => (t.state === "running" ? { ...t, state: "failed", error: message } : t)),
    finished: true,
    error: message,
  };
}

/** Counts of a deploy's targets by state. */
export function progressCounts(progress: DeployProgress): Record<TargetState, number> {
  const counts: Record<TargetState, number> = { running: 0, done: 0, failed: 0 };
  for (const t of progress.targets) counts[t.state]++;
  return counts;
}

/** A pull's bytes as a fraction (0 to 1), or null while the sizes are unknown. */
export function pullFraction(pull: PullSummary): number | null {
  if (pull.bytesTotal == null || pull.bytesTotal <= 0 || pull.bytesDone == null) return null;
  return Math.min(1, Math.max(0, pull.bytesDone / pull.bytesTotal));
}
