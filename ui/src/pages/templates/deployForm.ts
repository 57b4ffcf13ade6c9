// The deploy wizard's form: filled from the plan the backend pre-fills from a template, turned
// back into a plan for the checks and the deploy, and the backend's problems placed next to
// the fields they are about. Pure, so it is tested without a browser.
import type {
  DeployCheck,
  DeployPlan,
  DeployPlanInput,
  PortSpecInput,
  Protocol,
  RestartPolicy,
  Template,
  VolumeSource,
} from "./types";

/** How a template's variable is shown: typed, picked, fixed (read-only) or preset (hidden). */
export type EnvFieldKind = "text" | "select" | "fixed" | "preset";

/** One variable the template declares. */
export interface EnvField {
  name: string;
  /** What the form calls it: the template's label, else the name. */
  label: string;
  description: string | null;
  kind: EnvFieldKind;
  choices: { value: string; label: string }[];
  /** The template supplies no value: the deploy is refused while it is empty. */
  required: boolean;
  value: string;
}

/** A name and a value: an extra variable or a label. */
export interface KeyValueRow {
  name: string;
  value: string;
}

/** A published port as typed; numbers stay text until the plan is made. */
export interface PortRow {
  hostIp: string;
  hostPort: string;
  containerPort: string;
  protocol: Protocol;
}

export type VolumeKind = VolumeSource["kind"];

export interface VolumeRow {
  /** Mount path inside the container. */
  container: string;
  kind: VolumeKind;
  /** The volume name or host path (unused for an anonymous volume). */
  source: string;
  readonly: boolean;
}

export interface DeployForm {
  name: string;
  image: string;
  env: EnvField[];
  extraEnv: KeyValueRow[];
  ports: PortRow[];
  volumes: VolumeRow[];
  network: string;
  restartPolicy: RestartPolicy;
  labels: KeyValueRow[];
  command: string;
  hostname: string;
  privileged: boolean;
  interactive: boolean;
  capAdd: string[];
  /** Memory limit in MiB; empty for none. */
  memoryMib: number | string;
  /** CPU limit in cores; empty for none. */
  cpus: number | string;
  /** Carried from the plan: the variables the backend insists on. */
  requiredEnv: string[];
}

/** Messages by form field: `name`, `image`, `env:<NAME>`, `extraEnv:<row>`, `ports:<row>`, ... */
export type FieldErrors = Record<string, string[]>;

/** Where each entry of a plan came from in the form, to place the backend's problems. */
export interface PlanFieldMap {
  /** Form key of each `plan.env[i]`. */
  env: string[];
  /** Form row of each `plan.ports[i]`, `plan.volumes[i]`, `plan.labels[i]`. */
  ports: number[];
  volumes: number[];
  labels: number[];
}

export const MIB = 1024 * 1024;

/** What a new port, volume or variable row starts as. */
export const EMPTY_PORT: PortRow = { hostIp: "", hostPort: "", containerPort: "", protocol: "tcp" };
export const EMPTY_VOLUME: VolumeRow = { container: "", kind: "named", source: "", readonly: false };
export const EMPTY_PAIR: KeyValueRow = { name: "", value: "" };

/** The template a "New container" starts from: no image, nothing pre-filled. */
export function blankContainerTemplate(): Template {
  return {
    id: null,
    kind: "container",
    title: "New container",
    description: "",
    name: null,
    logo: null,
    note: null,
    platform: null,
    categories: [],
    env: [],
    image: "",
    registry: null,
    command: null,
    network: null,
    volumes: [],
    ports: [],
    labels: [],
    privileged: false,
    interactive: false,
    restartPolicy: null,
    hostname: null,
    repository: null,
    administratorOnly: false,
  };
}

/** The form as the backend's plan for `template` pre-fills it. */
export function formFromPlan(template: Template, plan: DeployPlan): DeployForm {
  const declared = new Set(template.env.map((e) => e.name));
  const planValue = (name: string) => plan.env.find((v) => v.name === name)?.value ?? "";
  const env = template.env.map((input): EnvField => {
    const kind: EnvFieldKind = input.preset
      ? "preset"
      : input.fixed != null
        ? "fixed"
        : input.select.length > 0
          ? "select"
          : "text";
    return {
      name: input.name,
      label: input.label?.trim() || input.name,
      description: input.description?.trim() || null,
      kind,
      choices: input.select.map((c) => ({ value: c.value, label: c.text || c.value })),
      required: plan.requiredEnv.includes(input.name),
      value: planValue(input.name),
    };
  });
  return {
    name: plan.name,
    image: plan.image,
    env,
    extraEnv: plan.env.filter((v) => !declared.has(v.name)).map((v) => ({ name: v.name, value: v.value })),
    ports: plan.ports.map((p) => ({
      hostIp: p.hostIp ?? "",
      hostPort: p.hostPort == null ? "" : String(p.hostPort),
      containerPort: String(p.containerPort),
      protocol: p.protocol,
    })),
    volumes: plan.volumes.map((v) => ({
      container: v.container,
      kind: v.source.kind,
      source: v.source.kind === "anonymous" ? "" : v.source.value,
      readonly: v.readonly,
    })),
    network: plan.network ?? "",
    restartPolicy: plan.restartPolicy ?? "no",
    labels: plan.labels.map((l) => ({ name: l.name, value: l.value })),
    command: plan.command ?? "",
    hostname: plan.hostname ?? "",
    privileged: plan.privileged,
    interactive: plan.interactive,
    capAdd: [...plan.capAdd],
    memoryMib: plan.memoryBytes == null ? "" : Math.round(plan.memoryBytes / MIB),
    cpus: plan.cpus ?? "",
    requiredEnv: [...plan.requiredEnv],
  };
}

