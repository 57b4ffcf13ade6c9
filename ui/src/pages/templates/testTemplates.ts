// Template and catalogue fixtures for the templates screen's tests.
import type { CatalogueEntry, CatalogueView, Template } from "./types";

export function makeTemplate(overrides: Partial<Template> = {}): Template {
  return {
    id: 1,
    kind: "container",
    title: "Redis",
    description: "An in-memory key-value store.",
    name: null,
    logo: null,
    note: null,
    platform: "linux",
    categories: ["Database"],
    env: [],
    image: "redis:7",
    registry: null,
    command: null,
    network: null,
    volumes: [],
    ports: [],
    labels: [],
    privileged: false,
    interactive: false,
    restartPolicy: null,
    hostname: null,
    repository: null,
    administratorOnly: false,
    ...overrides,
  };
}

export function makeEntry(key: string, overrides: Partial<Template> = {}, sourceUuid = "bundled"): CatalogueEntry {
  return { key, sourceUuid, template: makeTemplate(overrides) };
}

/** A catalogue of the bundled source and My templates holding `entries`. */
export function makeCatalogue(entries: CatalogueEntry[]): CatalogueView {
  const count = (source: string) => entries.filter((e) => e.sourceUuid === source).length;
  return {
    sources: [
      {
        uuid: "bundled",
        name: "Squirrel's catalogue",
        location: null,
        builtin: true,
        enabled: true,
        format: "portainerV3",
        templateCount: count("bundled"),
        problems: [],
        error: null,
        fetchedAt: null,
      },
      {
        uuid: "mine",
        name: "My templates",
        location: null,
        builtin: true,
        enabled: true,
        format: null,
        templateCount: count("mine"),
        problems: [],
        error: null,
        fetchedAt: null,
      },
    ],
    entries,
  };
}
