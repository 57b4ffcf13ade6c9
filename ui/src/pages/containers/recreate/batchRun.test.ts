import { describe, expect, it } from "vitest";
import type { RecreateOutcome_Serialize as RecreateOutcome } from "../../../bindings";
import { makeContainer } from "../../../test/fixtures";
import { applyBatchEvent, batchItems, imageChange, batchSummaryText, endedCount, itemDetail, itemStatus, startBatch, summaryColor } from "./batchRun";

const outcome = (result: RecreateOutcome["result"]): RecreateOutcome => ({
  container: "web",
  fromImage: "nginx:1.25",
  toImage: "nginx:1.26",
  result,
  keptImage: null,
  lastLines: [],
});

describe("a batch update", () => {
  it("offers each container with where it goes, by device then name", () => {
    const items = batchItems(
      [
        makeContainer({ uuid: "b", name: "web", deviceUuid: "d2", image: "nginx:1.25" }),
        makeContainer({ uuid: "a", name: "db", deviceUuid: "d2", image: "postgres:16" }),
        makeContainer({ uuid: "c", name: "app", deviceUuid: "d1", image: "ghcr.io/o/app:latest" }),
      ],
      new Map([["b", { kind: "available", newerTag: "1.26", newDigest: null }]]),
      new Map([
        ["d1", "laptop"],
        ["d2", "nas"],
      ]),
    );
    expect(items.map((i) => [i.deviceName, i.label, i.to, i.hasUpdate])).toEqual([
      ["laptop", "app", "ghcr.io/o/app:latest", false],
      ["nas", "db", "postgres:16", false],
      ["nas", "web", "nginx:1.26", true],
    ]);
  });

  it("follows each container by the events that name it, and counts what ended", () => {
    let run = startBatch(["a", "b", "c"]);
    expect(itemStatus(run.a).text).toBe("Waiting");
    run = applyBatchEvent(run, {
      kind: "step",
      containerUuid: "a",
      step: { step: "pulling", progress: { layers: [], layersDone: 0, bytesDone: 25, bytesTotal: 100, status: null } },
    });
    expect(itemStatus(run.a)).toMatchObject({ text: "Pulling 25 %", fraction: 0.25, ended: false });
    run = applyBatchEvent(run, { kind: "step", containerUuid: "a", step: { step: "checking", seconds: 12, health: null } });
    expect(itemStatus(run.a).text).toBe("Watching · ≤ 12 s");
    run = applyBatchEvent(run, { kind: "step", containerUuid: "a", step: { step: "done", outcome: outcome({ kind: "replaced", why: "ok" }) } });
    run = applyBatchEvent(run, { kind: "step", containerUuid: "b", step: { step: "rollingBack", reason: "it exited with code 3" } });
    expect(itemStatus(run.b)).toMatchObject({ text: "Rolling back", tone: "warn", ended: false });
    run = applyBatchEvent(run, {
      kind: "step",
      containerUuid: "b",
      step: { step: "done", outcome: outcome({ kind: "rolledBack", reason: "it exited with code 3" }) },
    });
    run = applyBatchEvent(run, { kind: "refused", containerUuid: "c", error: "nas is offline" });
    // Not asked: dropped.
    const same = applyBatchEvent(run, { kind: "refused", containerUuid: "zzz", error: "?" });
    expect(same).toBe(run);
    expect([itemStatus(run.a).text, itemStatus(run.b).text, itemStatus(run.c).text]).toEqual(["Updated", "Rolled back", "Not started"]);
    expect(itemDetail(run.b)).toContain("exited with code 3");
    expect(itemDetail(run.c)).toBe("nas is offline");
    expect(itemDetail(run.a)).toBeNull();
    expect(endedCount(run)).toBe(3);
  });

  it("says how the batch ended", () => {
    const s = { replaced: 3, upToDate: 1, rolledBack: 1, failed: 0, refused: 0 };
    expect(batchSummaryText(s)).toBe("3 updated, 1 already up to date, 1 rolled back.");
    expect(summaryColor(s)).toBe("orange");
    expect(summaryColor({ ...s, rolledBack: 0 })).toBe("teal");
    expect(summaryColor({ ...s, refused: 1 })).toBe("red");
    expect(batchSummaryText({ replaced: 0, upToDate: 0, rolledBack: 0, failed: 0, refused: 0 })).toBe("Nothing was asked.");
  });

  it("says a repository once when only its tag changes", () => {
    expect(imageChange("127.0.0.1:5000/e2e/upd:1.0.0", "127.0.0.1:5000/e2e/upd:1.0.1")).toEqual({
      repository: "127.0.0.1:5000/e2e/upd",
      from: "1.0.0",
      to: "1.0.1",
    });
    expect(imageChange("nginx", "nginx:1.27")).toEqual({ repository: "nginx", from: "latest", to: "1.27" });
    expect(imageChange("nginx:1", "caddy:2")).toEqual({ repository: null, from: "nginx:1", to: "caddy:2" });
    expect(imageChange("nginx:1", "nginx:1").repository).toBeNull();
  });
});
