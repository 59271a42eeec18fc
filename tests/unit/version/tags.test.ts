import { describe, expect, it } from "vitest";
import { parseGitSha, parseReleaseTag, sameVersion, stagingTag } from "../../../src/core/version/tags.js";
import { SettingsError } from "../../../src/core/errors.js";

describe("parseReleaseTag", () => {
  it.each([
    ["v1.2.3", { major: 1, minor: 2, patch: 3 }],
    ["v0.0.0", { major: 0, minor: 0, patch: 0 }],
    ["v10.20.30", { major: 10, minor: 20, patch: 30 }],
    ["v1.2.3-rc.1", { major: 1, minor: 2, patch: 3, prerelease: "rc.1" }],
    ["v1.2.3-beta.1", { prerelease: "beta.1" }],
    ["v1.2.3-0.3.7", { prerelease: "0.3.7" }],
    ["v1.2.3-x-y.7z", { prerelease: "x-y.7z" }],
  ])("accepts %s", (tag, expected) => {
    expect(parseReleaseTag(tag)).toMatchObject({ tag, ...expected });
  });

  it.each([
    ["v1.2", /is not vMAJOR/],
    ["1.2.3", /does not start with 'v'/],
    ["v1.2.3+b.5", /carries build metadata/],
    ["v01.2.3", /is not vMAJOR/],
    ["v1.02.3", /is not vMAJOR/],
    ["v1.2.3;id", /is not vMAJOR/],
    ["v1.2.3-", /is not vMAJOR/],
    ["v1.2.3-rc.01", /is not vMAJOR/],
    ["v1.2.3-rc..1", /is not vMAJOR/],
    ["V1.2.3", /does not start with 'v'/],
    [" v1.2.3", /does not start with 'v'/],
    ["v1.2.3\n", /is not vMAJOR/],
    ["", /does not start with 'v'/],
    ["v1.2.3-" + "a".repeat(80), /is too long/],
  ])("refuses %j with one line", (tag, pattern) => {
    let error: unknown;
    try {
      parseReleaseTag(tag);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as Error).message).toMatch(pattern);
    expect((error as Error).message).not.toContain("\n");
    expect((error as Error).message).toMatch(/use a tag like v1\.2\.3/);
  });
});

describe("staging tags", () => {
  it.each([
    ["abcdef1", "staging-abcdef1"],
    ["0123456789abcdef0123456789abcdef01234567", "staging-0123456789abcdef0123456789abcdef01234567"],
  ])("%s → %s", (sha, tag) => expect(stagingTag(sha)).toBe(tag));
  it.each(["abc", "ABCDEF1", "abcdefg", "HEAD", "", "0123456789abcdef0123456789abcdef012345678", "abcdef1;rm"])(
    "refuses sha %j",
    (sha) => {
      expect(() => parseGitSha(sha)).toThrow(/is not 7-40 lowercase hex digits/);
    },
  );
});

describe("sameVersion", () => {
  it.each([
    ["1.2.3", "v1.2.3", true],
    ["v1.2.3", "v1.2.3", true],
    ["v1.2.3", "1.2.3", true],
    ["1.2.4", "v1.2.3", false],
    ["staging-abc1234", "staging-abc1234", true],
    ["vstaging", "staging", false],
  ])("%s vs %s → %s", (reported, expected, same) => expect(sameVersion(reported, expected)).toBe(same));
});
