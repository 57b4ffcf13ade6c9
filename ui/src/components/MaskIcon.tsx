import type { CSSProperties } from "react";

/**
 * An SVG icon as a CSS mask URL, its strokes at `stroke` wide. The icons are Tabler's own files
 * (`@tabler/icons/outline/<name>.svg?raw`), the same drawings `@tabler/icons-react` makes.
 */
export function maskUrl(svg: string, stroke = 1.8): string {
  const drawn = svg.replace(/stroke-width="[^"]*"/, `stroke-width="${stroke}"`);
  return `url("data:image/svg+xml,${encodeURIComponent(drawn)}")`;
}

/**
 * An icon painted in the text colour through a mask (`maskUrl`). One element, and an image
 * the engine rasterizes once, where an inline SVG is an element tree stroked anew at every
 * paint: the containers table mounts rows while it scrolls, and its action icons were the
 * largest part of a frame's paint.
 */
export function MaskIcon({ url, size = 16 }: { url: string; size?: number }) {
  return <span aria-hidden className="sq-mask-icon" style={{ width: size, height: size, "--sq-icon": url } as CSSProperties} />;
}
