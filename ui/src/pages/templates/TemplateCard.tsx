import { Button } from "@mantine/core";
import { IconCopy, IconPencil, IconRocket, IconTrash } from "@tabler/icons-react";
import { memo, type CSSProperties, type MouseEvent, type ReactNode } from "react";
import { isDeployable, KIND_LABELS, notDeployableReason } from "./templateKinds";
import { TemplateLogo } from "./TemplateLogo";
import type { CatalogueEntry } from "./types";

/** What a card's own buttons ask for. */
export type CardAction = "deploy" | "edit" | "duplicate" | "delete";

/** The colours of a Mantine light badge of `color`, as the app's `.sq-badge` reads them. */
function badgeColors(color: string): CSSProperties {
  return {
    "--sq-badge-bg": `var(--mantine-color-${color}-light)`,
    "--sq-badge-color": `var(--mantine-color-${color}-light-color)`,
  } as CSSProperties;
}

const GRAY_BADGE = badgeColors("gray");
const KIND_BADGE = badgeColors("blue");
const UNSUPPORTED_BADGE = badgeColors("orange");
/** Categories shown on a card; the rest are counted ("+2"). */
const MAX_CATEGORIES = 4;

// Clicks on the card's buttons must not reach the card (which opens the wizard).
const stop = (e: MouseEvent) => e.stopPropagation();

interface Props {
  entry: CatalogueEntry;
  index: number;
  /** The card that takes Tab focus (one per grid: arrow keys move between cards). */
  tabbable: boolean;
  sourceName: string;
  /** One of my templates: it has Edit, Duplicate and Delete. */
  mine: boolean;
  onAction: (action: CardAction, entry: CatalogueEntry) => void;
}

/**
 * One template of the gallery. Plain elements with classes, and tips through the grid's
 * HoverTips: cards mount while scrolling and on every keystroke of a search.
 */
export const TemplateCard = memo(function TemplateCard({ entry, index, tabbable, sourceName, mine, onAction }: Props) {
  const t = entry.template;
  const deployable = isDeployable(t.kind);
  const categories = t.categories.filter((c) => c.trim() !== "");
  const hidden = categories.length - MAX_CATEGORIES;
  const sub = [sourceName, t.platform].filter(Boolean).join(" · ");
  // Only the focused card's buttons are in the Tab order; arrow keys move between cards.
  const inner = tabbable ? 0 : -1;

  return (
    <div
      role="listitem"
      className="tpl-card"
      tabIndex={tabbable ? 0 : -1}
      aria-label={`${t.title}, ${KIND_LABELS[t.kind]}${deployable ? "" : ", not supported yet"}`}
      data-index={index}
      data-testid="template-card"
      data-key={entry.key}
      data-title={t.title}
      data-kind={t.kind}
      data-unsupported={deployable ? undefined : ""}
      onClick={deployable ? () => onAction("deploy", entry) : undefined}
    >
      <div className="tpl-card-head">
        <TemplateLogo url={t.logo} title={t.title} size={40} />
        <div className="tpl-card-heading">
          <span className="tpl-card-title sq-ellipsis" title={t.title}>
            {t.title}
          </span>
          <div className="tpl-card-sub">
            <span className="sq-badge" style={KIND_BADGE} data-testid="template-kind">
              {KIND_LABELS[t.kind]}
            </span>
            {deployable ? null : (
              <span className="sq-badge" style={UNSUPPORTED_BADGE} data-testid="template-unsupported">
                Not supported yet
              </span>
            )}
            <span className="sq-text-xs sq-dimmed sq-ellipsis" title={sub}>
              {sub}
            </span>
          </div>
        </div>
      </div>
      <div className="tpl-card-description" title={t.description || undefined}>
        {t.description || <span style={{ fontStyle: "italic" }}>No description</span>}
      </div>
      <div className="tpl-card-tags" aria-label="Categories">
        {categories.slice(0, MAX_CATEGORIES).map((c) => (
          <span key={c} className="sq-badge" style={GRAY_BADGE}>
            {c}
          </span>
        ))}
        {hidden > 0 ? (
          <span className="sq-badge" style={GRAY_BADGE} data-tip={categories.slice(MAX_CATEGORIES).join(", ")}>
            +{hidden}
          </span>
        ) : null}
      </div>
      <div className="tpl-card-footer">
        {deployable ? (
          <Button
            size="compact-sm"
            variant="light"
            tabIndex={inner}
            leftSection={<IconRocket size={14} />}
            onClick={(e) => {
              stop(e);
              onAction("deploy", entry);
            }}
            data-testid="template-deploy"
          >
            Deploy
          </Button>
        ) : (
          // Disabled for real; the tip sits on a wrapper, as a disabled button gets no hover.
          <span data-tip={notDeployableReason(t.kind)} data-tip-now="" style={{ display: "inline-flex" }}>
            <Button
              size="compact-sm"
              variant="light"
              color="gray"
              disabled
              style={{ pointerEvents: "none" }}
              aria-label={`Deploy ${t.title}: ${notDeployableReason(t.kind)}`}
              data-testid="template-deploy"
            >
              Can’t deploy yet
            </Button>
          </span>
        )}
        {mine ? (
          <div className="sq-row-actions">
            <CardIcon
              tabIndex={inner}
              label={`Edit ${t.title}`}
              tip="Edit"
              color="gray"
              onClick={() => onAction("edit", entry)}
              testId="template-edit"
            >
              <IconPencil size={15} />
            </CardIcon>
            <CardIcon
              tabIndex={inner}
              label={`Duplicate ${t.title}`}
              tip="Duplicate"
              color="gray"
              onClick={() => onAction("duplicate", entry)}
              testId="template-duplicate"
            >
              <IconCopy size={15} />
            </CardIcon>
            <CardIcon
              tabIndex={inner}
              label={`Delete ${t.title}`}
              tip="Delete"
              color="red"
              onClick={() => onAction("delete", entry)}
              testId="template-delete"
            >
              <IconTrash size={15} />
            </CardIcon>
          </div>
        ) : null}
      </div>
    </div>
  );
});

function CardIcon({
  tabIndex,
  label,
  tip,
  color,
  onClick,
  testId,
  children,
}: {
  tabIndex: number;
  label: string;
  tip: string;
  color: string;
  onClick: () => void;
  testId: string;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      className="sq-icon-btn"
      tabIndex={tabIndex}
      style={
        {
          "--sq-btn-color": `var(--mantine-color-${color}-light-color)`,
          "--sq-btn-hover": `var(--mantine-color-${color}-light-hover)`,
        } as CSSProperties
      }
      aria-label={label}
      data-tip={tip}
      data-testid={testId}
      onClick={(e) => {
        stop(e);
        onClick();
      }}
    >
      {children}
    </button>
  );
}
