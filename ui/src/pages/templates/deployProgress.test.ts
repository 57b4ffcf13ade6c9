import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  applyDeployEvent,
  failProgress,
  finishProgress,
  progressCounts,
  pullFraction,
  startProgress,
  type DeployProgress,
} from "./deployProgress";
import { notifications } from "@mantine/notifications";
import { currentDeployRuns, dismissDeploy, resetDeployRuns, startDeploy, watchDeploy, type DeployRunner } from "./deployRuns";
import type { DeployEvent, DeployPlanInput } from "./types";

vi.mock("@mantine/notifications", () => ({ notifications: { show: vi.fn() } }));

const TARGETS = [
  { deviceUuid: "d-1", deviceName: "laptop" },
  { deviceUuid: "d-2", deviceName: "nas" },
];

function replay(events: DeployEvent[], from: DeployProgress = startProgress(TARGETS)): DeployProgress {
  return events.reduce(applyDeployEvent, from);
}

const pull = (deviceUuid: string, done: number): DeployEvent => ({
  kind: "pull",
  deviceUuid,
  progress: {
    layers: [
      {
        id: "aaa111",
        status: done >= 1 ? "Pull complete" : "Downloading",
        current: done >= 1 ? 100 : 40,
        total: 100,
        done: done >= 1,
      },
      { id: "bbb222", status: "Waiting", current: null, total: null, done: false },
    ],
    layersDone: done,
    bytesDone: done >= 1 ? 100 : 40,
    bytesTotal: 300,
    status: null,
  },
});

describe("deploy progress", () => {
  it("starts with every target running and no step", () => {
    const p = startProgress(TARGETS);
    expect(p.targets.map((t) => [t.deviceUuid, t.state, t.step])).toEqual([
      ["d-1", "running", null],
      ["d-2", "running", null],
    ]);
    expect(p.finished).toBe(false);
  });

  it("follows each target's steps, pull layers and warnings on their own", () => {
    const p = replay([
      { kind: "step", deviceUuid: "d-1", step: "checking" },
      { kind: "step", deviceUuid: "d-2", step: "checking" },
      { kind: "step", deviceUuid: "d-1", step: "pulling" },
      pull("d-1", 0),
      pull("d-1", 1),
      { kind: "warning", deviceUuid: "d-2", message: "the volume \"data\" already exists" },
    ]);
    const [laptop, nas] = p.targets;
    expect(laptop.step).toBe("pulling");
    expect(laptop.pull?.layers.map((l) => [l.id, l.status, l.done])).toEqual([
      ["aaa111", "Pull complete", true],
      ["bbb222", "Waiting", false],
    ]);
    expect(laptop.pull?.layersDone).toBe(1);
    expect(pullFraction(laptop.pull!)).toBeCloseTo(1 / 3);
    expect(nas.step).toBe("checking");
    expect(nas.pull).toBeNull();
    expect(nas.warnings).toEqual(["the volume \"data\" already exists"]);
  });

  it("keeps the others going when one target fails, and a failure stays a failure", () => {
    const p = replay([
      { kind: "step", deviceUuid: "d-1", step: "creating" },
      { kind: "failed", deviceUuid: "d-2", message: "pull access denied for example/acorn", cleanedUp: [] },
      { kind: "step", deviceUuid: "d-2", step: "starting" },
      { kind: "step", deviceUuid: "d-1", step: "starting" },
      { kind: "done", deviceUuid: "d-1", engineId: "f00dfeed", containerUuid: "c-9" },
    ]);
    const [laptop, nas] = p.targets;
    expect(laptop.state).toBe("done");
    expect(laptop.containerUuid).toBe("c-9");
    expect(laptop.engineId).toBe("f00dfeed");
    expect(nas.state).toBe("failed");
    expect(nas.step).toBeNull();
    expect(nas.error).toBe("pull access denied for example/acorn");
    expect(progressCounts(p)).toEqual({ running: 0, done: 1, failed: 1 });
  });

  it("takes the outcomes as the final word and fails targets that never reported", () => {
    const p = replay([{ kind: "step", deviceUuid: "d-1", step: "starting" }]);
    const end = finishProgress(p, [
      { deviceUuid: "d-1", deviceName: "laptop", engineId: "abc", containerUuid: null, error: null, cleanedUp: [] },
    ]);
    expect(end.finished).toBe(true);
    expect(end.targets[0].state).toBe("done");
    expect(end.targets[1].state).toBe("failed");
    expect(end.targets[1].error).toMatch(/without a report/);
  });

  it("adds a device it was not told about, and fails everything still going when the deploy fails as a whole", () => {
    const p = replay([{ kind: "step", deviceUuid: "d-3", step: "checking" }]);
    expect(p.targets.map((t) => t.deviceUuid)).toEqual(["d-1", "d-2", "d-3"]);
    const failed = failProgress(p, "the plan has problems");
    expect(failed.error).toBe("the plan has problems");
    expect(failed.targets.every((t) => t.state === "failed" && t.error === "the plan has problems")).toBe(true);
  });
});

