// Template and catalogue fixtures for the templates screen's tests.
import { blankContainerTemplate } from "./deployForm";
import type { CatalogueEntry, CatalogueView, Template } from "./types";

export function makeTemplate(overrides: Partial<Template> = {}): Template {
  return {
    ...blankContainerTemplate(),
    id: 1,
    title: "Redis",
    description: "An in-memory key-value store.",
    platform: "linux",
    categories: ["Database"],
    image: "redis:7",
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
