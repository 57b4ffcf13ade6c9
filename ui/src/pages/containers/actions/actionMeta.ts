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
import cursorText from "@tabler/icons/outline/cursor-text.svg?raw";
import playerPause from "@tabler/icons/outline/player-pause.svg?raw";
import playerPlay from "@tabler/icons/outline/player-play.svg?raw";
import playerStop from "@tabler/icons/outline/player-stop.svg?raw";
import refresh from "@tabler/icons/outline/refresh.svg?raw";
import skull from "@tabler/icons/outline/skull.svg?raw";
import tag from "@tabler/icons/outline/tag.svg?raw";
import trash from "@tabler/icons/outline/trash.svg?raw";
import type { ComponentType } from "react";
import type { ActionKind } from "../../../api/actions";
import { maskUrl } from "../../../components/MaskIcon";

export interface ActionMeta {
  label: string;
  /** For messages: "Could not <verb> web". */
  verb: string;
  color: string;
  icon: ComponentType<{ size?: number; stroke?: number }>;
  /** The same icon as a CSS mask, for the table's rows (`MaskIcon`). */
  mask: string;
}

export const ACTION_META: Record<ActionKind, ActionMeta> = {
  start: { label: "Start", verb: "start", color: "green", icon: IconPlayerPlay, mask: maskUrl(playerPlay) },
  stop: { label: "Stop", verb: "stop", color: "red", icon: IconPlayerStop, mask: maskUrl(playerStop) },
  restart: { label: "Restart", verb: "restart", color: "blue", icon: IconRefresh, mask: maskUrl(refresh) },
  pause: { label: "Pause", verb: "pause", color: "yellow", icon: IconPlayerPause, mask: maskUrl(playerPause) },
  unpause: { label: "Unpause", verb: "unpause", color: "yellow", icon: IconPlayerPlay, mask: maskUrl(playerPlay) },
  kill: { label: "Kill", verb: "kill", color: "red", icon: IconSkull, mask: maskUrl(skull) },
  rename: { label: "Rename", verb: "rename", color: "gray", icon: IconCursorText, mask: maskUrl(cursorText) },
  displayName: { label: "Set display name", verb: "set the display name of", color: "gray", icon: IconTag, mask: maskUrl(tag) },
  remove: { label: "Remove", verb: "remove", color: "red", icon: IconTrash, mask: maskUrl(trash) },
};

/** The test id of an action's button: `action-stop`, `action-display-name`, ... */
export function actionTestId(kind: ActionKind, prefix = "action"): string {
  return `${prefix}-${kind === "displayName" ? "display-name" : kind}`;
}
