import { describe, expect, it } from "vitest";
import { validateSmokeUrl } from "../../../src/core/smoke/smoke.js";
import { smoke } from "../../../src/core/smoke/command.js";

describe("validateSmokeUrl", () => {
  it.each([
    ["https://auth.faultmaven.com", "https://auth.faultmaven.com"],
    ["https://auth.faultmaven.com/", "https://auth.faultmaven.com"],
    ["http://127.0.0.1:8000/base/", "http://127.0.0.1:8000/base"],
  ])("%s → %s", (url, base) => expect(validateSmokeUrl(url)).toBe(base));
  it.each([
    "ftp://x",
    "not a url",
    "https://user:pw@auth.faultmaven.com",
    "https://auth.faultmaven.com/?q=1",
    "file:///etc/passwd",
  ])("refuses %s", (url) => {
    expect(() => validateSmokeUrl(url)).toThrow(/smoke URL/);
  });
  it("refuses a version with shell characters before any request", async () => {
    await expect(smoke({ baseUrl: "http://127.0.0.1:9", expectedVersion: "v1;id" })).rejects.toThrow(
      /has characters a version cannot have/,
    );
  });
});
