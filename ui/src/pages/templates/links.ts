/** The containers screen, opened on `containerUuid` when the inventory already knows it. */
export function containerLink(containerUuid: string | null): string {
  return containerUuid ? `#/containers?open=${encodeURIComponent(containerUuid)}` : "#/containers";
}
