import { describe, expect, it } from "vitest";
import { buildSearchIndex, EMPTY_QUERY, searchTemplates, searchTerms } from "./searchIndex";
import { makeEntry } from "./testTemplates";

const entries = [
  makeEntry("bundled/0", { title: "Redis", description: "In-memory store", categories: ["Database", "Cache"], image: "redis:7" }),
  makeEntry("bundled/1", { title: "PostgreSQL", description: "Relational database", categories: ["database"], image: "pg:16" }),
  makeEntry("bundled/2", {
    title: "Grafana",
    description: "Dashboards for Redis and others",
    categories: ["Monitoring"],
    image: "grafana/grafana",
  }),
  makeEntry("mine/abc", { title: "My Nginx", description: "", categories: [], image: "nginx:1.27" }, "mine"),
];
const keys = (list: { key: string }[]) => list.map((e) => e.key);

describe("the template search", () => {
  const index = buildSearchIndex(entries);

  it("lists everything for an empty query, in catalogue order", () => {
    expect(keys(searchTemplates(index, EMPTY_QUERY))).toEqual(["bundled/0", "bundled/1", "bundled/2", "mine/abc"]);
  });

  it("matches title, description, category and image, whatever the case", () => {
    expect(keys(searchTemplates(index, { ...EMPTY_QUERY, text: "postgresql" }))).toEqual(["bundled/1"]);
    expect(keys(searchTemplates(index, { ...EMPTY_QUERY, text: "relational" }))).toEqual(["bundled/1"]);
    expect(keys(searchTemplates(index, { ...EMPTY_QUERY, text: "monitoring" }))).toEqual(["bundled/2"]);
    expect(keys(searchTemplates(index, { ...EMPTY_QUERY, text: "nginx:1.27" }))).toEqual(["mine/abc"]);
  });

  it("needs every word, and lists title matches first", () => {
    expect(keys(searchTemplates(index, { ...EMPTY_QUERY, text: "redis" }))).toEqual(["bundled/0", "bundled/2"]);
    expect(keys(searchTemplates(index, { ...EMPTY_QUERY, text: "grafana redis" }))).toEqual(["bundled/2"]);
    expect(keys(searchTemplates(index, { ...EMPTY_QUERY, text: "redis  nothing" }))).toEqual([]);
    expect(searchTerms("  Foo   BAR ")).toEqual(["foo", "bar"]);
  });

  it("filters by category whatever its spelling, and by source", () => {
    expect(index.categories.map((c) => [c.value, c.label, c.count])).toEqual([
      ["cache", "Cache", 1],
      ["database", "Database", 2],
      ["monitoring", "Monitoring", 1],
    ]);
    expect(keys(searchTemplates(index, { ...EMPTY_QUERY, category: "database" }))).toEqual(["bundled/0", "bundled/1"]);
    expect(keys(searchTemplates(index, { ...EMPTY_QUERY, category: "Database", text: "postgres" }))).toEqual(["bundled/1"]);
    expect(keys(searchTemplates(index, { ...EMPTY_QUERY, source: "mine" }))).toEqual(["mine/abc"]);
    expect(keys(searchTemplates(index, { text: "redis", category: null, source: "mine" }))).toEqual([]);
  });

  it("filters 2,000 templates well within a frame", () => {
    const many = Array.from({ length: 2000 }, (_, i) =>
      makeEntry(`big/${i}`, {
        title: `App ${i}`,
        description: i % 10 === 0 ? "Has the needle in its description" : "A plain application description of some length",
        categories: [i % 3 === 0 ? "Web" : "Tools"],
        image: `example/app-${i}:latest`,
      }),
    );
    const big = buildSearchIndex(many);
    let best = Infinity;
    let found: unknown[] = [];
    for (let round = 0; round < 5; round++) {
      const start = performance.now();
      found = searchTemplates(big, { text: "needle", category: "web", source: null });
      best = Math.min(best, performance.now() - start);
    }
    // Multiples of 30 below 2,000: every tenth and every third.
    expect(found).toHaveLength(67);
    expect(best).toBeLessThan(16);
    expect(searchTemplates(big, { ...EMPTY_QUERY, text: "app-1999" })).toHaveLength(1);
  });
});
