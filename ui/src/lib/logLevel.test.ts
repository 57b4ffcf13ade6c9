import { describe, expect, it } from "vitest";
import { guessLevel } from "./logLevel";

describe("guessLevel", () => {
  it.each([
    ['time="2024-01-01T00:00:00Z" level=error msg="boom"', "error"],
    ['{"level":"warn","msg":"disk almost full"}', "warn"],
    ['{"severity": "INFO", "message": "started"}', "info"],
    ["[DEBUG] cache miss for key", "debug"],
    ["2024-01-01 12:00:00,123 ERROR [main] failed to connect", "error"],
    ["WARNING: the config file is world-readable", "warn"],
    ["E1201 12:00:00.000000       1 controller.go:42] sync failed", "error"],
    ["I1201 12:00:00.000000       1 server.go:10] listening", "info"],
    ["panic: runtime error: index out of range", "error"],
    ["Traceback (most recent call last):", "error"],
    ["<warn> low memory", "warn"],
    ["nginx: [notice] 1#1: start worker processes", "info"],
    ["lvl=dbug msg=tick", null],
  ] as const)("%s → %s", (line, level) => {
    expect(guessLevel(line)).toBe(level);
  });

  it("says nothing of a line that names no level", () => {
    expect(guessLevel("GET /index.html 200 12ms")).toBeNull();
    expect(guessLevel("an error-free start")).toBeNull();
    expect(guessLevel("")).toBeNull();
  });
});
