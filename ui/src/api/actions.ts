import { commands } from "../bindings";
import type { Container } from "./types";
import { call } from "./unwrap";

export type LifecycleAction = "start" | "stop" | "restart" | "pause" | "unpause" | "kill";
export type ActionKind = LifecycleAction | "remove" | "rename" | "displayName";

export interface ActionParams {
  signal?: string;
  force?: boolean;
  removeVolumes?: boolean;
  name?: string;
  displayName?: string;
}

/** Runs one action on a container. Resolves with the updated container when the backend returns one. */
export async function runContainerAction(
  uuid: string,
  kind: ActionKind,
  params: ActionParams = {},
): Promise<Container | null> {
  switch (kind) {
    case "start":
      await call(commands.containerAction(uuid, { action: "start" }));
      return null;
    case "stop":
      await call(commands.containerAction(uuid, { action: "stop", timeoutSecs: null }));
      return null;
    case "restart":
      await call(commands.containerAction(uuid, { action: "restart", timeoutSecs: null }));
      return null;
    case "pause":
      await call(commands.containerAction(uuid, { action: "pause" }));
      return null;
    case "unpause":
      await call(commands.containerAction(uuid, { action: "unpause" }));
      return null;
    case "kill":
      await call(commands.containerAction(uuid, { action: "kill", signal: params.signal ?? "SIGKILL" }));
      return null;
    case "remove":
      await call(
        commands.containerRemove(uuid, {
          force: params.force ?? false,
          removeVolumes: params.removeVolumes ?? false,
        }),
      );
      return null;
    case "rename":
      await call(commands.containerRename(uuid, params.name ?? ""));
      return null;
    case "displayName":
      return call(commands.containerUpdate(uuid, { displayName: params.displayName ?? "" }));
  }
}
