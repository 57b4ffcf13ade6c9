import { describe, expect, it } from "vitest";
import type { DeviceConnection, ImportResult } from "../../api/types";
import { RULES } from "../../bindings";
import {
  defaultName,
  describeConnection,
  discoveredText,
  emptyForm,
  formFromDevice,
  formToConnection,
  importOutcomeText,
  storedSecretFor,
  toDevicePatch,
  toNewDevice,
  validateForm,
  type DeviceForm,
} from "./deviceForm";

const form = (patch: Partial<DeviceForm>): DeviceForm => ({ ...emptyForm(), ...patch });
const ref = { service: "dev.squirrel.app", account: "device/d-1/ssh" };

describe("describeConnection", () => {
  it("describes each kind of connection", () => {
    expect(describeConnection({ type: "localSocket", path: "/var/run/docker.sock" })).toBe("unix:///var/run/docker.sock");
    expect(
      describeConnection({
        type: "tcp",
        host: "nas",
        port: 2376,
        tls: { caPath: "a", certPath: "b", keyPath: "c" },
        insecureAcknowledged: false,
      }),
    ).toBe("tcp://nas:2376 (TLS)");
    expect(describeConnection({ type: "tcp", host: "10.0.0.2", port: 2375, tls: null, insecureAcknowledged: true })).toBe(
      "tcp://10.0.0.2:2375 (no TLS)",
    );
    expect(
      describeConnection({ type: "ssh", host: "nas", port: 2222, user: "me", socketPath: "/s", auth: { method: "agent" } }),
    ).toBe("ssh://me@nas:2222");
  });

  it("leaves out what SSH takes from ~/.ssh/config and brackets IPv6", () => {
    expect(
      describeConnection({ type: "ssh", host: "nas", port: null, user: null, socketPath: "/s", auth: { method: "agent" } }),
    ).toBe("ssh://nas");
    expect(describeConnection({ type: "tcp", host: "fd00::2", port: 2376, tls: null, insecureAcknowledged: true })).toBe(
      "tcp://[fd00::2]:2376 (no TLS)",
    );
  });
});

describe("formToConnection", () => {
  it("builds a local socket connection", () => {
    expect(formToConnection(form({ kind: "local", localPath: " /run/docker.sock " }))).toEqual({
      connection: { type: "localSocket", path: "/run/docker.sock" },
      secret: null,
    });
  });

  it("splits an SSH password from the connection and leaves the reference to the backend", () => {
    const { connection, secret } = formToConnection(
      form({ kind: "ssh", sshHost: " nas ", sshPort: 2222, sshUser: "", sshAuth: "password", secret: "hunter2" }),
    );
    expect(secret).toBe("hunter2");
    expect(connection).toEqual({
      type: "ssh",
      host: "nas",
      port: 2222,
      user: null,
      socketPath: "/var/run/docker.sock",
      auth: { method: "password", secret: null },
    });
    expect(JSON.stringify(connection)).not.toContain("hunter2");
  });

  it("sends a key passphrase apart, with an empty path meaning the ssh defaults", () => {
    const { connection, secret } = formToConnection(
      form({ kind: "ssh", sshHost: "nas", sshAuth: "keyFile", sshKeyPath: "", secret: "pass phrase" }),
    );
    expect(secret).toBe("pass phrase");
    expect(connection).toMatchObject({ port: null, auth: { method: "keyFile", path: "", passphrase: null } });
  });

  it("sends no secret for ssh-agent, even if one was typed before switching", () => {
    const result = formToConnection(form({ kind: "ssh", sshHost: "nas", sshAuth: "agent", secret: "left over" }));
    expect(result.secret).toBeNull();
    expect(result.connection).toMatchObject({ auth: { method: "agent" } });
  });

  it("never sends a secret reference: the backend derives it from the device", () => {
    for (const sshAuth of ["password", "keyFile"] as const) {
      for (const secret of ["", "typed"]) {
        const { connection } = formToConnection(form({ kind: "ssh", sshHost: "nas", sshAuth, secret }));
        expect(connection).toMatchObject({ auth: sshAuth === "password" ? { secret: null } : { passphrase: null } });
      }
    }
  });

  it("uses mutual TLS files, and never acknowledges insecurity with TLS on", () => {
    const { connection } = formToConnection(
      form({ kind: "tcp", tcpHost: "nas", tcpPort: "2376", tls: true, tlsCa: "ca", tlsCert: "cert", tlsKey: "key", insecureAck: true }),
    );
    expect(connection).toEqual({
      type: "tcp",
      host: "nas",
      port: 2376,
      tls: { caPath: "ca", certPath: "cert", keyPath: "key" },
      insecureAcknowledged: false,
    });
  });

  it("maps plain TCP's checkbox to insecureAcknowledged", () => {
    const plain = form({ kind: "tcp", tcpHost: "nas", tcpPort: 2375, tls: false });
    expect(formToConnection({ ...plain, insecureAck: true }).connection).toMatchObject({ tls: null, insecureAcknowledged: true });
    expect(formToConnection({ ...plain, insecureAck: false }).connection).toMatchObject({ insecureAcknowledged: false });
  });
});

