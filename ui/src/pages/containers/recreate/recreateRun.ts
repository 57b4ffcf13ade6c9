// A safe update or recreate as the dialog follows it: each step the backend sends folded
// into what is shown, and the outcome in words.
import type { Finding } from "../../../api/types";
import type {
  ContainerDetails_Serialize as ContainerDetails,
  ContainerEdits_Deserialize as ContainerEdits,
  EnvVar,
  HealthState,
  PortSpec_Deserialize as PortSpec,
  RecreateOutcome_Serialize as RecreateOutcome,
  RecreateStep_Serialize as RecreateStep,
  RestartPolicy,
} from "../../../bindings";
import { summarise, type PullSummary } from "../../templates/deployProgress";

export type StepName = "pulling" | "stopping" | "creating" | "starting" | "checking";

export interface RunView {
  /** The step under way; null before the first and after the end. */
  step: StepName | null;
  /** Steps passed, in order. */
  passed: StepName[];
  pull: PullSummary | null;
  /** The longest the gate may still wait. */
  seconds: number | null;
  health: HealthState | null;
  rollingBack: string | null;
  outcome: RecreateOutcome | null;
}

export const START: RunView = { step: null, passed: [], pull: null, seconds: null, health: null, rollingBack: null, outcome: null };

/** The view after one more step. */
export function applyStep(view: RunView, step: RecreateStep): RunView {
  if (step.step === "done") {
    // The step under way ends with the run, whichever way it ended.
    const passed = view.step && !view.passed.includes(view.step) && step.outcome.result.kind === "replaced" ? [...view.passed, view.step] : view.passed;
    return { ...view, step: null, passed, outcome: step.outcome };
  }
  if (step.step === "rollingBack") return { ...view, rollingBack: step.reason };
  const name: StepName = step.step;
  const passed = view.step && view.step !== name && !view.passed.includes(view.step) ? [...view.passed, view.step] : view.passed;
  const next: RunView = { ...view, step: name, passed };
  if (step.step === "pulling") next.pull = summarise(step.progress);
  if (step.step === "checking") {
    next.seconds = step.seconds;
    next.health = step.health;
  }
  return next;
}

/** The reference an update moves to: the newer tag when one was found, else the same. */
export function targetImage(reference: string, finding: Finding | undefined): string {
  if (finding?.kind !== "available" || !finding.newerTag) return reference;
  const name = reference.split("@")[0];
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  const repo = colon > slash ? name.slice(0, colon) : name;
  return `${repo}:${finding.newerTag}`;
}

export interface OutcomeText {
  color: "teal" | "orange" | "red" | "gray";
  title: string;
  text: string;
}

/** How a recreate ended, in words; `keepDays` is how long the previous image is kept. */
export function outcomeText(o: RecreateOutcome, keepDays: number | null): OutcomeText {
  const r = o.result;
  switch (r.kind) {
    case "replaced": {
      const kept = o.keptImage
        ? ` The previous image is kept as ${o.keptImage}${keepDays != null ? ` for ${keepDays} ${keepDays === 1 ? "day" : "days"}` : ""}, for a roll back.`
        : "";
      return { color: "teal", title: `${o.container} runs ${o.toImage}`, text: `The new container passed: ${r.why}.${kept}` };
    }
    case "upToDate":
      return { color: "gray", title: "Nothing to do", text: `${o.container} already runs the newest ${o.toImage}: nothing was changed.` };
    case "rolledBack":
      return {
        color: "orange",
        title: `Rolled back: ${o.container} runs as before`,
        text: `The new container failed: ${r.reason}. It was removed, and the previous container was started again with its own settings.`,
      };
    case "failed":
      return { color: "red", title: "The update did not happen", text: r.error };
  }
}

/** The edit form's values. Memory in MiB, CPUs as a number; empty means unlimited. */
export interface EditForm {
  env: EnvVar[];
  ports: PortSpec[];
  memoryMib: string;
  cpus: string;
  restartPolicy: RestartPolicy | null;
}

const POLICIES: RestartPolicy[] = ["no", "always", "on-failure", "unless-stopped"];

export function formFrom(d: ContainerDetails): EditForm {
  const policy = (d.restartPolicy ?? "no").split(":")[0] as RestartPolicy;
  return {
    env: d.env.map((e) => ({ ...e })),
    ports: publishedPorts(d),
    memoryMib: d.resources.memoryBytes ? String(Math.round(d.resources.memoryBytes / 1048576)) : "",
    cpus: d.resources.cpus ? String(d.resources.cpus) : "",
    restartPolicy: POLICIES.includes(policy) ? policy : null,
  };
}

/** The container's published ports, once each (the engine lists IPv4 and IPv6 apart). */
function publishedPorts(d: ContainerDetails): PortSpec[] {
  const seen = new Set<string>();
  const out: PortSpec[] = [];
  for (const p of d.ports) {
    if (p.publicPort == null) continue;
    const hostIp = p.ip && p.ip !== "0.0.0.0" && p.ip !== "::" ? p.ip : null;
    const spec: PortSpec = { hostIp, hostPort: p.publicPort, containerPort: p.privatePort, protocol: p.protocol === "udp" ? "udp" : "tcp" };
    const key = JSON.stringify(spec);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(spec);
    }
  }
  return out;
}

/** What a form value means, or why it cannot be used. */
export function limitsOf(form: EditForm): { memoryBytes: number | null; cpus: number | null } | string {
  const memory = form.memoryMib.trim() === "" ? null : Number(form.memoryMib);
  const cpus = form.cpus.trim() === "" ? null : Number(form.cpus);
  if (memory != null && (!Number.isFinite(memory) || memory < 6 || !Number.isInteger(memory))) {
    return "Memory is a whole number of MiB, 6 at least (the engine's minimum), or empty for no limit.";
  }
  if (cpus != null && (!Number.isFinite(cpus) || cpus <= 0 || cpus > 1024)) {
    return "CPUs is a number above 0, such as 0.5 or 2, or empty for no limit.";
  }
  return { memoryBytes: memory == null ? null : memory * 1048576, cpus };
}

/** The edits to send: only what differs from the container as it is. */
export function editsFrom(before: EditForm, form: EditForm): ContainerEdits | string {
  const limits = limitsOf(form);
  if (typeof limits === "string") return limits;
  const env = form.env.filter((e) => e.name.trim() !== "");
  const bad = env.find((e) => !/^[^=\s]+$/.test(e.name.trim()));
  if (bad) return `"${bad.name}" is not a variable name: no spaces or "=" in a name.`;
  const port = form.ports.find((p) => !(p.containerPort >= 1 && p.containerPort <= 65535) || (p.hostPort != null && !(p.hostPort >= 1 && p.hostPort <= 65535)));
  if (port) return "A port is a number from 1 to 65535.";
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const beforeLimits = limitsOf(before);
  return {
    env: same(env, before.env) ? null : env.map((e) => ({ name: e.name.trim(), value: e.value })),
    ports: same(form.ports, before.ports) ? null : form.ports,
    limits: same(limits, beforeLimits) ? null : limits,
    restartPolicy: form.restartPolicy === before.restartPolicy ? null : form.restartPolicy,
  };
}

export function noEdits(e: ContainerEdits): boolean {
  return e.env == null && e.ports == null && e.limits == null && e.restartPolicy == null;
}