/** A port number typed in a form: 1 to 65535, digits only; null otherwise. */
export function parsePort(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,5}$/.test(t)) return null;
  const n = Number(t);
  return n >= 1 && n <= 65535 ? n : null;
}

/** A number from a NumberInput (which gives a number, or text while typing). */
function numberOf(value: number | string): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  const t = value.trim();
  if (t === "") return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : NaN;
}

const blank = (s: string) => s.trim() === "";
const orNull = (s: string) => (blank(s) ? null : s.trim());

/** Adds a message (as a sentence start: messages come lowercase from the backend) under `key`. */
function addError(errors: FieldErrors, key: string, message: string, device?: string) {
  const text = capitalise(message);
  (errors[key] ??= []).push(device ? `${device}: ${text}` : text);
}

/**
 * The plan the form stands for, what it could not turn into one (numbers that are not
 * numbers: the row is left out of the plan and the error kept), and where each plan entry
 * came from. Rows left entirely blank are skipped, so an added row does no harm.
 */
export function formToPlan(form: DeployForm): { plan: DeployPlanInput; errors: FieldErrors; map: PlanFieldMap } {
  const errors: FieldErrors = {};
  const map: PlanFieldMap = { env: [], ports: [], volumes: [], labels: [] };

  const env = form.env.map((field) => {
    map.env.push(`env:${field.name}`);
    return { name: field.name, value: field.value };
  });
  form.extraEnv.forEach((row, i) => {
    if (blank(row.name) && blank(row.value)) return;
    map.env.push(`extraEnv:${i}`);
    env.push({ name: row.name.trim(), value: row.value });
  });

  const ports: PortSpecInput[] = [];
  form.ports.forEach((row, i) => {
    if (blank(row.hostIp) && blank(row.hostPort) && blank(row.containerPort)) return;
    const containerPort = parsePort(row.containerPort);
    const hostPort = blank(row.hostPort) ? null : parsePort(row.hostPort);
    if (containerPort === null) {
      addError(
        errors,
        `ports:${i}`,
        blank(row.containerPort)
          ? "the container port is missing"
          : `"${row.containerPort.trim()}" is not a port number (1 to 65535)`,
      );
    }
    if (hostPort === null && !blank(row.hostPort)) {
      addError(errors, `ports:${i}`, `"${row.hostPort.trim()}" is not a host port (1 to 65535, or empty to let Docker choose)`);
    }
    if (containerPort === null || (hostPort === null && !blank(row.hostPort))) return;
    map.ports.push(i);
    ports.push({ hostIp: orNull(row.hostIp), hostPort, containerPort, protocol: row.protocol });
  });

  const volumes = form.volumes.flatMap((row, i) => {
    if (blank(row.container) && (row.kind === "anonymous" || blank(row.source))) return [];
    map.volumes.push(i);
    const source: VolumeSource =
      row.kind === "anonymous" ? { kind: "anonymous" } : { kind: row.kind, value: row.source.trim() };
    return [{ container: row.container.trim(), source, readonly: row.readonly }];
  });

  const labels = form.labels.flatMap((row, i) => {
    if (blank(row.name) && blank(row.value)) return [];
    map.labels.push(i);
    return [{ name: row.name.trim(), value: row.value }];
  });

  const memoryMib = numberOf(form.memoryMib);
  let memoryBytes: number | null = null;
  if (memoryMib !== null) {
    if (Number.isNaN(memoryMib) || memoryMib <= 0) {
      addError(errors, "memory", "give the memory limit as a positive number of MiB");
    } else {
      memoryBytes = Math.round(memoryMib * MIB);
    }
  }
  const cpus = numberOf(form.cpus);
  if (cpus !== null && (Number.isNaN(cpus) || cpus <= 0)) {
    addError(errors, "cpus", "give the CPU limit as a positive number of cores, such as 1.5");
  }

  const plan: DeployPlanInput = {
    name: form.name.trim(),
    image: form.image.trim(),
    env,
    ports,
    volumes,
    network: orNull(form.network),
    restartPolicy: form.restartPolicy,
    labels,
    command: orNull(form.command),
    hostname: orNull(form.hostname),
    privileged: form.privileged,
    interactive: form.interactive,
    capAdd: form.capAdd.map((c) => c.trim()).filter((c) => c !== ""),
    memoryBytes,
    cpus: cpus === null || Number.isNaN(cpus) || cpus <= 0 ? null : cpus,
    requiredEnv: form.requiredEnv,
  };
  return { plan, errors, map };
}

