import type { CSSProperties } from "react";
import { IconArrowUp } from "@tabler/icons-react";
import type { Finding } from "../../api/types";

/** The tag of a reference (`latest` when none is written); a digest-pinned one has none. */
export function tagOf(reference: string): string {
  const name = reference.split("@")[0];
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  return colon > slash ? name.slice(colon + 1) : "latest";
}

/** What an available update is, in a sentence. */
export function updateSentence(finding: Finding, reference: string): string | null {
  if (finding.kind !== "available") return null;
  if (finding.newerTag) {
    const rebuilt = finding.newDigest ? ` (${tagOf(reference)} itself was also rebuilt)` : "";
    return `Newer version: ${tagOf(reference)} → ${finding.newerTag}${rebuilt}`;
  }
  return `${tagOf(reference)} was pushed again: a newer build of the same tag`;
}

const BADGE_STYLE = {
  "--sq-badge-bg": "var(--mantine-color-teal-light)",
  "--sq-badge-color": "var(--mantine-color-teal-light-color)",
  gap: 3,
  height: 16,
  alignSelf: "flex-start",
  paddingInline: 6,
} as CSSProperties;

/**
 * Beside a container's image in the table: what the last update check found newer, if
 * anything. A plain element with the table's shared tip (`data-tip`): a table of hundreds of
 * rows carries no tooltip component each. Text only: a tag from a registry is never markup.
 */
export function UpdateBadge({
  finding,
  reference,
  onUpdate,
}: {
  finding: Finding | undefined;
  reference: string;
  /** Clicking the badge updates the container (absent: a plain badge). */
  onUpdate?: () => void;
}) {
  if (!finding || finding.kind !== "available") return null;
  const sentence = updateSentence(finding, reference) ?? "";
  const content = (
    <>
      <IconArrowUp size={10} aria-hidden style={{ flexShrink: 0 }} />
      <span className="sq-ellipsis">{finding.newerTag ?? "new build"}</span>
    </>
  );
  if (!onUpdate) {
    return (
      <span className="sq-badge" style={BADGE_STYLE} data-tip={sentence} aria-label={sentence} data-testid="update-badge" data-newer-tag={finding.newerTag ?? undefined}>
        {content}
      </span>
    );
  }
  return (
    <button
      type="button"
      className="sq-badge sq-badge-button"
      style={BADGE_STYLE}
      data-tip={sentence}
      aria-label={`${sentence}. Update`}
      data-testid="update-badge"
      data-newer-tag={finding.newerTag ?? undefined}
      // The row opens the drawer on a click or Enter: the badge's own are its.
      onClick={(e) => {
        e.stopPropagation();
        onUpdate();
      }}
      onKeyDown={(e) => e.stopPropagation()}
    >
      {content}
    </button>
  );
}
