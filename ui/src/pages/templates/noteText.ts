// Template notes are HTML written by whoever publishes a catalogue. They are shown as plain
// text: tags are dropped (the contents of scripts and styles with them), line-breaking tags
// become line breaks, links keep their address in brackets, and the common entities are
// decoded once. The result goes into a React text node, never into innerHTML.

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
};

/** Elements whose text is code or styling, not prose: removed with their contents. */
const DROPPED_ELEMENTS = /<(script|style|template|noscript)\b[^>]*>[\s\S]*?(<\/\1\s*>|$)/gi;
const LINK = /<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))[^>]*>([\s\S]*?)<\/a\s*>/gi;
const LINE_BREAK = /<br\s*\/?>|<\/(p|div|li|h[1-6]|tr|pre|blockquote)\s*>/gi;
const LIST_ITEM = /<li\b[^>]*>/gi;
const TAG = /<\/?[a-z!?][^>]*>?/gi;
const COMMENT = /<!--[\s\S]*?(-->|$)/g;
const ENTITY = /&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi;

/** Decodes the named entities above and numeric ones, in one pass (so `&amp;lt;` is `&lt;`). */
export function decodeEntities(text: string): string {
  return text.replace(ENTITY, (whole, name: string) => {
    if (name.startsWith("#")) {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** A template note (HTML or plain text) as plain text with its line breaks. */
export function noteToText(note: string | null | undefined): string {
  if (!note) return "";
  const text = note
    .replace(COMMENT, "")
    .replace(DROPPED_ELEMENTS, "")
    .replace(LINK, (_whole, dq: string | undefined, sq: string | undefined, bare: string | undefined, inner: string) => {
      const href = (dq ?? sq ?? bare ?? "").trim();
      const label = inner.replace(TAG, "").trim();
      if (!/^https?:\/\//i.test(href) || label === "" || decodeEntities(label) === decodeEntities(href)) {
        return label || href;
      }
      return `${label} (${href})`;
    })
    .replace(LIST_ITEM, "• ")
    .replace(LINE_BREAK, "\n")
    .replace(TAG, "");
  return decodeEntities(text)
    .replace(/[ \t\r\f\v]+/g, " ")
    .replace(/ *\n */g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
