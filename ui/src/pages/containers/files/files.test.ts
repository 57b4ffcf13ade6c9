import { describe, expect, it } from "vitest";
import { crumbs, joinPath, modeString, parentOf } from "./files";

describe("container paths and modes", () => {
  it("joins, goes up and splits paths", () => {
    expect(joinPath("/", "etc")).toBe("/etc");
    expect(joinPath("/etc/", "nginx")).toBe("/etc/nginx");
    expect(joinPath("/etc/nginx", "..")).toBe("/etc");
    expect(parentOf("/")).toBe("/");
    expect(parentOf("/etc")).toBe("/");
    expect(crumbs("/etc/ngi nx")).toEqual([
      { name: "/", path: "/" },
      { name: "etc", path: "/etc" },
      { name: "ngi nx", path: "/etc/ngi nx" },
    ]);
  });

  it("writes modes as ls -l does", () => {
    expect(modeString("folder", 0o755)).toBe("drwxr-xr-x");
    expect(modeString("file", 0o644)).toBe("-rw-r--r--");
    expect(modeString("file", 0o4755)).toBe("-rwsr-xr-x");
    expect(modeString("folder", 0o1777)).toBe("drwxrwxrwt");
    expect(modeString("link", 0o777)).toBe("lrwxrwxrwx");
  });
});
