import { describe, expect, it } from "vitest";
import {
  checkErrors,
  errorText,
  fieldKeyOf,
  fieldLabel,
  formFromPlan,
  formToPlan,
  MIB,
  unplacedErrors,
  type DeployForm,
} from "./deployForm";
import { makeTemplate } from "./testTemplates";
import type { DeployPlan, EnvInput } from "./types";

function input(name: string, overrides: Partial<EnvInput> = {}): EnvInput {
  return { name, label: null, description: null, default: null, preset: false, fixed: null, select: [], ...overrides };
}

const template = makeTemplate({
  title: "Acorn",
  env: [
    input("ADMIN_EMAIL", { label: "Admin e-mail", description: "Where alerts go" }),
    input("DATA_DIR", { default: "/data", preset: true }),
    input("MODE", { fixed: "prod" }),
    input("LOG", {
      select: [
        { text: "Info", value: "info", default: false },
        { text: "Debug", value: "debug", default: true },
      ],
    }),
  ],
});

const plan: DeployPlan = {
  name: "acorn",
  image: "ghcr.io/example/acorn:2",
  env: [
    { name: "ADMIN_EMAIL", value: "" },
    { name: "DATA_DIR", value: "/data" },
    { name: "MODE", value: "prod" },
    { name: "LOG", value: "debug" },
  ],
  ports: [{ hostIp: null, hostPort: 8085, containerPort: 8080, protocol: "tcp" }],
  volumes: [{ container: "/var/lib/acorn", source: { kind: "named", value: "acorn-var-lib-acorn" }, readonly: false }],
  network: null,
  restartPolicy: "always",
  labels: [],
  command: null,
  hostname: null,
  privileged: false,
  interactive: false,
  capAdd: [],
  memoryBytes: null,
  cpus: null,
  requiredEnv: ["ADMIN_EMAIL"],
};

function form(): DeployForm {
  return formFromPlan(template, plan);
}

describe("the deploy form from a plan", () => {
  it("shows each template variable the way the template asks", () => {
    const f = form();
    expect(f.env.map((e) => [e.name, e.kind, e.value, e.required])).toEqual([
      ["ADMIN_EMAIL", "text", "", true],
      ["DATA_DIR", "preset", "/data", false],
      ["MODE", "fixed", "prod", false],
      ["LOG", "select", "debug", false],
    ]);
    expect(f.env[0].label).toBe("Admin e-mail");
    expect(f.env[0].description).toBe("Where alerts go");
    expect(f.env[3].choices).toEqual([
      { value: "info", label: "Info" },
      { value: "debug", label: "Debug" },
    ]);
    expect(f.ports).toEqual([{ hostIp: "", hostPort: "8085", containerPort: "8080", protocol: "tcp" }]);
    expect(f.volumes).toEqual([{ container: "/var/lib/acorn", kind: "named", source: "acorn-var-lib-acorn", readonly: false }]);
    expect(f.restartPolicy).toBe("always");
    expect(f.memoryMib).toBe("");
  });

  it("gives back the same plan when nothing changed", () => {
    const { plan: back, errors } = formToPlan(form());
    expect(errors).toEqual({});
    expect(back).toEqual(plan);
  });
});

