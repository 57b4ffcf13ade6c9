import type {
  DeviceConnection,
  DeviceConnectionInput,
  DevicePatch,
  DiscoveredEngine,
  ImportResult,
  NewDevice,
  PveTrust,
  SshAuth,
} from "../../api/types";
import { RULES } from "../../bindings";

/** The ways to reach an engine the wizard offers. */
export type DeviceKind = "local" | "ssh" | "tcp" | "proxmox";
export type PveTrustMode = PveTrust["mode"];
export type PveLogin = "token" | "password";
export type SshAuthMethod = SshAuth["method"];

// Limits and defaults come from the backend's rules (generated bindings), never typed twice.
export const DEFAULT_SOCKET = RULES.defaultDockerSocket;
export const DEFAULT_TLS_PORT = RULES.defaultTlsPort;
export const DEFAULT_RESYNC_SECS = RULES.resyncSecsDefault;
export const MIN_RESYNC_SECS = RULES.resyncSecsMin;
export const MAX_RESYNC_SECS = RULES.resyncSecsMax;
export const DEFAULT_STATS_SECS = RULES.statsSecsDefault;
export const MIN_STATS_SECS = RULES.statsSecsMin;
export const MAX_STATS_SECS = RULES.statsSecsMax;
export const NAME_MAX = RULES.deviceNameMax;
export const LOCAL_NAME = RULES.localDeviceName;

/** Everything the add/edit wizard edits, as typed (numbers may still be empty). */
export interface DeviceForm {
  kind: DeviceKind;
  name: string;
  resyncIntervalSecs: number | string;
  /** Seconds between stats rounds; 0 turns collection off. */
  statsIntervalSecs: number | string;
  localPath: string;
  sshHost: string;
  sshPort: number | string;
  sshUser: string;
  sshSocket: string;
  sshAuth: SshAuthMethod;
  sshKeyPath: string;
  /** The SSH password or key passphrase typed now; sent apart from the connection, never stored here. */
  secret: string;
  tcpHost: string;
  tcpPort: number | string;
  tls: boolean;
  tlsCa: string;
  tlsCert: string;
  tlsKey: string;
  insecureAck: boolean;
  /** A Proxmox VE node's address, as `pve.lan` or `https://pve.lan:8006`. */
  pveUrl: string;
  /** An API token (`user@realm!name` and its secret), or a user's password (`user@realm`). */
  pveLogin: PveLogin;
  /** The token id, or the user for a password login (Proxmox tells them apart by the `!`). */
  pveTokenId: string;
  pveTrust: PveTrustMode;
  /** Empty: approved on first use. */
  pveFingerprint: string;
  pveCa: string;
}

export function emptyForm(kind: DeviceKind = "local"): DeviceForm {
  return {
    kind,
    name: "",
    resyncIntervalSecs: DEFAULT_RESYNC_SECS,
    statsIntervalSecs: DEFAULT_STATS_SECS,
    localPath: DEFAULT_SOCKET,
    sshHost: "",
    sshPort: "",
    sshUser: "",
    sshSocket: DEFAULT_SOCKET,
    sshAuth: "agent",
    sshKeyPath: "",
    secret: "",
    tcpHost: "",
    tcpPort: DEFAULT_TLS_PORT,
    tls: true,
    tlsCa: "",
    tlsCert: "",
    tlsKey: "",
    insecureAck: false,
    pveUrl: "",
    pveLogin: "token",
    pveTokenId: "",
    pveTrust: "fingerprint",
    pveFingerprint: "",
    pveCa: "",
  };
}

/** The wizard's form for an existing device (the secret is never sent back: it stays empty). */
export function formFromDevice(device: {
  name: string;
  connection: DeviceConnection;
  resyncIntervalSecs: number;
  statsIntervalSecs?: number;
}): DeviceForm {
  const c = device.connection;
  const base = {
    ...emptyForm(),
    name: device.name,
    resyncIntervalSecs: device.resyncIntervalSecs,
    statsIntervalSecs: device.statsIntervalSecs ?? DEFAULT_STATS_SECS,
  };
  switch (c.type) {
    case "localSocket":
      return { ...base, kind: "local", localPath: c.path };
    case "tcp":
      return {
        ...base,
        kind: "tcp",
        tcpHost: c.host,
        tcpPort: c.port,
        tls: c.tls !== null,
        tlsCa: c.tls?.caPath ?? "",
        tlsCert: c.tls?.certPath ?? "",
        tlsKey: c.tls?.keyPath ?? "",
        insecureAck: c.tls === null && c.insecureAcknowledged,
      };
    case "ssh":
      return {
        ...base,
        kind: "ssh",
        sshHost: c.host,
        sshPort: c.port ?? "",
        sshUser: c.user ?? "",
        sshSocket: c.socketPath,
        sshAuth: c.auth.method,
        sshKeyPath: c.auth.method === "keyFile" ? c.auth.path : "",
      };
    case "proxmox":
      return {
        ...base,
        kind: "proxmox",
        pveUrl: c.url,
        pveLogin: c.tokenId.includes("!") ? "token" : "password",
        pveTokenId: c.tokenId,
        pveTrust: c.trust.mode,
        pveFingerprint: c.trust.mode === "fingerprint" ? (c.trust.fingerprint ?? "") : "",
        pveCa: c.trust.mode === "ca" ? c.trust.caPath : "",
      };
  }
}