describe("validateForm", () => {
  it("requires the acknowledgement for plain TCP only", () => {
    const plain = form({ kind: "tcp", tcpHost: "nas", tcpPort: 2375, tls: false });
    expect(validateForm(plain).insecureAck).toBeDefined();
    expect(validateForm({ ...plain, insecureAck: true })).toEqual({});
    const tls = form({ kind: "tcp", tcpHost: "nas", tls: true });
    expect(Object.keys(validateForm(tls)).sort()).toEqual(["tlsCa", "tlsCert", "tlsKey"]);
  });

  it("checks hosts, ports and the password", () => {
    expect(validateForm(form({ kind: "ssh" })).sshHost).toBeDefined();
    expect(validateForm(form({ kind: "ssh", sshHost: "nas", sshPort: 70000 })).sshPort).toBeDefined();
    expect(validateForm(form({ kind: "ssh", sshHost: "nas" }))).toEqual({});
    const pw = form({ kind: "ssh", sshHost: "nas", sshAuth: "password" });
    expect(validateForm(pw).secret).toBeDefined();
    expect(validateForm(pw, { hasStoredSecret: true })).toEqual({});
    expect(validateForm(form({ kind: "tcp", tcpHost: "tcp://nas" })).tcpHost).toBeDefined();
    expect(validateForm(form({ kind: "local", localPath: "docker.sock" })).localPath).toBeDefined();
    expect(validateForm(form({ resyncIntervalSecs: 5 })).resyncIntervalSecs).toBeDefined();
    expect(validateForm(form({ statsIntervalSecs: 0 }))).toEqual({});
    expect(validateForm(form({ statsIntervalSecs: 5 }))).toEqual({});
    expect(validateForm(form({ statsIntervalSecs: 3600 }))).toEqual({});
    expect(validateForm(form({ statsIntervalSecs: 4 })).statsIntervalSecs).toBeDefined();
    expect(validateForm(form({ statsIntervalSecs: 3601 })).statsIntervalSecs).toBeDefined();
    expect(validateForm(form({ statsIntervalSecs: "x" })).statsIntervalSecs).toBeDefined();
    expect(validateForm(form({}))).toEqual({});
  });
});

describe("limits come from the backend's rules", () => {
  it("counts a name as Rust does (characters, not UTF-16 units) up to RULES.deviceNameMax", () => {
    const max = RULES.deviceNameMax;
    expect(validateForm(form({ name: "🐿".repeat(max) }))).toEqual({});
    expect(validateForm(form({ name: "x".repeat(max + 1) })).name).toBe(`At most ${max} characters.`);
  });

  it("bounds the intervals by RULES and defaults to its values", () => {
    expect(validateForm(form({ resyncIntervalSecs: RULES.resyncSecsMin - 1 })).resyncIntervalSecs).toBeDefined();
    expect(validateForm(form({ resyncIntervalSecs: RULES.resyncSecsMax }))).toEqual({});
    expect(validateForm(form({ statsIntervalSecs: RULES.statsSecsMax + 1 })).statsIntervalSecs).toBeDefined();
    const empty = emptyForm();
    expect([empty.localPath, empty.tcpPort, empty.resyncIntervalSecs, empty.statsIntervalSecs]).toEqual([
      RULES.defaultDockerSocket,
      RULES.defaultTlsPort,
      RULES.resyncSecsDefault,
      RULES.statsSecsDefault,
    ]);
  });
});