const SIMPLE_FIELDS = new Set(["name", "image", "network", "command", "hostname", "cpus", "restartPolicy"]);

/**
 * The form field a backend problem is about (`ports[1]` → `ports:<row>`); `other` when it
 * is about no field of the form.
 */
export function fieldKeyOf(field: string, map: PlanFieldMap, envNames: readonly string[]): string {
  if (SIMPLE_FIELDS.has(field)) return field;
  if (field === "memoryBytes") return "memory";
  if (field.startsWith("capAdd")) return "capAdd";
  const named = /^env\.(.+)$/.exec(field);
  if (named) {
    const index = envNames.indexOf(named[1]);
    return index >= 0 ? (map.env[index] ?? "env") : "env";
  }
  const indexed = /^(env|ports|volumes|labels)\[(\d+)\]/.exec(field);
  if (indexed) {
    const kind = indexed[1] as keyof PlanFieldMap;
    const entry = map[kind][Number(indexed[2])];
    if (entry === undefined) return kind;
    return typeof entry === "string" ? entry : `${kind}:${entry}`;
  }
  return "other";
}

/**
 * Every problem of a check placed on its field, with the form's own errors. A problem of
 * one target says which device it is about; one about the device itself (it cannot be
 * reached) goes under `target:<uuid>`.
 */
export function checkErrors(
  check: DeployCheck | undefined,
  plan: DeployPlanInput,
  map: PlanFieldMap,
  formErrors: FieldErrors,
): FieldErrors {
  const errors: FieldErrors = {};
  for (const [key, messages] of Object.entries(formErrors)) errors[key] = messages.map(capitalise);
  if (!check) return errors;
  const envNames = plan.env.map((v) => v.name);
  for (const p of check.problems) addError(errors, fieldKeyOf(p.field, map, envNames), p.message);
  const several = check.targets.length > 1;
  for (const target of check.targets) {
    for (const p of target.problems) {
      if (p.field === "device") {
        addError(errors, `target:${target.deviceUuid}`, p.message);
        continue;
      }
      addError(errors, fieldKeyOf(p.field, map, envNames), p.message, several ? target.deviceName : undefined);
    }
  }
  return errors;
}

/** Whether a check leaves anything that blocks the deploy. */
export function checkBlocks(check: DeployCheck): boolean {
  return check.problems.length > 0 || check.targets.some((t) => t.problems.length > 0);
}

/** The messages of one field, as one line for an input's `error`; undefined when none. */
export function errorText(errors: FieldErrors, key: string): string | undefined {
  const messages = errors[key];
  return messages && messages.length > 0 ? messages.join(" · ") : undefined;
}

function capitalise(text: string): string {
  return text.length > 0 ? text[0].toUpperCase() + text.slice(1) : text;
}

/** Keys the form shows next to a field; anything else is listed on its own. */
const PLACED_KEYS = new RegExp(
  "^(name|image|targets|env|network|restartPolicy|command|hostname|memory|cpus|capAdd" +
    "|(target|env|extraEnv|ports|volumes|labels):.+)$",
);

/** The messages of keys no field shows, so that none goes unseen. */
export function unplacedErrors(errors: FieldErrors): string[] {
  return Object.entries(errors)
    .filter(([key]) => !PLACED_KEYS.test(key))
    .flatMap(([, messages]) => messages);
}

const KEY_LABELS: Record<string, string> = {
  name: "Name",
  image: "Image",
  env: "Environment",
  network: "Network",
  restartPolicy: "Restart policy",
  command: "Command",
  hostname: "Hostname",
  memory: "Memory limit",
  cpus: "CPU limit",
  capAdd: "Capabilities",
  targets: "Devices",
  ports: "Ports",
  volumes: "Volumes",
  labels: "Labels",
};

const ROW_NOUNS: Record<string, string> = {
  extraEnv: "Variable",
  ports: "Port",
  volumes: "Volume",
  labels: "Label",
};

/** How the review names a form key: `ports:2` is "Port 3", `env:TZ` is "TZ". */
export function fieldLabel(key: string): string {
  const [kind, rest] = key.split(/:(.*)/s, 2);
  if (rest === undefined) return KEY_LABELS[key] ?? "Other";
  if (kind === "env") return rest;
  if (kind === "target") return "Device";
  const noun = ROW_NOUNS[kind];
  return noun ? `${noun} ${Number(rest) + 1}` : key;
}
