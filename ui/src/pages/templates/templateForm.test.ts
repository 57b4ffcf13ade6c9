import { describe, expect, it } from "vitest";
import {
  blankEditorForm,
  duplicateTemplate,
  editorFormFromTemplate,
  formatPortSpec,
  parseChoice,
  parsePortText,
  templateFromEditorForm,
} from "./templateForm";
import { makeTemplate } from "./testTemplates";

describe("ports as text", () => {
  it("reads the forms templates use", () => {
    expect(parsePortText("8080:80/tcp")).toEqual({ port: { hostIp: null, hostPort: 8080, containerPort: 80, protocol: "tcp" } });
    expect(parsePortText("53/udp")).toEqual({ port: { hostIp: null, hostPort: null, containerPort: 53, protocol: "udp" } });
    expect(parsePortText(" 443 ")).toEqual({ port: { hostIp: null, hostPort: null, containerPort: 443, protocol: "tcp" } });
    expect(parsePortText("127.0.0.1:5432:5432")).toEqual({
      port: { hostIp: "127.0.0.1", hostPort: 5432, containerPort: 5432, protocol: "tcp" },
    });
    expect(parsePortText("127.0.0.1::80")).toEqual({
      port: { hostIp: "127.0.0.1", hostPort: null, containerPort: 80, protocol: "tcp" },
    });
    expect(parsePortText("[::1]:8080:80/udp")).toEqual({
      port: { hostIp: "::1", hostPort: 8080, containerPort: 80, protocol: "udp" },
    });
  });

  it("says what is wrong", () => {
    expect(parsePortText("8080:80/sctp")).toEqual({ error: '"8080:80/sctp": "sctp" is not a protocol (tcp or udp)' });
    expect(parsePortText("8000-8010:80")).toMatchObject({ error: expect.stringMatching(/port range/) });
    expect(parsePortText("http")).toMatchObject({ error: expect.stringMatching(/not a port number/) });
    expect(parsePortText("70000")).toMatchObject({ error: expect.stringMatching(/out of range/) });
    expect(parsePortText("127.0.0.1:80")).toMatchObject({ error: expect.stringMatching(/"127.0.0.1" is not a port number/) });
    expect(parsePortText("1:2:3:4")).toMatchObject({ error: expect.stringMatching(/IPv6 address in brackets/) });
  });

  it("writes what it reads", () => {
    for (const text of ["8080:80/tcp", "53/udp", "127.0.0.1:5432:5432/tcp", "127.0.0.1::80/tcp", "[::1]:8080:80/udp"]) {
      const parsed = parsePortText(text);
      if (!("port" in parsed)) throw new Error(parsed.error);
      expect(formatPortSpec(parsed.port)).toBe(text);
    }
  });
});

describe("the template editor", () => {
  const template = makeTemplate({
    id: 7,
    title: "Acorn",
    registry: "ghcr.io",
    platform: "linux",
    env: [
      { name: "MODE", label: "Mode", description: null, default: null, preset: false, fixed: "prod", select: [] },
      {
        name: "LOG",
        label: null,
        description: "How much to log",
        default: null,
        preset: false,
        fixed: null,
        select: [
          { text: "Info", value: "info", default: false },
          { text: "debug", value: "debug", default: true },
        ],
      },
    ],
    ports: [{ hostIp: null, hostPort: 8085, containerPort: 8080, protocol: "tcp" }],
    volumes: [{ container: "/data", source: { kind: "anonymous" }, readonly: false }],
    labels: [{ name: "team", value: "ops" }],
    restartPolicy: "unless-stopped",
  });

  it("round-trips a template, keeping what it does not show", () => {
    const form = editorFormFromTemplate(template);
    expect(form.ports).toEqual(["8085:8080/tcp"]);
    expect(form.env[1]).toMatchObject({ name: "LOG", default: "debug", choices: ["Info=info", "debug"] });
    const { template: back, errors } = templateFromEditorForm(form, template);
    expect(errors).toEqual({});
    expect(back).toEqual({ ...template, description: template.description.trim() });
  });

  it("reads choices written as text=value and marks the default one", () => {
    expect(parseChoice("Verbose=debug", "debug")).toEqual({ text: "Verbose", value: "debug", default: true });
    expect(parseChoice("info", "debug")).toEqual({ text: "info", value: "info", default: false });
  });

  it("refuses a form without title or image, with bad ports and nameless variables", () => {
    const form = blankEditorForm();
    form.ports = ["8080:80", "", "nope"];
    form.env = [{ name: "", label: "Something", description: "", default: "", preset: false, choices: [] }];
    form.volumes = [{ container: "data", kind: "named", source: "", readonly: false }];
    const { template: out, errors } = templateFromEditorForm(form, null);
    expect(Object.keys(errors).sort()).toEqual(["env:0", "image", "ports:2", "title", "volumes:0"]);
    expect(out.ports).toEqual([{ hostIp: null, hostPort: 8080, containerPort: 80, protocol: "tcp" }]);
    expect(out.kind).toBe("container");
  });

  it("duplicates as a copy without the catalogue id", () => {
    expect(duplicateTemplate(template)).toMatchObject({ id: null, title: "Acorn (copy)", image: "redis:7" });
  });
});
