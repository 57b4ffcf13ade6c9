import { onlineManager } from "@tanstack/react-query";
import { afterEach, describe, expect, it } from "vitest";
import { createQueryClient } from "./queries";

describe("createQueryClient", () => {
  afterEach(() => onlineManager.setOnline(true));

  it("runs queries and mutations while the machine has no network: they call the app's backend", async () => {
    onlineManager.setOnline(false);
    const client = createQueryClient();
    await expect(client.fetchQuery({ queryKey: ["k"], queryFn: () => Promise.resolve(42) })).resolves.toBe(42);
    const mutation = client.getMutationCache().build(client, { mutationFn: () => Promise.resolve("done") });
    await expect(mutation.execute(undefined)).resolves.toBe("done");
  });
});
