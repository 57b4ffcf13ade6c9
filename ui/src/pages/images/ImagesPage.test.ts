import { describe, expect, it } from "vitest";
import { pruneSummary, suggestedTag } from "./ImageActions";
import { usage } from "./ImagesPage";

describe("images", () => {
  it("count the containers using each image on its own device", () => {
    const used = usage([
      { deviceUuid: "d1", imageId: "sha256:a" },
      { deviceUuid: "d1", imageId: "sha256:a" },
      { deviceUuid: "d2", imageId: "sha256:a" },
    ]);
    expect(used.get("d1/sha256:a")).toBe(2);
    expect(used.get("d2/sha256:a")).toBe(1);
    expect(used.get("d2/sha256:b")).toBeUndefined();
  });

  it("say what a prune did", () => {
    expect(pruneSummary(0, 0, [])).toBe("Nothing to remove.");
    expect(pruneSummary(3, 5_000_000, [])).toBe("Removed 3 images or layers, 5 MB freed.");
    expect(pruneSummary(1, 0, ["nas: unreachable"])).toMatch(/Not pruned: nas: unreachable\.$/);
  });

  it("offer the first tag's repository for a new tag", () => {
    expect(suggestedTag(["registry.lan:5000/apps/web:1.2", "web:old"])).toBe("registry.lan:5000/apps/web:");
    expect(suggestedTag(["registry.lan:5000/apps/web"])).toBe("registry.lan:5000/apps/web:");
    expect(suggestedTag(["<none>:<none>"])).toBe("");
    expect(suggestedTag([])).toBe("");
  });
});
