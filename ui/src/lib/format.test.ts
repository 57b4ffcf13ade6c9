import { describe, expect, it } from "vitest";
import { makeContainer } from "../test/fixtures";
import { availableActions, lifecycleActions, stateLabel } from "./containerState";
import {
  asSentence,
  containerLabel,
  formatArgv,
  formatBytes,
  formatCores,
  formatCoresOf,
  formatInterval,
  formatPercent,
  formatPort,
  formatPorts,
  formatRate,
  formatSeconds,
  formatTimestamp,
  relativeTime,
  uptimeText,
  shortId,
} from "./format";

describe("formatPort", () => {
  it("shows published ports as host→container/proto", () => {
    expect(formatPort({ ip: "0.0.0.0", privatePort: 80, publicPort: 8080, protocol: "tcp" })).toBe("8080→80/tcp");
    expect(formatPort({ ip: null, privatePort: 53, publicPort: 5353, protocol: "udp" })).toBe("5353→53/udp");
  });

  it("keeps a specific host address", () => {
    expect(formatPort({ ip: "127.0.0.1", privatePort: 5432, publicPort: 5432, protocol: "tcp" })).toBe(
      "127.0.0.1:5432→5432/tcp",
    );
    expect(formatPort({ ip: "fe80::1", privatePort: 80, publicPort: 80, protocol: "tcp" })).toBe("[fe80::1]:80→80/tcp");
  });

  it("shows unpublished ports alone", () => {
    expect(formatPort({ ip: null, privatePort: 6379, publicPort: null, protocol: "tcp" })).toBe("6379/tcp");
  });
});

describe("formatPorts", () => {
  it("dedupes IPv4/IPv6 bindings and lists published ports first", () => {
    expect(
      formatPorts([
        { ip: null, privatePort: 9000, publicPort: null, protocol: "tcp" },
        { ip: "::", privatePort: 80, publicPort: 8080, protocol: "tcp" },
        { ip: "0.0.0.0", privatePort: 80, publicPort: 8080, protocol: "tcp" },
        { ip: "0.0.0.0", privatePort: 443, publicPort: 8443, protocol: "tcp" },
      ]),
    ).toEqual(["8080→80/tcp", "8443→443/tcp", "9000/tcp"]);
    expect(formatPorts([])).toEqual([]);
  });
});

describe("uptimeText", () => {
  it("says how long a guest has been up, or nothing when it is not", () => {
    const now = 1_800_000_000_000;
    expect(uptimeText(1_800_000_000 - 3 * 3600, now)).toBe("up 3 h");
    expect(uptimeText(1_800_000_000 - 2, now)).toBe("started just now");
    expect(uptimeText(null, now)).toBe("—");
  });
});

describe("relativeTime", () => {
  const now = 1_700_000_000_000;
  const ago = (secs: number) => relativeTime(now / 1000 - secs, now);

  it("uses compact units", () => {
    expect(ago(3)).toBe("just now");
    expect(ago(42)).toBe("42 s ago");
    expect(ago(5 * 60)).toBe("5 min ago");
    expect(ago(3 * 3600 + 59)).toBe("3 h ago");
    expect(ago(2 * 86400)).toBe("2 d ago");
    expect(ago(90 * 86400)).toBe("3 mo ago");
    expect(ago(800 * 86400)).toBe("2 y ago");
  });

  it("handles missing and odd values", () => {
    expect(relativeTime(null, now)).toBe("—");
    expect(relativeTime(0, now)).toBe("—");
    expect(relativeTime(now / 1000 + 20, now)).toBe("just now");
  });
});

describe("formatBytes", () => {
  it("uses decimal units like the Docker CLI", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(12_345)).toBe("12.3 kB");
    expect(formatBytes(187_654_321)).toBe("188 MB");
    expect(formatBytes(1_234_567_890)).toBe("1.23 GB");
    expect(formatBytes(null)).toBe("—");
  });
});

