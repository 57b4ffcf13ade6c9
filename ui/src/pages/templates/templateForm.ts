// The template editor's form ("My templates" and "Save as template"): the template model's
// fields as inputs, ports as the `8080:80/tcp` text templates use, and back. Pure.
import type { FieldErrors, KeyValueRow, VolumeRow } from "./deployForm";
import type { EnvChoice, EnvInput, PortSpecInput, RestartPolicy, Template, TemplateInput, VolumeSource } from "./types";

/** One variable of the template as the editor shows it. */
export interface EditorEnvRow {
  name: string;
  label: string;
  description: string;
  /** The pre-filled value (for a drop-down: the value of the preselected choice). */
  default: string;
  /** No input is shown when deploying: the default is used as is. */
  preset: boolean;
  /** Drop-down choices as `value` or `text=value`. */
  choices: string[];
}

export interface TemplateEditorForm {
  title: string;
  description: string;
  categories: string[];
  logo: string;
  note: string;
  image: string;
  /** The default container name. */
  name: string;
  env: EditorEnvRow[];
  /** One `[ip:][host:]container[/protocol]` per row. */
  ports: string[];
  volumes: VolumeRow[];
  labels: KeyValueRow[];
  /** Empty: the template says nothing (a deploy then uses `always`). */
  restartPolicy: RestartPolicy | "";
  network: string;
  command: string;
  hostname: string;
  privileged: boolean;
}

export const EMPTY_ENV_ROW: EditorEnvRow = { name: "", label: "", description: "", default: "", preset: false, choices: [] };

/** A drop-down choice as the editor writes it: `value`, or `text=value` when they differ. */
export function formatChoice(choice: EnvChoice): string {
  return choice.text && choice.text !== choice.value ? `${choice.text}=${choice.value}` : choice.value;
}

/** Reads `value` or `text=value` (split at the first `=`). */
export function parseChoice(text: string, defaultValue: string): EnvChoice {
  const at = text.indexOf("=");
  const shown = at > 0 ? text.slice(0, at).trim() : text.trim();
  const value = at > 0 ? text.slice(at + 1).trim() : text.trim();
  return { text: shown, value, default: defaultValue !== "" && value === defaultValue };
}

/** A port as templates write it: `8080:80/tcp`, `127.0.0.1:8080:80/udp`, `[::1]::80/tcp`, `80/tcp`. */
export function formatPortSpec(p: PortSpecInput): string {
  let out = "";
  if (p.hostIp) {
    out += p.hostIp.includes(":") ? `[${p.hostIp}]:` : `${p.hostIp}:`;
    if (p.hostPort == null) out += ":";
  }
  if (p.hostPort != null) out += `${p.hostPort}:`;
  return `${out}${p.containerPort}/${p.protocol}`;
}

function portNumber(text: string, role: "host" | "container"): number | string {
  const t = text.trim();
  if (t === "") return role === "host" ? "the host port is empty" : "the container port is missing";
  if (t.includes("-")) return `"${t}" is a port range; templates take one port`;
  if (!/^\d+$/.test(t)) return `"${t}" is not a port number`;
  const n = Number(t);
  if (n < 1 || n > 65535) return `${role === "host" ? "host" : "container"} port ${t} is out of range (1 to 65535)`;
  return n;
}

/**
 * Reads a port the way the backend does (`[host-ip:][host-port:]container-port[/protocol]`,
 * tcp by default, IPv6 addresses in brackets); a sentence saying what is wrong otherwise.
 */
export function parsePortText(text: string): { port: PortSpecInput } | { error: string } {
  const whole = text.trim();
  if (whole === "") return { error: "the port is empty" };
  const fail = (why: string) => ({ error: `"${whole}": ${why}` });
  let spec = whole;
  let protocol: "tcp" | "udp" = "tcp";
  const slash = whole.lastIndexOf("/");
  if (slash >= 0) {
    const proto = whole.slice(slash + 1).trim().toLowerCase();
    if (proto !== "tcp" && proto !== "udp") return fail(`"${proto}" is not a protocol (tcp or udp)`);
    protocol = proto;
    spec = whole.slice(0, slash);
  }
  let hostIp: string | null = null;
  let ports = spec;
  const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(spec);
  if (bracketed) {
    hostIp = bracketed[1];
    ports = bracketed[2];
  } else {
    const parts = spec.split(":");
    if (parts.length === 3) {
      hostIp = parts[0];
      ports = `${parts[1]}:${parts[2]}`;
    } else if (parts.length > 3) {
      return fail("put an IPv6 address in brackets, as in [::1]:8080:80");
    }
  }
  if (hostIp !== null && hostIp.trim() === "") return fail("the host address is empty");
  const colon = ports.indexOf(":");
  if (colon < 0 && hostIp !== null) {
    return fail("a host address needs a host port after it (leave it empty, as in 127.0.0.1::80, to let Docker choose)");
  }
  const hostText = colon >= 0 ? ports.slice(0, colon) : null;
  const containerText = colon >= 0 ? ports.slice(colon + 1) : ports;
  let hostPort: number | null = null;
  if (hostText !== null && hostText.trim() !== "") {
    const h = portNumber(hostText, "host");
    if (typeof h === "string") return fail(h);
    hostPort = h;
  }
  const c = portNumber(containerText, "container");
  if (typeof c === "string") return fail(c);
  return { port: { hostIp, hostPort, containerPort: c, protocol } };
}

