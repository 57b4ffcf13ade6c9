import { Button, Group, Tooltip } from "@mantine/core";
import type { CSSProperties, MouseEvent } from "react";
import type { ActionKind } from "../../../api/actions";
import type { Container } from "../../../api/types";
import { MaskIcon } from "../../../components/MaskIcon";
import { actionLabel } from "../../../lib/containerKinds";
import { availableActions, lifecycleActions } from "../../../lib/containerState";
import { containerLabel } from "../../../lib/format";
import { ACTION_META, actionTestId } from "./actionMeta";
import { useContainerActions } from "./ActionsContext";

// Clicks on actions must not reach the row (which opens the drawer). Keys may bubble: the row
// ignores keys not aimed at itself, and the "/" shortcut listens on the document.
const stop = (e: MouseEvent) => e.stopPropagation();

/**
 * Whether an action needs the engine. Squirrel's own display name does not: it can be set
 * while the device is offline.
 */
const needsEngine = (kind: ActionKind) => kind !== "displayName";

/**
 * `unavailable`: why the container's engine cannot be reached now (its device is not
 * online); the actions that need the engine are then disabled, the reason as their tooltip.
 * Disabled through `data-disabled`, not `disabled`: a disabled button gets no hover, and its
 * tooltip would never show.
 */
interface ActionsProps {
  container: Container;
  unavailable?: string | null;
}

/**
 * Compact icon buttons for a table row; clicks never reach the row. Plain buttons with a
 * `data-tip` (shown by the table's [`HoverTips`]): a row mounts while scrolling, and a tooltip
 * component per button made that slow.
 */
export function RowActions({ container, unavailable = null }: ActionsProps) {
  const { request, pendingAction } = useContainerActions();
  const pending = pendingAction(container.uuid);
  const lifecycle = lifecycleActions(container.state, container.kind);
  const edits = availableActions(container.state, container.kind).filter((k) => !lifecycle.includes(k));
  const name = containerLabel(container);

  const icon = (kind: ActionKind) => {
    const meta = ACTION_META[kind];
    const label = actionLabel(container.kind, kind, meta.label);
    const blocked = unavailable && needsEngine(kind) ? unavailable : null;
    return (
      <button
        key={kind}
        type="button"
        className="sq-icon-btn"
        style={{ "--sq-btn-color": `var(--mantine-color-${meta.color}-light-color)`, "--sq-btn-hover": `var(--mantine-color-${meta.color}-light-hover)` } as CSSProperties}
        aria-label={blocked ? `${label} ${name}: ${blocked}` : `${label} ${name}`}
        aria-disabled={blocked ? true : undefined}
        aria-busy={pending === kind || undefined}
        data-disabled={blocked ? true : undefined}
        data-tip={blocked ?? label}
        data-tip-now={blocked ? "" : undefined}
        data-testid={actionTestId(kind)}
        disabled={pending !== undefined && pending !== kind}
        onClick={(e) => {
          e.stopPropagation();
          if (!blocked && pending === undefined) request(kind, container);
        }}
      >
        {pending === kind ? <span className="sq-spinner" /> : <MaskIcon url={meta.mask} />}
      </button>
    );
  };

  return (
    <div className="sq-row-actions" onClick={stop}>
      {lifecycle.map(icon)}
      {lifecycle.length > 0 && edits.length > 0 ? <span aria-hidden className="sq-row-actions-sep" /> : null}
      {edits.map(icon)}
    </div>
  );
}

/** Labelled buttons for the detail drawer. */
export function DrawerActions({ container, unavailable = null }: ActionsProps) {
  const { request, pendingAction } = useContainerActions();
  const pending = pendingAction(container.uuid);
  return (
    <Group gap={6}>
      {availableActions(container.state, container.kind).map((kind) => {
        const meta = ACTION_META[kind];
        const Icon = meta.icon;
        const blocked = unavailable && needsEngine(kind) ? unavailable : null;
        return (
          <Tooltip key={kind} label={blocked} disabled={!blocked} multiline maw={320} withinPortal>
            <Button
              size="compact-sm"
              variant="light"
              color={meta.color}
              leftSection={<Icon size={14} />}
              loading={pending === kind}
              disabled={pending !== undefined && pending !== kind}
              aria-disabled={blocked ? true : undefined}
              aria-description={blocked ?? undefined}
              data-disabled={blocked ? true : undefined}
              data-testid={actionTestId(kind, "drawer-action")}
              onClick={() => {
                if (!blocked) request(kind, container);
              }}
            >
              {actionLabel(container.kind, kind, meta.label)}
            </Button>
          </Tooltip>
        );
      })}
    </Group>
  );
}
