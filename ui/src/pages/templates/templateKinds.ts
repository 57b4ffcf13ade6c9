import type { TemplateKind } from "./types";

/** How the UI names each kind of template. */
export const KIND_LABELS: Record<TemplateKind, string> = {
  container: "Container",
  swarm: "Swarm stack",
  compose: "Compose stack",
  edge: "Edge stack",
};

/** Whether Squirrel can deploy a kind today: single containers only, stacks come later. */
export function isDeployable(kind: TemplateKind): boolean {
  return kind === "container";
}

/** Why a template of `kind` cannot be deployed, for its disabled button. */
export function notDeployableReason(kind: TemplateKind): string {
  return `${KIND_LABELS[kind]} templates are not supported yet: Squirrel deploys single containers for now.`;
}