describe("names and device inputs", () => {
  it("defaults the name to the host, or This computer", () => {
    expect(defaultName(form({ kind: "local" }))).toBe("This computer");
    expect(defaultName(form({ kind: "ssh", sshHost: " nas " }))).toBe("nas");
    expect(toNewDevice(form({ kind: "tcp", tcpHost: "box", tcpPort: 2375, tls: false, insecureAck: true })).device.name).toBe("box");
  });

  it("builds deviceAdd and deviceUpdate arguments with the secret apart", () => {
    const f = form({ kind: "ssh", sshHost: "nas", sshAuth: "password", secret: "pw", name: " NAS ", resyncIntervalSecs: "" });
    const added = toNewDevice(f);
    expect(added.secret).toBe("pw");
    expect(added.device).toMatchObject({
      name: "NAS",
      resyncIntervalSecs: 300,
      statsIntervalSecs: 10,
      connection: { auth: { secret: null } },
    });
    expect(toNewDevice({ ...f, statsIntervalSecs: 0 }).device.statsIntervalSecs).toBe(0);
    expect(toDevicePatch({ ...f, statsIntervalSecs: 60 }).patch.statsIntervalSecs).toBe(60);
    const edited = toDevicePatch({ ...f, secret: "" });
    expect(edited.secret).toBeNull();
    expect(edited.patch).toMatchObject({ name: "NAS", connection: { auth: { method: "password", secret: null } } });
  });

  it("round-trips an existing device into the form, without its secret", () => {
    const connection: DeviceConnection = {
      type: "ssh",
      host: "nas",
      port: null,
      user: "me",
      socketPath: "/run/docker.sock",
      auth: { method: "password", secret: ref },
    };
    const f = formFromDevice({ name: "NAS", connection, resyncIntervalSecs: 60, statsIntervalSecs: 30 });
    expect(f.statsIntervalSecs).toBe(30);
    expect(f).toMatchObject({ kind: "ssh", sshHost: "nas", sshPort: "", sshUser: "me", sshAuth: "password", secret: "" });
    expect(storedSecretFor(connection, f)).toBe(true);
    // The backend drops the stored secret when the host, the user or the method changes.
    expect(storedSecretFor(connection, { ...f, sshAuth: "keyFile" })).toBe(false);
    expect(storedSecretFor(connection, { ...f, sshHost: "nas2" })).toBe(false);
    expect(storedSecretFor(connection, { ...f, sshUser: "root" })).toBe(false);
    expect(storedSecretFor(connection, { ...f, sshPort: 2222 })).toBe(true);
    expect(validateForm({ ...f, sshHost: "nas2" }, { hasStoredSecret: storedSecretFor(connection, { ...f, sshHost: "nas2" }) }).secret).toBeDefined();
    expect(formToConnection(f).connection).toEqual({ ...connection, auth: { method: "password", secret: null } });
  });
});

describe("import texts", () => {
  const result = (outcome: ImportResult["outcome"]): ImportResult => ({ name: "nas", source: 'docker context "nas"', outcome });

  it("says what happened to each engine", () => {
    expect(importOutcomeText(result({ outcome: "added", deviceUuid: "d" }))).toBe("Added");
    expect(importOutcomeText(result({ outcome: "alreadyPresent", deviceUuid: "d" }))).toBe("Already in Squirrel");
    expect(importOutcomeText(result({ outcome: "skipped", reason: "TLS files missing" }))).toBe("Skipped: TLS files missing");
  });

  it("previews a discovered engine", () => {
    expect(
      discoveredText({
        name: "default",
        source: "DOCKER_HOST",
        connection: { connection: { type: "localSocket", path: "/x.sock" }, reason: null },
      }),
    ).toEqual({ importable: true, text: "unix:///x.sock" });
    expect(
      discoveredText({ name: "k8s", source: 'docker context "k8s"', connection: { connection: null, reason: "Kubernetes endpoints are not supported" } }),
    ).toEqual({ importable: false, text: "Kubernetes endpoints are not supported" });
  });
});

