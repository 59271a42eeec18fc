import { describe, expect, it } from "vitest";
import { loadEnvironments } from "../../../src/core/deploy/environments.js";
import { promotesVerifiedOnly, verifiedTag } from "../../../src/core/deploy/promotion.js";

describe("promotion rules", async () => {
  const envs = await loadEnvironments("dagger/environments.json");

  it("production (deployed from tags) promotes, staging (deployed from main) marks", () => {
    expect(promotesVerifiedOnly(envs.production)).toBe(true);
    expect(promotesVerifiedOnly(envs.staging)).toBe(false);
  });

  it.each(["0123456", "0123456789abcdef0123456789abcdef0123456", "0123456789ABCDEF0123456789abcdef01234567"])(
    "the mark needs the full lowercase sha, not %s",
    (sha) => {
      expect(() => verifiedTag(sha)).toThrow(/is not the full 40-hex commit id/);
    },
  );
});
