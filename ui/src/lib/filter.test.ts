import { describe, expect, it } from "vitest";
import { makeContainer } from "../test/fixtures";
import { EMPTY_FILTERS, filterContainers, isFiltering, matchesStatus, matchesText } from "./filter";

const list = [
  makeContainer({ uuid: "1", name: "web", image: "nginx:1.27", state: "running", deviceUuid: "d-1" }),
  makeContainer({ uuid: "2", name: "db", displayName: "Postgres main", image: "postgres:16", state: "exited", deviceUuid: "d-1" }),
  makeContainer({ uuid: "3", name: "cache", image: "redis:7", state: "paused", deviceUuid: "d-2" }),
  makeContainer({ uuid: "4", name: "job", image: "busybox", state: "created", deviceUuid: "d-2" }),
  makeContainer({ uuid: "5", name: "flaky", image: "busybox", state: "restarting", deviceUuid: "d-2" }),
  makeContainer({ uuid: "6", name: "zombie", image: "alpine", state: "dead", deviceUuid: "d-1" }),
];
const uuids = (f: Partial<typeof EMPTY_FILTERS>) => filterContainers(list, { ...EMPTY_FILTERS, ...f }).map((c) => c.uuid);

describe("filterContainers", () => {
  it("returns everything without filters", () => {
    expect(uuids({})).toEqual(["1", "2", "3", "4", "5", "6"]);
  });

  it("filters by status group", () => {
    expect(uuids({ status: "running" })).toEqual(["1", "5"]);
    expect(uuids({ status: "stopped" })).toEqual(["2", "4", "6"]);
    expect(uuids({ status: "paused" })).toEqual(["3"]);
  });

  it("filters by device", () => {
    expect(uuids({ deviceUuid: "d-2" })).toEqual(["3", "4", "5"]);
  });

  it("searches name, display name and image, case-insensitively", () => {
    expect(uuids({ text: "WEB" })).toEqual(["1"]);
    expect(uuids({ text: "postgres" })).toEqual(["2"]);
    expect(uuids({ text: "main" })).toEqual(["2"]);
    expect(uuids({ text: "busybox" })).toEqual(["4", "5"]);
    expect(uuids({ text: "  " })).toEqual(["1", "2", "3", "4", "5", "6"]);
  });

  it("combines filters", () => {
    expect(uuids({ deviceUuid: "d-2", status: "stopped", text: "busy" })).toEqual(["4"]);
    expect(uuids({ deviceUuid: "d-1", text: "redis" })).toEqual([]);
  });
});

describe("helpers", () => {
  it("matchesStatus accepts everything for all", () => {
    expect(matchesStatus("dead", "all")).toBe(true);
    expect(matchesStatus("paused", "running")).toBe(false);
  });

  it("matchesText requires every term", () => {
    expect(matchesText({ name: "web", displayName: null, image: "nginx" }, "web nginx")).toBe(true);
    expect(matchesText({ name: "web", displayName: null, image: "nginx" }, "web redis")).toBe(false);
  });

  it("isFiltering tells when a filter is active", () => {
    expect(isFiltering(EMPTY_FILTERS)).toBe(false);
    expect(isFiltering({ ...EMPTY_FILTERS, text: "x" })).toBe(true);
    expect(isFiltering({ ...EMPTY_FILTERS, status: "paused" })).toBe(true);
  });
});
