import type { ActionKind } from "../api/actions";
import type { ContainerKind, ContainerState, DeviceStatus } from "../api/types";
import { kindAllows } from "./containerKinds";

export const STATE_COLORS: Record<ContainerState, string> = {
  running: "green",
  paused: "yellow",
  restarting: "orange",
  exited: "red",
  dead: "red",
  created: "gray",
  removing: "gray",
  unknown: "gray",
};

/** "running", or "exited (137)" when an exit code is known. */
export function stateLabel(state: ContainerState, exitCode?: number | null): string {
  if ((state === "exited" || state === "dead") && exitCode != null) return `${state} (${exitCode})`;
  return state;
}

export function healthColor(health: string): string {
  switch (health.toLowerCase()) {
    case "healthy":
      return "green";
    case "unhealthy":
      return "red";
    case "starting":
      return "yellow";
    default:
      return "gray";
  }
}

export const DEVICE_STATUS_COLORS: Record<DeviceStatus["state"], string> = {
  online: "green",
  connecting: "yellow",
  unreachable: "red",
  hostKeyUnknown: "orange",
  disabled: "gray",
};

export function deviceStatusText(status: DeviceStatus): string {
  switch (status.state) {
    case "online":
      // A Proxmox cluster names itself ("Proxmox VE 8.2.4"); an engine gives its version only.
      if (!status.engineVersion) return "Online";
      return /^[a-z]/i.test(status.engineVersion) ? `Online · ${status.engineVersion}` : `Online · Docker ${status.engineVersion}`;
    case "connecting":
      return "Connecting…";
    case "unreachable":
      return status.reason || "Unreachable";
    case "hostKeyUnknown":
      return status.prompt.kind === "proxmox"
        ? `Unapproved certificate ${status.prompt.fingerprint}: approve it to connect`
        : `Unknown SSH host key ${status.prompt.fingerprint}: approve it to connect`;
    case "disabled":
      return "Disabled";
  }
}

/** The lifecycle actions that make sense for a state and its kind, in display order. */
export function lifecycleActions(state: ContainerState, kind?: ContainerKind | null): ActionKind[] {
  return stateActions(state).filter((a) => kindAllows(kind, a));
}

function stateActions(state: ContainerState): ActionKind[] {
  switch (state) {
    case "running":
      return ["stop", "restart", "pause", "kill"];
    case "paused":
      return ["unpause"];
    case "restarting":
      return ["stop", "kill"];
    case "created":
    case "exited":
    case "dead":
      return ["start"];
    default:
      return [];
  }
}

/** Every action offered for a container in this state (lifecycle first, then edits and removal). */
export function availableActions(state: ContainerState, kind?: ContainerKind | null): ActionKind[] {
  const edits: ActionKind[] = state === "removing" ? [] : ["rename", "displayName", "remove"];
  return [...lifecycleActions(state, kind), ...edits.filter((a) => kindAllows(kind, a))];
}

/** Actions that ask for confirmation first. */
export const DESTRUCTIVE_ACTIONS: ReadonlySet<ActionKind> = new Set(["stop", "restart", "kill", "remove"]);
