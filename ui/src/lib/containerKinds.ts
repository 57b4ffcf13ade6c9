// What each kind of container can do (Docker, Proxmox LXC, Proxmox VM), as the backend
// says in its generated constants: the window offers only these actions and tabs.
import type { ActionKind } from "../api/actions";
import type { Capabilities, Container, ContainerKind, DeviceSummary, KindAction } from "../api/types";
import { CONTAINER_KINDS } from "../bindings";

/** A kind's capabilities as the generated constant holds them (read-only). */
export type KindCapabilities = Readonly<Omit<Capabilities, "actions">> & { readonly actions: readonly Readonly<KindAction>[] };

// Typed against the generated shape: a change of it on the backend fails the type check here.
const ALL: readonly KindCapabilities[] = CONTAINER_KINDS;
const BY_KIND = new Map<ContainerKind, KindCapabilities>(ALL.map((c) => [c.kind, c]));

/** The capabilities of a kind; a container stored before kinds existed is Docker's. */
export function capabilitiesOf(kind: ContainerKind | null | undefined): KindCapabilities {
  return BY_KIND.get(kind ?? "docker") ?? ALL[0];
}

/** Whether containers of this kind take an action (`displayName` is Squirrel's own: always). */
export function kindAllows(kind: ContainerKind | null | undefined, action: ActionKind): boolean {
  const caps = capabilitiesOf(kind);
  switch (action) {
    case "displayName":
      return true;
    case "rename":
      return caps.rename;
    case "remove":
      return caps.remove;
    default:
      return caps.actions.some((a) => a.action === action);
  }
}

/** An action's label in the words of the kind ("Shut down" for a Proxmox guest's stop). */
export function actionLabel(kind: ContainerKind | null | undefined, action: ActionKind, fallback: string): string {
  return capabilitiesOf(kind).actions.find((a) => a.action === action)?.label ?? fallback;
}

/** A short name of the kind for a badge: `LXC`, `VM`; none for Docker. */
export function kindBadge(kind: ContainerKind | null | undefined): string | null {
  switch (kind) {
    case "lxc":
      return "LXC";
    case "qemu":
      return "VM";
    default:
      return null;
  }
}

/** What the table's image column says: the image, or for a Proxmox guest its kind, VMID and node. */
export function imageText(c: Pick<Container, "image" | "kind" | "guest">): string {
  if (!c.guest) return c.image;
  return `${kindBadge(c.kind) ?? "Guest"} ${c.guest.vmid} · ${c.guest.node}`;
}

/** Whether a device is a Docker engine (images, volumes, networks, deploys), not a Proxmox cluster. */
export function isDockerDevice(d: Pick<DeviceSummary, "device">): boolean {
  return d.device.connection.type !== "proxmox";
}