/** The editor filled from a template (one of mine, a draft from a container, or a copy). */
export function editorFormFromTemplate(t: Template): TemplateEditorForm {
  return {
    title: t.title,
    description: t.description,
    categories: [...t.categories],
    logo: t.logo ?? "",
    note: t.note ?? "",
    image: t.image ?? "",
    name: t.name ?? "",
    env: t.env.map((e) => ({
      name: e.name,
      label: e.label ?? "",
      description: e.description ?? "",
      default: e.default ?? e.select.find((c) => c.default)?.value ?? "",
      preset: e.preset,
      choices: e.select.map(formatChoice),
    })),
    ports: t.ports.map(formatPortSpec),
    volumes: t.volumes.map((v) => ({
      container: v.container,
      kind: v.source.kind,
      source: v.source.kind === "anonymous" ? "" : v.source.value,
      readonly: v.readonly,
    })),
    labels: t.labels.map((l) => ({ name: l.name, value: l.value })),
    restartPolicy: t.restartPolicy ?? "",
    network: t.network ?? "",
    command: t.command ?? "",
    hostname: t.hostname ?? "",
    privileged: t.privileged,
  };
}

/** An empty editor, for "New template". */
export function blankEditorForm(): TemplateEditorForm {
  return {
    title: "",
    description: "",
    categories: [],
    logo: "",
    note: "",
    image: "",
    name: "",
    env: [],
    ports: [],
    volumes: [],
    labels: [],
    restartPolicy: "unless-stopped",
    network: "",
    command: "",
    hostname: "",
    privileged: false,
  };
}

const orNull = (s: string) => (s.trim() === "" ? null : s.trim());

/**
 * The template the editor stands for, and what is wrong with the form (keyed `title`,
 * `image`, `env:<row>`, `ports:<row>`, `volumes:<row>`, `labels:<row>`). Fields the editor
 * does not show (kind, platform, registry, a fixed value, ...) are kept from `base`.
 */
export function templateFromEditorForm(
  form: TemplateEditorForm,
  base: Template | null,
): { template: TemplateInput; errors: FieldErrors } {
  const errors: FieldErrors = {};
  // Messages start as sentences, as the deploy form's do.
  const fail = (key: string, message: string) => (errors[key] ??= []).push(message[0].toUpperCase() + message.slice(1));
  const kind = base?.kind ?? "container";

  if (form.title.trim() === "") fail("title", "give the template a title");
  if (kind === "container" && form.image.trim() === "") fail("image", "name the image to run, such as nginx:1.27");

  const baseEnv = new Map((base?.env ?? []).map((e) => [e.name, e]));
  const env: EnvInput[] = [];
  form.env.forEach((row, i) => {
    const name = row.name.trim();
    if (name === "" && row.label.trim() === "" && row.default === "" && row.choices.length === 0) return;
    if (name === "" || /[=\s]/.test(name)) {
      fail(`env:${i}`, name === "" ? "the variable needs a name" : `"${name}" is not a variable name (no spaces or '=')`);
      return;
    }
    const select = row.choices.filter((c) => c.trim() !== "").map((c) => parseChoice(c, row.default.trim()));
    env.push({
      name,
      label: orNull(row.label),
      description: orNull(row.description),
      // With choices, the preselected one carries the default.
      default: select.length > 0 ? null : row.default === "" ? null : row.default,
      preset: row.preset,
      fixed: baseEnv.get(name)?.fixed ?? null,
      select,
    });
  });

  const ports: PortSpecInput[] = [];
  form.ports.forEach((text, i) => {
    if (text.trim() === "") return;
    const parsed = parsePortText(text);
    if ("error" in parsed) fail(`ports:${i}`, parsed.error);
    else ports.push(parsed.port);
  });

  const volumes = form.volumes.flatMap((row, i) => {
    if (row.container.trim() === "" && (row.kind === "anonymous" || row.source.trim() === "")) return [];
    if (!row.container.trim().startsWith("/")) fail(`volumes:${i}`, "the container path must be absolute, such as /data");
    if (row.kind !== "anonymous" && row.source.trim() === "") {
      fail(`volumes:${i}`, row.kind === "bind" ? "give the host path" : "give the volume a name");
    }
    const source: VolumeSource =
      row.kind === "anonymous" ? { kind: "anonymous" } : { kind: row.kind, value: row.source.trim() };
    return [{ container: row.container.trim(), source, readonly: row.readonly }];
  });

  const labels = form.labels.flatMap((row, i) => {
    if (row.name.trim() === "" && row.value.trim() === "") return [];
    if (row.name.trim() === "") fail(`labels:${i}`, "a label needs a name");
    return [{ name: row.name.trim(), value: row.value }];
  });

  const template: TemplateInput = {
    id: base?.id ?? null,
    kind,
    title: form.title.trim(),
    description: form.description.trim(),
    name: orNull(form.name),
    logo: orNull(form.logo),
    note: orNull(form.note),
    platform: base?.platform ?? "linux",
    categories: form.categories.map((c) => c.trim()).filter((c) => c !== ""),
    env,
    image: kind === "container" ? form.image.trim() : (base?.image ?? null),
    registry: base?.registry ?? null,
    command: orNull(form.command),
    network: orNull(form.network),
    volumes,
    ports,
    labels,
    privileged: form.privileged,
    interactive: base?.interactive ?? false,
    restartPolicy: form.restartPolicy === "" ? null : form.restartPolicy,
    hostname: orNull(form.hostname),
    repository: base?.repository ?? null,
    administratorOnly: base?.administratorOnly ?? false,
  };
  return { template, errors };
}

/** A copy of a template for "Duplicate": the same, titled as a copy. */
export function duplicateTemplate(t: Template): TemplateInput {
  return { ...t, id: null, title: `${t.title} (copy)` };
}
