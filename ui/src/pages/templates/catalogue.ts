import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { call } from "../../api/unwrap";
import { commands } from "../../bindings";

/** The builtin sources: the catalogue shipped with the app, and the user's own templates. */
export const BUNDLED_SOURCE = "bundled";
export const MY_SOURCE = "mine";

/** Query keys of the templates screen; all under "templates" so one prefix clears them. */
export const templateKeys = {
  all: ["templates"] as const,
  catalogue: ["templates", "catalogue"] as const,
  plan: (key: string) => ["templates", "plan", key] as const,
};

/**
 * Every source's state and the templates of the enabled ones. No backend event announces a
 * change: the screen refetches after its own edits (see `useRefreshCatalogue`).
 */
export function useCatalogue() {
  return useQuery({
    queryKey: templateKeys.catalogue,
    queryFn: () => call(commands.templatesCatalogue()),
  });
}

/** A callback that reloads the catalogue, for after a source or one of my templates changed. */
export function useRefreshCatalogue(): () => Promise<void> {
  const queryClient = useQueryClient();
  return useCallback(() => queryClient.invalidateQueries({ queryKey: templateKeys.catalogue }), [queryClient]);
}

/** The uuid of one of my templates from its catalogue key (`mine/<uuid>`); null for others. */
export function myTemplateUuid(key: string): string | null {
  const prefix = `${MY_SOURCE}/`;
  return key.startsWith(prefix) ? key.slice(prefix.length) : null;
}