describe("small helpers", () => {
  it("shortId strips the algorithm and keeps 12 characters", () => {
    expect(shortId("sha256:0123456789abcdef0123")).toBe("0123456789ab");
    expect(shortId("abcdef")).toBe("abcdef");
    expect(shortId(null)).toBe("—");
  });

  it("containerLabel prefers a non-blank display name", () => {
    expect(containerLabel(makeContainer({ name: "web", displayName: "Website" }))).toBe("Website");
    expect(containerLabel(makeContainer({ name: "web", displayName: "  " }))).toBe("web");
    expect(containerLabel(makeContainer({ name: "web", displayName: null }))).toBe("web");
  });

  it("formatArgv quotes arguments that need it", () => {
    expect(formatArgv(["nginx", "-g", "daemon off;"])).toBe('nginx -g "daemon off;"');
    expect(formatArgv([])).toBe("—");
  });

  it("formatTimestamp treats Docker's zero time as never", () => {
    expect(formatTimestamp("0001-01-01T00:00:00Z")).toBe("—");
    expect(formatTimestamp(null)).toBe("—");
  });

  it("stateLabel adds the exit code to exited and dead", () => {
    expect(stateLabel("exited", 137)).toBe("exited (137)");
    expect(stateLabel("dead", 1)).toBe("dead (1)");
    expect(stateLabel("running", null)).toBe("running");
    expect(stateLabel("exited", null)).toBe("exited");
  });

  it("offers only the actions that make sense for a state", () => {
    expect(lifecycleActions("running")).toEqual(["stop", "restart", "pause", "kill"]);
    expect(lifecycleActions("paused")).toEqual(["unpause"]);
    expect(lifecycleActions("exited")).toEqual(["start"]);
    expect(availableActions("created")).toEqual(["start", "rename", "displayName", "remove"]);
    expect(availableActions("removing")).toEqual([]);
  });
});

describe("stats formatting", () => {
  it("formatPercent keeps a sensible precision and allows more than 100", () => {
    expect(formatPercent(0)).toBe("0%");
    expect(formatPercent(0.254)).toBe("0.25%");
    expect(formatPercent(12.34)).toBe("12.3%");
    expect(formatPercent(12)).toBe("12%");
    expect(formatPercent(250.4)).toBe("250%");
    expect(formatPercent(null)).toBe("—");
    expect(formatPercent(Number.NaN)).toBe("—");
  });

  it("formatCoresOf sets CPU use against a --cpus limit", () => {
    expect(formatCoresOf(49, 0.5)).toBe("0.49 of 0.5 cores allowed");
    expect(formatCoresOf(100, 2)).toBe("1 of 2 cores allowed");
    expect(formatCoresOf(null, 1)).toBe("— of 1 core allowed");
  });

  it("formatCores turns percent of one core into cores", () => {
    expect(formatCores(250)).toBe("2.5 cores");
    expect(formatCores(100)).toBe("1 core");
    expect(formatCores(3)).toBe("0.03 cores");
    expect(formatCores(0)).toBe("0 cores");
    expect(formatCores(1234)).toBe("12.3 cores");
    expect(formatCores(undefined)).toBe("—");
  });

  it("formatRate is formatBytes per second", () => {
    expect(formatRate(0)).toBe("0 B/s");
    expect(formatRate(1_234_567)).toBe("1.23 MB/s");
    expect(formatRate(512)).toBe("512 B/s");
    expect(formatRate(null)).toBe("—");
    expect(formatRate(-1)).toBe("—");
  });

  it("formatInterval says off for 0", () => {
    expect(formatInterval(0)).toBe("off");
    expect(formatInterval(10)).toBe("every 10 s");
    expect(formatInterval(90)).toBe("every 90 s");
    expect(formatInterval(300)).toBe("every 5 min");
    expect(formatInterval(3600)).toBe("every 1 h");
  });

  it("formatSeconds picks the largest whole unit", () => {
    expect(formatSeconds(10)).toBe("10 s");
    expect(formatSeconds(120)).toBe("2 min");
    expect(formatSeconds(5400)).toBe("90 min");
    expect(formatSeconds(3600)).toBe("1 h");
    expect(formatSeconds(86_400)).toBe("1 d");
    expect(formatSeconds(null)).toBe("—");
  });
});

describe("asSentence", () => {
  it("capitalises and ends a reason from the backend, and leaves a sentence alone", () => {
    expect(asSentence("the container is not running")).toBe("The container is not running.");
    expect(asSentence("Stopped!")).toBe("Stopped!");
    expect(asSentence("  ")).toBe("");
  });
});