describe("deploy runs", () => {
  beforeEach(() => {
    resetDeployRuns();
    vi.mocked(notifications.show).mockClear();
  });

  const plan = { name: "acorn" } as DeployPlanInput;
  const run = (id: number) => currentDeployRuns().find((r) => r.id === id);

  it("publishes each event as it comes and the outcomes at the end", async () => {
    let emit: (e: DeployEvent) => void = () => {};
    let finish: () => void = () => {};
    const runner: DeployRunner = (request, onEvent) => {
      expect(request.targets).toEqual(["d-1", "d-2"]);
      expect(request.pull).toBe("missing");
      emit = onEvent;
      return new Promise((resolve) => {
        finish = () =>
          resolve([
            {
              deviceUuid: "d-1",
              deviceName: "laptop",
              engineId: null,
              containerUuid: null,
              error: "no space left",
              cleanedUp: ["the container acorn"],
            },
            { deviceUuid: "d-2", deviceName: "nas", engineId: "e2", containerUuid: "c-2", error: null, cleanedUp: [] },
          ]);
      });
    };
    const id = startDeploy({ title: "acorn", targets: TARGETS, plan, pull: "missing" }, runner);
    expect(run(id)?.progress.targets.map((t) => t.state)).toEqual(["running", "running"]);
    emit({ kind: "failed", deviceUuid: "d-1", message: "no space left", cleanedUp: ["the container acorn"] });
    emit({ kind: "step", deviceUuid: "d-2", step: "pulling" });
    expect(run(id)?.progress.targets.map((t) => [t.state, t.step])).toEqual([
      ["failed", null],
      ["running", "pulling"],
    ]);
    finish();
    await vi.waitFor(() => expect(run(id)?.progress.finished).toBe(true));
    expect(run(id)?.progress.targets.map((t) => [t.state, t.containerUuid])).toEqual([
      ["failed", null],
      ["done", "c-2"],
    ]);
    // Nobody was watching: the end is announced.
    await vi.waitFor(() => expect(notifications.show).toHaveBeenCalledTimes(1));
    expect(vi.mocked(notifications.show).mock.calls[0][0]).toMatchObject({
      color: "red",
      title: "acorn failed on 1 of 2 devices",
    });
  });

  it("ends quietly while watched, and fails every target when the command fails", async () => {
    const runner: DeployRunner = () => Promise.reject(new Error("the plan has problems: name is empty"));
    const id = startDeploy({ title: "acorn", targets: TARGETS, plan, pull: "always" }, runner);
    const unwatch = watchDeploy(id);
    await vi.waitFor(() => expect(run(id)?.progress.finished).toBe(true));
    expect(run(id)?.progress.error).toBe("the plan has problems: name is empty");
    expect(run(id)?.progress.targets.every((t) => t.state === "failed")).toBe(true);
    await new Promise((r) => setTimeout(r, 0));
    expect(notifications.show).not.toHaveBeenCalled();
    unwatch();
    dismissDeploy(id);
    expect(run(id)).toBeUndefined();
  });
});
