import type { CSSProperties } from "react";
import { useLogo } from "./useLogo";

/** Colours for the placeholder letter, picked by title so a template keeps its colour. */
const PLACEHOLDER_COLORS = ["indigo", "teal", "grape", "orange", "cyan", "pink", "lime", "violet", "blue", "yellow"];

function placeholderColor(title: string): string {
  let hash = 0;
  for (let i = 0; i < title.length; i++) hash = (hash * 31 + title.charCodeAt(i)) | 0;
  return PLACEHOLDER_COLORS[Math.abs(hash) % PLACEHOLDER_COLORS.length];
}

/** The first letter or digit of a title, for the placeholder. */
export function initialOf(title: string): string {
  const match = /[\p{L}\p{N}]/u.exec(title);
  return match ? match[0].toUpperCase() : "?";
}

/**
 * A template's logo, fetched by the backend as a `data:` URL; a coloured first letter while
 * it loads and when there is none. Never a remote URL in the page.
 */
export function TemplateLogo({ url, title, size = 40 }: { url: string | null | undefined; title: string; size?: number }) {
  const data = useLogo(url);
  const box: CSSProperties = { width: size, height: size };
  if (data) {
    return (
      <span className="tpl-logo" style={box} data-testid="template-logo">
        <img src={data} alt="" width={size} height={size} draggable={false} />
      </span>
    );
  }
  const color = placeholderColor(title);
  return (
    <span
      className="tpl-logo tpl-logo-placeholder"
      aria-hidden
      data-testid="template-logo-placeholder"
      style={
        {
          ...box,
          fontSize: Math.round(size * 0.45),
          "--tpl-logo-bg": `var(--mantine-color-${color}-light)`,
          "--tpl-logo-color": `var(--mantine-color-${color}-light-color)`,
        } as CSSProperties
      }
    >
      {initialOf(title)}
    </span>
  );
}
