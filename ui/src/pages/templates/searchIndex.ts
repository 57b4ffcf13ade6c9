// The gallery's search: every template's searchable text lowercased once, when the catalogue
// arrives, so that a keystroke is one `includes` per term and template (a couple of
// milliseconds at 2,000 templates), never a re-indexing.
import type { CatalogueEntry } from "./types";

/** One template with its prepared search text. */
export interface IndexedEntry {
  entry: CatalogueEntry;
  /** Title, description, categories and image, lowercased, one per line. */
  haystack: string;
  /** The title alone, lowercased: title matches are listed first. */
  title: string;
  /** Lowercased categories, for the category filter. */
  categories: readonly string[];
}

/** A category as the filter offers it: catalogues spell them differently ("Database", "database"). */
export interface CategoryOption {
  /** Lowercased: what entries are matched on. */
  value: string;
  /** The first spelling met. */
  label: string;
  count: number;
}

export interface SearchIndex {
  items: readonly IndexedEntry[];
  categories: readonly CategoryOption[];
}

/** What the toolbar asks for; null filters let everything through. */
export interface TemplateQuery {
  text: string;
  category: string | null;
  source: string | null;
}

export const EMPTY_QUERY: TemplateQuery = { text: "", category: null, source: null };

/** Prepares the catalogue for searching; build it once per catalogue (memoised by the caller). */
export function buildSearchIndex(entries: readonly CatalogueEntry[]): SearchIndex {
  const categories = new Map<string, CategoryOption>();
  const items = entries.map((entry): IndexedEntry => {
    const t = entry.template;
    const lowered: string[] = [];
    for (const raw of t.categories) {
      const label = raw.trim();
      if (label === "") continue;
      const value = label.toLowerCase();
      if (lowered.includes(value)) continue;
      lowered.push(value);
      const known = categories.get(value);
      if (known) known.count++;
      else categories.set(value, { value, label, count: 1 });
    }
    const title = t.title.toLowerCase();
    const haystack = [title, t.description.toLowerCase(), ...lowered, (t.image ?? "").toLowerCase()].join("\n");
    return { entry, haystack, title, categories: lowered };
  });
  const sorted = [...categories.values()].sort((a, b) => a.label.localeCompare(b.label));
  return { items, categories: sorted };
}

/** The words of a search, lowercased; every one must appear for a template to match. */
export function searchTerms(text: string): string[] {
  return text.toLowerCase().split(/\s+/).filter((w) => w !== "");
}

/**
 * The entries matching a query, in catalogue order except that templates whose title holds
 * every term come first (typing "redis" lists Redis before what merely mentions it).
 */
export function searchTemplates(index: SearchIndex, query: TemplateQuery): CatalogueEntry[] {
  const terms = searchTerms(query.text);
  const category = query.category?.toLowerCase() ?? null;
  const byTitle: CatalogueEntry[] = [];
  const others: CatalogueEntry[] = [];
  for (const item of index.items) {
    if (query.source !== null && item.entry.sourceUuid !== query.source) continue;
    if (category !== null && !item.categories.includes(category)) continue;
    if (!terms.every((term) => item.haystack.includes(term))) continue;
    if (terms.length > 0 && terms.every((term) => item.title.includes(term))) byTitle.push(item.entry);
    else others.push(item.entry);
  }
  return byTitle.length === 0 ? others : byTitle.concat(others);
}
