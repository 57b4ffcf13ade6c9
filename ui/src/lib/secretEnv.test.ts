import { describe, expect, it } from "vitest";
import { looksSecret } from "./secretEnv";

describe("looksSecret", () => {
  it("matches the secret-looking names, in any case", () => {
    for (const name of ["POSTGRES_PASSWORD", "db_passwd", "GITHUB_TOKEN", "Client_Secret", "API_KEY", "apikey"]) {
      expect(looksSecret(name), name).toBe(true);
    }
  });

  it("leaves ordinary names alone", () => {
    for (const name of ["PATH", "HOME", "TZ", "LANG", "GREETING", "PASS"]) {
      expect(looksSecret(name), name).toBe(false);
    }
  });
});
