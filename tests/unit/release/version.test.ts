import { describe, expect, it } from "vitest";
import { SettingsError } from "../../../src/core/errors.js";
import { isReleaseTag, parseReleaseVersion, previousReleaseTag } from "../../../src/core/release/version.js";

describe("parseReleaseVersion", () => {
  it.each([
    ["v1.2.3", "1.2.3", false],
    ["v0.0.1", "0.0.1", false],
    ["v10.20.30", "10.20.30", false],
    ["v1.2.3-beta.1", "1.2.3-beta.1", true],
    ["v1.2.3-rc.2", "1.2.3-rc.2", true],
    ["v2.0.0-alpha", "2.0.0-alpha", true],
  ])("accepts %s", (tag, version, prerelease) => {
    expect(parseReleaseVersion(tag)).toEqual({ tag, version, prerelease });
  });

  it.each([
    ["v1.2", /is not vMAJOR\.MINOR\.PATCH\[-pre\]/],
    ["1.2.3", /does not start with 'v'/],
    ["v01.2.3", /no leading zeros/],
    ["v1.02.3", /no leading zeros/],
    ["v1.2.3+b.5", /build metadata/],
    ["v1.2.3-", /is not vMAJOR\.MINOR\.PATCH\[-pre\]/],
    ["v1.2.3-rc.01", /is not vMAJOR\.MINOR\.PATCH\[-pre\]/],
    ["V1.2.3", /does not start with 'v'/],
    ["v1.2.3.4", /is not vMAJOR\.MINOR\.PATCH\[-pre\]/],
    ["", /missing/],
    [" v1.2.3", /does not start with 'v'/],
  ])("refuses %j with a one-line SettingsError", (tag, message) => {
    let error: unknown;
    try {
      parseReleaseVersion(tag);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("\n");
  });

  it("isReleaseTag mirrors the parser", () => {
    expect(["v1.0.0", "v1.0.0-rc.1", "v1.0", "1.0.0", "release-1"].map(isReleaseTag)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});

describe("previousReleaseTag", () => {
  const tags = ["v1.0.0", "v1.1.0-rc.1", "v1.1.0", "v1.2.0-beta.1", "v1.2.0-rc.1", "not-a-release", "v0.9.0", "v2.0.0"];
  it.each([
    ["v1.2.0", "v1.1.0"], // stable looks back to the previous stable, past its own pre-releases
    ["v1.2.0-rc.2", "v1.2.0-rc.1"], // pre-release looks back to the nearest tag of any kind
    ["v1.2.0-beta.1", "v1.1.0"],
    ["v1.0.0", "v0.9.0"],
    ["v0.9.0", undefined], // first release
    ["v3.0.0", "v2.0.0"],
  ])("for %s is %s", (current, expected) => {
    expect(previousReleaseTag(parseReleaseVersion(current), tags)).toBe(expected);
  });
});
