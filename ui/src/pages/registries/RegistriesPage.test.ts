import { describe, expect, it } from "vitest";
import { PROVIDERS, providerInfo } from "./providers";
import { importSummary } from "./RegistriesPage";

describe("registries", () => {
  it("say what an import did", () => {
    expect(importSummary({ added: [], skipped: [], failed: [] })).toBe("The Docker config names no registry.");
    expect(
      importSummary({ added: ["docker.io"], skipped: ["ghcr.io"], failed: [["quay.io", "a credential helper keeps them"]] }),
    ).toBe("Added docker.io. Already there: ghcr.io. quay.io: a credential helper keeps them.");
  });

  it("know every provider the backend knows but ECR, whose keys need a token exchange", () => {
    expect(PROVIDERS.map((p) => p.value)).not.toContain("ecr");
    expect(providerInfo("dockerHub").host).toBe("docker.io");
    // Not offered, but named when an import brings one.
    expect(providerInfo("ecr").label).toBe("Amazon ECR");
  });
});