describe("the plan from the deploy form", () => {
  it("maps picked and typed variables, extra variables, ports, volumes and limits", () => {
    const f = form();
    f.env[0].value = "me@example.com";
    f.env[3].value = "info";
    f.extraEnv = [
      { name: "TZ", value: "Europe/Paris" },
      { name: "", value: "" },
    ];
    f.ports = [
      { hostIp: "127.0.0.1", hostPort: "8080", containerPort: "80", protocol: "tcp" },
      { hostIp: "", hostPort: "", containerPort: "53", protocol: "udp" },
      { hostIp: "", hostPort: "", containerPort: "", protocol: "tcp" },
    ];
    f.volumes = [
      { container: "/data", kind: "bind", source: " /srv/acorn ", readonly: true },
      { container: "/cache", kind: "anonymous", source: "ignored", readonly: false },
      { container: "/state", kind: "named", source: "acorn-state", readonly: false },
      { container: "", kind: "named", source: "", readonly: false },
    ];
    f.labels = [{ name: "com.example.team", value: "ops" }];
    f.memoryMib = 512;
    f.cpus = "1.5";
    f.capAdd = ["NET_ADMIN", " "];
    f.command = "  ";
    f.network = "backend";
    const { plan: out, errors, map } = formToPlan(f);
    expect(errors).toEqual({});
    expect(out.env).toEqual([
      { name: "ADMIN_EMAIL", value: "me@example.com" },
      { name: "DATA_DIR", value: "/data" },
      { name: "MODE", value: "prod" },
      { name: "LOG", value: "info" },
      { name: "TZ", value: "Europe/Paris" },
    ]);
    expect(out.ports).toEqual([
      { hostIp: "127.0.0.1", hostPort: 8080, containerPort: 80, protocol: "tcp" },
      { hostIp: null, hostPort: null, containerPort: 53, protocol: "udp" },
    ]);
    expect(out.volumes).toEqual([
      { container: "/data", source: { kind: "bind", value: "/srv/acorn" }, readonly: true },
      { container: "/cache", source: { kind: "anonymous" }, readonly: false },
      { container: "/state", source: { kind: "named", value: "acorn-state" }, readonly: false },
    ]);
    expect(out.labels).toEqual([{ name: "com.example.team", value: "ops" }]);
    expect(out.memoryBytes).toBe(512 * MIB);
    expect(out.memoryBytes).toBe(536_870_912);
    expect(out.cpus).toBe(1.5);
    expect(out.capAdd).toEqual(["NET_ADMIN"]);
    expect(out.command).toBeNull();
    expect(out.network).toBe("backend");
    expect(out.requiredEnv).toEqual(["ADMIN_EMAIL"]);
    expect(map.env).toEqual(["env:ADMIN_EMAIL", "env:DATA_DIR", "env:MODE", "env:LOG", "extraEnv:0"]);
    expect(map.volumes).toEqual([0, 1, 2]);
  });

  it("keeps numbers that are not numbers out of the plan, with an error on their row", () => {
    const f = form();
    f.ports = [
      { hostIp: "", hostPort: "80", containerPort: "http", protocol: "tcp" },
      { hostIp: "", hostPort: "70000", containerPort: "80", protocol: "tcp" },
      { hostIp: "", hostPort: "", containerPort: "443", protocol: "tcp" },
    ];
    f.memoryMib = "-3";
    f.cpus = 0;
    const { plan: out, errors, map } = formToPlan(f);
    expect(out.ports).toEqual([{ hostIp: null, hostPort: null, containerPort: 443, protocol: "tcp" }]);
    expect(map.ports).toEqual([2]);
    expect(errorText(errors, "ports:0")).toMatch(/"http" is not a port number/);
    expect(errorText(errors, "ports:1")).toMatch(/"70000" is not a host port/);
    expect(errors.memory).toHaveLength(1);
    expect(errors.cpus).toHaveLength(1);
    expect(out.memoryBytes).toBeNull();
    expect(out.cpus).toBeNull();
  });
});

describe("the checks' problems on the form", () => {
  it("places each problem on its field, rows counted as the form shows them", () => {
    const f = form();
    f.extraEnv = [
      { name: "", value: "" },
      { name: "A=B", value: "1" },
    ];
    f.ports = [
      { hostIp: "", hostPort: "", containerPort: "", protocol: "tcp" },
      { hostIp: "", hostPort: "8085", containerPort: "80", protocol: "tcp" },
    ];
    const { plan: out, map } = formToPlan(f);
    const names = out.env.map((v) => v.name);
    expect(fieldKeyOf("env.ADMIN_EMAIL", map, names)).toBe("env:ADMIN_EMAIL");
    expect(fieldKeyOf("env[4].name", map, names)).toBe("extraEnv:1");
    expect(fieldKeyOf("ports[0]", map, names)).toBe("ports:1");
    expect(fieldKeyOf("memoryBytes", map, names)).toBe("memory");
    expect(fieldKeyOf("capAdd[0]", map, names)).toBe("capAdd");
    expect(fieldKeyOf("somethingNew", map, names)).toBe("other");

    const errors = checkErrors(
      {
        problems: [
          { field: "env.ADMIN_EMAIL", message: "ADMIN_EMAIL needs a value; the template does not supply one" },
          { field: "mystery", message: "something else" },
        ],
        targets: [
          {
            deviceUuid: "d-1",
            deviceName: "nas",
            problems: [{ field: "ports[0]", message: "host port 8085/tcp is already published by \"web\", which is running" }],
            warnings: [],
          },
          { deviceUuid: "d-2", deviceName: "pi", problems: [{ field: "device", message: "pi is not connected" }], warnings: [] },
        ],
        runLine: "docker run …",
      },
      out,
      map,
      {},
    );
    expect(errorText(errors, "env:ADMIN_EMAIL")).toBe("ADMIN_EMAIL needs a value; the template does not supply one");
    expect(errorText(errors, "ports:1")).toMatch(/^nas: Host port 8085\/tcp/);
    expect(errorText(errors, "target:d-2")).toBe("Pi is not connected");
    expect(unplacedErrors(errors)).toEqual(["Something else"]);
    expect(fieldLabel("ports:1")).toBe("Port 2");
    expect(fieldLabel("env:ADMIN_EMAIL")).toBe("ADMIN_EMAIL");
    expect(fieldLabel("memory")).toBe("Memory limit");
  });
});
