// Deploys outlive the wizard that started them: closing it (or leaving the screen) while a
// pull runs is allowed, and the deploy goes on. Their progress lives here, outside React,
// and the views subscribe to it.
import { notifications } from "@mantine/notifications";
import { Channel } from "@tauri-apps/api/core";
import { useSyncExternalStore } from "react";
import { call, errorMessage } from "../../api/unwrap";
import { commands } from "../../bindings";
import {
  applyDeployEvent,
  failProgress,
  finishProgress,
  progressCounts,
  startProgress,
  type DeployProgress,
  type TargetRef,
} from "./deployProgress";
import type { DeployChannelEvent, DeployPlanInput, PullPolicy, TargetOutcome } from "./types";

export interface DeployRun {
  id: number;
  /** What is deployed, for lists and notifications: the container's name. */
  title: string;
  startedAt: number;
  progress: DeployProgress;
}

/** Sends the deploy; events go to `onEvent` as they happen, the outcomes resolve at the end. */
export type DeployRunner = (
  request: { targets: string[]; plan: DeployPlanInput; pull: PullPolicy },
  onEvent: (event: DeployChannelEvent) => void,
) => Promise<TargetOutcome[]>;

/** The real runner: the deploy command with a channel of its own for the progress. */
export const tauriDeployRunner: DeployRunner = (request, onEvent) => {
  const channel = new Channel<DeployChannelEvent>();
  channel.onmessage = onEvent;
  return call(commands.deployRun(request, channel));
};

let runs: readonly DeployRun[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
/** Runs a view is showing: they end quietly; the others end with a notification. */
const watched = new Map<number, number>();

function publish(next: readonly DeployRun[]) {
  runs = next;
  for (const listener of listeners) listener();
}

function update(id: number, change: (p: DeployProgress) => DeployProgress) {
  publish(runs.map((r) => (r.id === id ? { ...r, progress: change(r.progress) } : r)));
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** Tells the user how a deploy nobody was looking at ended. */
function announce(run: DeployRun | undefined) {
  if (!run || (watched.get(run.id) ?? 0) > 0) return;
  const { done, failed } = progressCounts(run.progress);
  const total = run.progress.targets.length;
  if (failed === 0) {
    notifications.show({
      color: "green",
      title: `${run.title} deployed`,
      message: total === 1 ? "The container is running." : `The container runs on ${done} devices.`,
    });
  } else {
    notifications.show({
      color: "red",
      title: `${run.title} failed on ${failed} of ${total} ${total === 1 ? "device" : "devices"}`,
      message: run.progress.error ?? run.progress.targets.find((t) => t.state === "failed")?.error ?? "The deploy failed.",
    });
  }
}

/** Starts a deploy; returns its id, under which its progress is published. */
export function startDeploy(
  input: { title: string; targets: readonly TargetRef[]; plan: DeployPlanInput; pull: PullPolicy },
  runner: DeployRunner = tauriDeployRunner,
): number {
  const id = nextId++;
  publish([...runs, { id, title: input.title, startedAt: Date.now(), progress: startProgress(input.targets) }]);
  const request = { targets: input.targets.map((t) => t.deviceUuid), plan: input.plan, pull: input.pull };
  let pending: Promise<TargetOutcome[]>;
  try {
    pending = runner(request, (event) => update(id, (p) => applyDeployEvent(p, event)));
  } catch (e) {
    pending = Promise.reject(e);
  }
  pending.then(
    (outcomes) => update(id, (p) => finishProgress(p, outcomes)),
    (e: unknown) => update(id, (p) => failProgress(p, errorMessage(e))),
  ).then(() => announce(runs.find((r) => r.id === id)));
  return id;
}

/** Forgets a finished deploy (the "clear" of the deploys list). */
export function dismissDeploy(id: number) {
  publish(runs.filter((r) => r.id !== id || !r.progress.finished));
}

/** Marks a deploy as shown while the caller is mounted; returns the undo. */
export function watchDeploy(id: number): () => void {
  watched.set(id, (watched.get(id) ?? 0) + 1);
  return () => {
    const n = (watched.get(id) ?? 1) - 1;
    if (n <= 0) watched.delete(id);
    else watched.set(id, n);
  };
}

/** Every deploy of this session, oldest first, as they are now. */
export function currentDeployRuns(): readonly DeployRun[] {
  return runs;
}

/** Every deploy of this session, oldest first; re-renders on every change. */
export function useDeployRuns(): readonly DeployRun[] {
  return useSyncExternalStore(subscribe, currentDeployRuns);
}

/** One deploy's latest progress. */
export function useDeployRun(id: number | null): DeployRun | undefined {
  const all = useDeployRuns();
  return id === null ? undefined : all.find((r) => r.id === id);
}

/** Forgets every deploy (tests start each case from nothing). */
export function resetDeployRuns() {
  watched.clear();
  publish([]);
}
