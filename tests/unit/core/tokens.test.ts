import { describe, expect, it } from "vitest";

import { SettingsError } from "../../../src/core/errors.js";
import { headerSafeToken } from "../../../src/core/tokens.js";

describe("headerSafeToken", () => {
  it("drops the newline a secret file keeps, and surrounding spaces", () => {
    expect(headerSafeToken("--github-token", "ghp_abc123\n")).toBe("ghp_abc123");
    expect(headerSafeToken("--github-token", "  ghp_abc123  ")).toBe("ghp_abc123");
  });

  it("answers undefined for a missing or blank token (a fork's empty secret)", () => {
    expect(headerSafeToken("--codecov-token", undefined)).toBeUndefined();
    expect(headerSafeToken("--codecov-token", " \n")).toBeUndefined();
  });

  it.each([
    ["a line break inside", "cnry-first-half\ncnry-second-half"],
    ["a carriage return", "cnry-value\rX-Injected: header"],
    ["a NUL", "cnry-left\u0000cnry-right"],
    ["DEL", "cnry-left\u007fcnry-right"],
  ])("refuses %s in one line that never shows the value", (_, value) => {
    let error: unknown;
    try {
      headerSafeToken("--snyk-token", value);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const message = (error as Error).message;
    expect(message).toBe(
      "--snyk-token holds a line break or another control character, which no HTTP header can carry: pass the token alone (its value is not shown)",
    );
    // Every value here is marked "cnry": no piece of it is in the message.
    expect(message).not.toContain("cnry");
  });

  it("keeps a tab, which a header may carry", () => {
    expect(headerSafeToken("--github-token", "a\tb")).toBe("a\tb");
  });
});