export function kindOf(connection: DeviceConnection): DeviceKind {
  return connection.type === "localSocket" ? "local" : connection.type;
}

/** `host:port`, with brackets around an IPv6 address. */
function hostPort(host: string, port: number | null | undefined): string {
  const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return port == null ? h : `${h}:${port}`;
}

/** `unix:///var/run/docker.sock`, `tcp://nas:2376 (TLS)`, `ssh://me@nas:22`. */
export function describeConnection(connection: DeviceConnection | DeviceConnectionInput): string {
  switch (connection.type) {
    case "localSocket":
      return `unix://${connection.path}`;
    case "tcp":
      return `tcp://${hostPort(connection.host, connection.port)} ${connection.tls ? "(TLS)" : "(no TLS)"}`;
    case "ssh": {
      const user = connection.user ? `${connection.user}@` : "";
      return `ssh://${user}${hostPort(connection.host, connection.port)}`;
    }
    case "proxmox":
      return `${connection.tokenId} at ${connection.url}`;
  }
}

/** The host of a node's address as typed (`https://pve.lan:8006/` → `pve.lan`). */
export function pveHost(url: string): string {
  return url
    .trim()
    .replace(/^[a-z]+:\/\//i, "")
    .replace(/[/?#].*$/, "")
    .replace(/:\d+$/, "");
}

/** The name used when the name field is left empty: the host, or "This computer". */
export function defaultName(form: DeviceForm): string {
  const host =
    form.kind === "ssh" ? form.sshHost.trim() : form.kind === "tcp" ? form.tcpHost.trim() : form.kind === "proxmox" ? pveHost(form.pveUrl) : "";
  return host || LOCAL_NAME;
}

function toInt(value: number | string): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? Math.trunc(value) : null;
  const t = value.trim();
  if (t === "" || !/^\d+$/.test(t)) return null;
  return Number.parseInt(t, 10);
}

function isBlank(value: number | string): boolean {
  return typeof value === "string" && value.trim() === "";
}

export type FormErrors = Partial<Record<keyof DeviceForm, string>>;

export interface ValidateOptions {
  /** Editing a device whose password/passphrase is already in the keyring: an empty field keeps it. */
  hasStoredSecret?: boolean;
}

/** Field errors; an empty object means the form can be converted. */
export function validateForm(form: DeviceForm, options: ValidateOptions = {}): FormErrors {
  const errors: FormErrors = {};
  if ([...form.name.trim()].length > NAME_MAX) errors.name = `At most ${NAME_MAX} characters.`;
  const resync = toInt(form.resyncIntervalSecs);
  if (
    !isBlank(form.resyncIntervalSecs) &&
    (resync === null || resync < MIN_RESYNC_SECS || resync > MAX_RESYNC_SECS)
  ) {
    errors.resyncIntervalSecs = `Between ${MIN_RESYNC_SECS} and ${MAX_RESYNC_SECS} seconds.`;
  }
  const stats = toInt(form.statsIntervalSecs);
  if (
    !isBlank(form.statsIntervalSecs) &&
    (stats === null || (stats !== 0 && (stats < MIN_STATS_SECS || stats > MAX_STATS_SECS)))
  ) {
    errors.statsIntervalSecs = `0 (off), or ${MIN_STATS_SECS} to ${MAX_STATS_SECS} seconds.`;
  }
  const validPort = (v: number | string) => {
    const n = toInt(v);
    return n !== null && n >= 1 && n <= 65_535;
  };
  switch (form.kind) {
    case "local":
      if (!form.localPath.trim().startsWith("/")) errors.localPath = "An absolute path, like /var/run/docker.sock.";
      break;
    case "ssh":
      if (!form.sshHost.trim()) errors.sshHost = "Enter a host name, an address or an SSH alias.";
      else if (/\s/.test(form.sshHost.trim())) errors.sshHost = "No spaces in a host name.";
      if (!isBlank(form.sshPort) && !validPort(form.sshPort)) errors.sshPort = "A port between 1 and 65535.";
      if (!form.sshSocket.trim().startsWith("/")) errors.sshSocket = "An absolute path on the remote machine.";
      if (form.sshAuth === "password" && form.secret === "" && !options.hasStoredSecret) {
        errors.secret = "Enter the password.";
      }
      break;
    case "tcp":
      if (!form.tcpHost.trim()) errors.tcpHost = "Enter a host name or an address.";
      else if (/\s|\//.test(form.tcpHost.trim())) errors.tcpHost = "Only the host: no scheme, path or spaces.";
      if (!validPort(form.tcpPort)) errors.tcpPort = "A port between 1 and 65535.";
      if (form.tls) {
        if (!form.tlsCa.trim()) errors.tlsCa = "The CA certificate file (ca.pem).";
        if (!form.tlsCert.trim()) errors.tlsCert = "The client certificate file (cert.pem).";
        if (!form.tlsKey.trim()) errors.tlsKey = "The client key file (key.pem).";
      } else if (!form.insecureAck) {
        errors.insecureAck = "Plain TCP needs this acknowledgement.";
      }
      break;
    case "proxmox": {
      const url = form.pveUrl.trim();
      if (!url) errors.pveUrl = "The address of any node of the cluster, like pve.lan or https://10.0.0.5:8006.";
      else if (/^http:\/\//i.test(url)) errors.pveUrl = "Proxmox VE serves its API over HTTPS only.";
      else if (/\s/.test(url)) errors.pveUrl = "No spaces in an address.";
      if (form.pveLogin === "token") {
        if (!/^[^@\s]+@[^!\s]+![^\s=]+$/.test(form.pveTokenId.trim())) {
          errors.pveTokenId = "As user@realm!name, e.g. root@pam!squirrel.";
        }
        if (form.secret === "" && !options.hasStoredSecret) errors.secret = "Enter the token's secret.";
      } else {
        if (!/^[^@\s!=:]+@[^@!\s=:]+$/.test(form.pveTokenId.trim())) {
          errors.pveTokenId = "As user@realm, e.g. root@pam (the realm is needed).";
        }
        if (form.secret === "" && !options.hasStoredSecret) errors.secret = "Enter the user's password.";
      }
      if (form.pveTrust === "ca" && !form.pveCa.trim()) errors.pveCa = "The CA certificate file (PEM).";
      const fp = form.pveFingerprint.trim().replace(/:/g, "");
      if (form.pveTrust === "fingerprint" && fp !== "" && !/^[0-9a-f]{64}$/i.test(fp)) {
        errors.pveFingerprint = "32 pairs of hex digits, as AB:CD:…; or empty to approve it on first connection.";
      }
      break;
    }
  }
  return errors;
}

export interface ConnectionInput {
  connection: DeviceConnectionInput;
  /** The SSH password or key passphrase to send alongside (null: none typed). */
  secret: string | null;
}

/**
 * The connection to send, and the secret apart from it. Secret references are always null:
 * the backend derives them from the device (an edited device's test names the device instead).
 */
export function formToConnection(form: DeviceForm): ConnectionInput {
  switch (form.kind) {
    case "local":
      return { connection: { type: "localSocket", path: form.localPath.trim() }, secret: null };
    case "tcp": {
      const tls = form.tls
        ? { caPath: form.tlsCa.trim(), certPath: form.tlsCert.trim(), keyPath: form.tlsKey.trim() }
        : null;
      return {
        connection: {
          type: "tcp",
          host: form.tcpHost.trim(),
          port: toInt(form.tcpPort) ?? DEFAULT_TLS_PORT,
          tls,
          // Only plain TCP needs (and may carry) the acknowledgement.
          insecureAcknowledged: tls === null && form.insecureAck,
        },
        secret: null,
      };
    }
    case "ssh": {
      const typed = form.sshAuth === "agent" || form.secret === "" ? null : form.secret;
      const auth: SshAuth =
        form.sshAuth === "agent"
          ? { method: "agent" }
          : form.sshAuth === "keyFile"
            ? { method: "keyFile", path: form.sshKeyPath.trim(), passphrase: null }
            : { method: "password", secret: null };
      const user = form.sshUser.trim();
      return {
        connection: {
          type: "ssh",
          host: form.sshHost.trim(),
          port: isBlank(form.sshPort) ? null : toInt(form.sshPort),
          user: user === "" ? null : user,
          socketPath: form.sshSocket.trim() || DEFAULT_SOCKET,
          auth,
        },
        secret: typed,
      };
    }
    case "proxmox": {
      const fingerprint = form.pveFingerprint.trim();
      const trust: PveTrust =
        form.pveTrust === "ca"
          ? { mode: "ca", caPath: form.pveCa.trim() }
          : form.pveTrust === "system"
            ? { mode: "system" }
            : { mode: "fingerprint", fingerprint: fingerprint === "" ? null : fingerprint };
      return {
        connection: { type: "proxmox", url: form.pveUrl.trim(), tokenId: form.pveTokenId.trim(), secret: null, trust },
        secret: form.secret === "" ? null : form.secret,
      };
    }
  }
}

function resyncOf(form: DeviceForm): number {
  return toInt(form.resyncIntervalSecs) ?? DEFAULT_RESYNC_SECS;
}

function statsOf(form: DeviceForm): number {
  return toInt(form.statsIntervalSecs) ?? DEFAULT_STATS_SECS;
}

/** The `deviceAdd` arguments. */
export function toNewDevice(form: DeviceForm): { device: NewDevice; secret: string | null } {
  const { connection, secret } = formToConnection(form);
  return {
    device: {
      name: form.name.trim() || defaultName(form),
      connection,
      resyncIntervalSecs: resyncOf(form),
      statsIntervalSecs: statsOf(form),
    },
    secret,
  };
}

/**
 * The `deviceUpdate` arguments: an empty secret keeps the stored one while the host, user and
 * method stay (see `storedSecretFor`); otherwise the backend drops it.
 */
export function toDevicePatch(form: DeviceForm): { patch: DevicePatch; secret: string | null } {
  const { connection, secret } = formToConnection(form);
  return {
    patch: {
      name: form.name.trim() || defaultName(form),
      connection,
      resyncIntervalSecs: resyncOf(form),
      statsIntervalSecs: statsOf(form),
    },
    secret,
  };
}

/**
 * Whether the device's stored password or passphrase still applies to the form: the backend
 * keeps it only while the host, the user and the auth method (with its key file) stay the same.
 */
export function storedSecretFor(connection: DeviceConnection | undefined, form: DeviceForm): boolean {
  if (connection?.type === "proxmox" && form.kind === "proxmox") {
    return connection.secret !== null && connection.url === form.pveUrl.trim() && connection.tokenId === form.pveTokenId.trim();
  }
  if (connection?.type !== "ssh" || form.kind !== "ssh") return false;
  if (connection.host !== form.sshHost.trim() || (connection.user ?? "") !== form.sshUser.trim()) return false;
  const auth = connection.auth;
  if (auth.method !== form.sshAuth) return false;
  if (auth.method === "password") return auth.secret !== null;
  return auth.method === "keyFile" && auth.passphrase !== null && auth.path === form.sshKeyPath.trim();
}

/** One line for a discovered engine: where it leads, or why it cannot be imported. */
export function discoveredText(engine: DiscoveredEngine): { importable: boolean; text: string } {
  const { connection, reason } = engine.connection;
  if (connection) return { importable: true, text: describeConnection(connection) };
  return { importable: false, text: reason ?? "Squirrel cannot reach this engine." };
}

/** What importing one engine did, as a sentence. */
export function importOutcomeText(result: ImportResult): string {
  switch (result.outcome.outcome) {
    case "added":
      return "Added";
    case "alreadyPresent":
      return "Already in Squirrel";
    case "skipped":
      return `Skipped: ${result.outcome.reason}`;
  }
}

/** A hint under a failed test, by error code. */
export function errorHint(code: string | undefined): string {
  switch (code) {
    case "device_unavailable":
      return "Check that Docker runs on that machine, that the address and port are right, and that no firewall is in the way.";
    case "invalid_input":
      return "Go back and check the connection details.";
    case "secrets":
      return "Squirrel could not use the system keyring. Unlock it (or install one) and try again.";
    case "unsupported":
      return "This kind of connection is not supported here.";
    case "host_key_unknown":
      return "The server's identity (its SSH host key, or a Proxmox node's certificate) must be approved before Squirrel connects.";
    default:
      return "Go back to check the details, then test again.";
  }
}