describe("a Proxmox VE device", () => {
  const pve = (patch: Partial<DeviceForm> = {}) =>
    form({ kind: "proxmox", pveUrl: " https://pve.lan:8006/ ", pveTokenId: "root@pam!squirrel", secret: "s3cr3t", ...patch });

  it("sends the token's secret apart, and the certificate's trust as chosen", () => {
    expect(formToConnection(pve())).toEqual({
      connection: {
        type: "proxmox",
        url: "https://pve.lan:8006/",
        tokenId: "root@pam!squirrel",
        secret: null,
        trust: { mode: "fingerprint", fingerprint: null },
      },
      secret: "s3cr3t",
    });
    expect(formToConnection(pve({ pveTrust: "ca", pveCa: " /etc/pve-ca.pem " })).connection).toMatchObject({ trust: { mode: "ca", caPath: "/etc/pve-ca.pem" } });
    expect(formToConnection(pve({ pveTrust: "system" })).connection).toMatchObject({ trust: { mode: "system" } });
    expect(formToConnection(pve({ pveFingerprint: "AB:CD" })).connection).toMatchObject({ trust: { mode: "fingerprint", fingerprint: "AB:CD" } });
  });

  it("checks the address, the token id, the secret and a given fingerprint", () => {
    expect(validateForm(pve())).toEqual({});
    const bad = validateForm(pve({ pveUrl: "http://pve.lan", pveTokenId: "root", secret: "", pveFingerprint: "12:34" }));
    expect(bad.pveUrl).toMatch(/HTTPS only/);
    expect(bad.pveTokenId).toMatch(/user@realm!name/);
    expect(bad.secret).toMatch(/secret/);
    expect(bad.pveFingerprint).toMatch(/32 pairs/);
    // A stored secret stays while the address and the token stay.
    expect(validateForm(pve({ secret: "" }), { hasStoredSecret: true }).secret).toBeUndefined();
    expect(validateForm(pve({ pveTrust: "ca", pveCa: "" })).pveCa).toBeDefined();
    expect(validateForm(pve({ pveFingerprint: "ab".repeat(32) })).pveFingerprint).toBeUndefined();
  });

  it("signs in with a user and password instead, the realm required", () => {
    const user = pve({ pveLogin: "password", pveTokenId: "squirrel@pve", secret: "correct horse" });
    expect(validateForm(user)).toEqual({});
    expect(formToConnection(user)).toMatchObject({ connection: { tokenId: "squirrel@pve", secret: null }, secret: "correct horse" });
    expect(validateForm({ ...user, pveTokenId: "root" }).pveTokenId).toMatch(/user@realm/);
    // A token id is not a user.
    expect(validateForm({ ...user, pveTokenId: "root@pam!x" }).pveTokenId).toMatch(/user@realm/);
    expect(validateForm({ ...user, secret: "" }).secret).toMatch(/password/);
    const back = formFromDevice({
      name: "pve",
      connection: { type: "proxmox", url: "https://pve.lan", tokenId: "squirrel@pve", secret: ref, trust: { mode: "system" } },
      resyncIntervalSecs: 300,
    });
    expect(back).toMatchObject({ pveLogin: "password", pveTokenId: "squirrel@pve", secret: "" });
  });

  it("names itself after the node, and round-trips without its secret", () => {
    expect(defaultName(pve())).toBe("pve.lan");
    const connection: DeviceConnection = {
      type: "proxmox",
      url: "https://pve.lan:8006",
      tokenId: "root@pam!squirrel",
      secret: ref,
      trust: { mode: "fingerprint", fingerprint: "AB:CD" },
    };
    const back = formFromDevice({ name: "pve", connection, resyncIntervalSecs: 300 });
    expect(back).toMatchObject({ kind: "proxmox", pveUrl: "https://pve.lan:8006", pveLogin: "token", pveTokenId: "root@pam!squirrel", pveTrust: "fingerprint", pveFingerprint: "AB:CD", secret: "" });
    expect(storedSecretFor(connection, back)).toBe(true);
    expect(storedSecretFor(connection, { ...back, pveTokenId: "other@pam!x" })).toBe(false);
    expect(describeConnection(connection)).toBe("root@pam!squirrel at https://pve.lan:8006");
  });
});
