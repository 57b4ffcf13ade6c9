import {
  IconCursorText,
  IconPlayerPause,
  IconPlayerPlay,
  IconPlayerStop,
  IconRefresh,
  IconSkull,
  IconTag,
  IconTrash,
} from "@tabler/icons-react";
import type { ComponentType } from "react";
import type { ActionKind } from "../../../api/actions";

export interface ActionMeta {
  label: string;
  /** For messages: "Could not <verb> web". */
  verb: string;
  color: string;
  icon: ComponentType<{ size?: number; stroke?: number }>;
}

export const ACTION_META: Record<ActionKind, ActionMeta> = {
  start: { label: "Start", verb: "start", color: "green", icon: IconPlayerPlay },
  stop: { label: "Stop", verb: "stop", color: "red", icon: IconPlayerStop },
  restart: { label: "Restart", verb: "restart", color: "blue", icon: IconRefresh },
  pause: { label: "Pause", verb: "pause", color: "yellow", icon: IconPlayerPause },
  unpause: { label: "Unpause", verb: "unpause", color: "yellow", icon: IconPlayerPlay },
  kill: { label: "Kill", verb: "kill", color: "red", icon: IconSkull },
  rename: { label: "Rename", verb: "rename", color: "gray", icon: IconCursorText },
  displayName: { label: "Set display name", verb: "set the display name of", color: "gray", icon: IconTag },
  remove: { label: "Remove", verb: "remove", color: "red", icon: IconTrash },
};

/** The test id of an action's button: `action-stop`, `action-display-name`, ... */
export function actionTestId(kind: ActionKind, prefix = "action"): string {
  return `${prefix}-${kind === "displayName" ? "display-name" : kind}`;
}
