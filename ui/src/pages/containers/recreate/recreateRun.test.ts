import { describe, expect, it } from "vitest";
import type { ContainerDetails_Serialize as ContainerDetails, RecreateOutcome_Serialize as RecreateOutcome } from "../../../bindings";
import { applyStep, editsFrom, formFrom, noEdits, outcomeText, START, targetImage } from "./recreateRun";

const outcome = (result: RecreateOutcome["result"], extra: Partial<RecreateOutcome> = {}): RecreateOutcome => ({
  container: "web",
  fromImage: "nginx:1.25",
  toImage: "nginx:1.26",
  result,
  keptImage: null,
  lastLines: [],
  ...extra,
});

describe("a recreate's steps", () => {
  it("marks each step passed when the next comes, and the last one when it ends well", () => {
    let v = applyStep(START, { step: "pulling", progress: { layers: [], layersDone: 0, bytesDone: 0, bytesTotal: 0, status: null } });
    expect(v.step).toBe("pulling");
    expect(v.pull).not.toBeNull();
    v = applyStep(v, { step: "stopping" });
    v = applyStep(v, { step: "creating" });
    v = applyStep(v, { step: "starting" });
    v = applyStep(v, { step: "checking", seconds: 28, health: null });
    v = applyStep(v, { step: "checking", seconds: 27, health: null });
    expect(v.passed).toEqual(["pulling", "stopping", "creating", "starting"]);
    expect(v.seconds).toBe(27);
    v = applyStep(v, { step: "done", outcome: outcome({ kind: "replaced", why: "it ran for 30 s" }) });
    expect(v.passed).toEqual(["pulling", "stopping", "creating", "starting", "checking"]);
    expect(v.step).toBeNull();
    expect(v.outcome?.result.kind).toBe("replaced");
  });

  it("does not mark the failed step passed when it is rolled back", () => {
    let v = applyStep(START, { step: "starting" });
    v = applyStep(v, { step: "checking", seconds: 10, health: "starting" });
    v = applyStep(v, { step: "rollingBack", reason: "its healthcheck reports unhealthy" });
    expect(v.rollingBack).toContain("unhealthy");
    v = applyStep(v, { step: "done", outcome: outcome({ kind: "rolledBack", reason: "its healthcheck reports unhealthy" }) });
    expect(v.passed).toEqual(["starting"]);
  });
});

describe("the update's target", () => {
  it("takes the newer tag, with the registry's port kept", () => {
    expect(targetImage("127.0.0.1:5000/e2e/upd:1.0.0", { kind: "available", newerTag: "1.1.0", newDigest: null })).toBe("127.0.0.1:5000/e2e/upd:1.1.0");
    expect(targetImage("127.0.0.1:5000/e2e/upd", { kind: "available", newerTag: "2", newDigest: null })).toBe("127.0.0.1:5000/e2e/upd:2");
    expect(targetImage("nginx:1.25", { kind: "available", newerTag: null, newDigest: "sha256:ab" })).toBe("nginx:1.25");
    expect(targetImage("nginx:1.25", undefined)).toBe("nginx:1.25");
  });
});

describe("the outcome in words", () => {
  it("says what was kept, what failed and what to do", () => {
    expect(outcomeText(outcome({ kind: "replaced", why: "its healthcheck reports healthy" }, { keptImage: "nginx:squirrel-rollback-web" }), 7).text).toContain(
      "kept as nginx:squirrel-rollback-web for 7 days",
    );
    const back = outcomeText(outcome({ kind: "rolledBack", reason: "it exited with code 3" }), 7);
    expect(back.color).toBe("orange");
    expect(back.text).toContain("it exited with code 3");
    expect(outcomeText(outcome({ kind: "failed", error: "Pulling failed" }), null).color).toBe("red");
    expect(outcomeText(outcome({ kind: "upToDate" }), null).text).toContain("nothing was changed");
  });
});

describe("the edit form", () => {
  const details = {
    engineId: "x",
    name: "web",
    image: "nginx",
    command: [],
    entrypoint: [],
    workingDir: null,
    env: [{ name: "FOO", value: "bar" }],
    labels: {},
    mounts: [],
    ports: [
      { ip: "0.0.0.0", privatePort: 80, publicPort: 8080, protocol: "tcp" },
      { ip: "::", privatePort: 80, publicPort: 8080, protocol: "tcp" },
      { ip: null, privatePort: 443, publicPort: null, protocol: "tcp" },
    ],
    networks: [],
    restartPolicy: "unless-stopped",
    startedAt: null,
    finishedAt: null,
    restartCount: 0,
    hostname: null,
    resources: { cpus: null, memoryBytes: 268435456 },
  } as unknown as ContainerDetails;

  it("starts from the container: published ports once each, memory in MiB", () => {
    const f = formFrom(details);
    expect(f.ports).toEqual([{ hostIp: null, hostPort: 8080, containerPort: 80, protocol: "tcp" }]);
    expect(f.memoryMib).toBe("256");
    expect(f.restartPolicy).toBe("unless-stopped");
  });

  it("sends only what changed, and refuses what the engine would", () => {
    const before = formFrom(details);
    const same = editsFrom(before, before);
    expect(typeof same === "object" && noEdits(same)).toBe(true);
    const edited = editsFrom(before, { ...before, env: [{ name: " FOO ", value: "baz" }], memoryMib: "" });
    expect(edited).toEqual({ env: [{ name: "FOO", value: "baz" }], ports: null, limits: { memoryBytes: null, cpus: null }, restartPolicy: null });
    expect(editsFrom(before, { ...before, memoryMib: "2" })).toMatch(/6 at least/);
    expect(editsFrom(before, { ...before, cpus: "-1" })).toMatch(/above 0/);
    expect(editsFrom(before, { ...before, env: [{ name: "A B", value: "" }] })).toMatch(/not a variable name/);
    expect(editsFrom(before, { ...before, ports: [{ hostIp: null, hostPort: 70000, containerPort: 80, protocol: "tcp" }] })).toMatch(/1 to 65535/);
  });
});
