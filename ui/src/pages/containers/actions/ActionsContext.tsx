import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { runContainerAction, type ActionKind, type ActionParams } from "../../../api/actions";
import { queryKeys } from "../../../api/queryKeys";
import type { Container } from "../../../api/types";
import { errorMessage } from "../../../api/unwrap";
import { DESTRUCTIVE_ACTIONS } from "../../../lib/containerState";
import { containerLabel } from "../../../lib/format";
import { upsertContainer } from "../../../live/applyEvent";
import { ActionDialogs, type DialogState } from "./ActionDialogs";
import { ACTION_META } from "./actionMeta";

interface ContainerActionsApi {
  /** Runs an action, asking first when it is destructive or needs input. */
  request: (kind: ActionKind, container: Container) => void;
  /** The action running on a container, if any. */
  pendingAction: (uuid: string) => ActionKind | undefined;
}

const ActionsContext = createContext<ContainerActionsApi | null>(null);

export function useContainerActions(): ContainerActionsApi {
  const api = useContext(ActionsContext);
  if (!api) throw new Error("useContainerActions must be used inside <ActionsProvider>");
  return api;
}

function without(record: Record<string, ActionKind>, key: string): Record<string, ActionKind> {
  const next = { ...record };
  delete next[key];
  return next;
}

export function ActionsProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [pending, setPending] = useState<Record<string, ActionKind>>({});
  const [dialog, setDialog] = useState<DialogState | null>(null);

  /** Runs the action; throws the backend's error. */
  const execute = useCallback(
    async (kind: ActionKind, container: Container, params?: ActionParams) => {
      setPending((p) => ({ ...p, [container.uuid]: kind }));
      try {
        const updated = await runContainerAction(container.uuid, kind, params);
        if (updated) {
          queryClient.setQueryData<Container[]>(queryKeys.containers, (list) => upsertContainer(list, updated));
        }
      } finally {
        setPending((p) => without(p, container.uuid));
      }
    },
    [queryClient],
  );

  /** Runs the action; reports a failure as a red notification. */
  const executeAndReport = useCallback(
    (kind: ActionKind, container: Container, params?: ActionParams) => {
      execute(kind, container, params).catch((e: unknown) => {
        notifications.show({
          color: "red",
          title: `Could not ${ACTION_META[kind].verb} ${containerLabel(container)}`,
          message: errorMessage(e),
          autoClose: 8000,
        });
      });
    },
    [execute],
  );

  const request = useCallback(
    (kind: ActionKind, container: Container) => {
      if (DESTRUCTIVE_ACTIONS.has(kind) || kind === "rename" || kind === "displayName") {
        setDialog((d) => ({ kind, container, opened: true, serial: (d?.serial ?? 0) + 1 }));
      } else {
        executeAndReport(kind, container);
      }
    },
    [executeAndReport],
  );

  const pendingAction = useCallback((uuid: string) => pending[uuid], [pending]);
  const api = useMemo(() => ({ request, pendingAction }), [request, pendingAction]);
  const close = useCallback(() => setDialog((d) => (d ? { ...d, opened: false } : d)), []);

  return (
    <ActionsContext.Provider value={api}>
      {children}
      <ActionDialogs
        dialog={dialog}
        onClose={close}
        onConfirm={(params) => {
          if (!dialog) return;
          close();
          executeAndReport(dialog.kind, dialog.container, params);
        }}
        onSubmit={async (params) => {
          if (!dialog) return;
          await execute(dialog.kind, dialog.container, params);
          close();
        }}
      />
    </ActionsContext.Provider>
  );
}
