import { describe, expect, it } from "vitest";
import { containerInHash } from "../containers/ContainersPage";
import { containerLink } from "./links";

describe("links to a container", () => {
  it("name the container, and the containers screen reads it back", () => {
    expect(containerLink("c-1/x y")).toBe("#/containers?open=c-1%2Fx%20y");
    expect(containerInHash(containerLink("c-1/x y"))).toBe("c-1/x y");
    expect(containerLink(null)).toBe("#/containers");
    expect(containerInHash("#/containers")).toBeNull();
    expect(containerInHash("#/containers?open=%E0%A4%A")).toBeNull();
  });
});
