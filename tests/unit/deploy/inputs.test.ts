import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseEnvironments } from "../../../src/core/deploy/environments.js";
import {
  parseImageDigest,
  resolveVersion,
  resolveWebhook,
  validateWaitBounds,
  validateWebhookUrl,
} from "../../../src/core/deploy/inputs.js";

const envs = parseEnvironments(JSON.parse(readFileSync("dagger/environments.json", "utf8")));
const SHA = "abcdef0123456789abcdef0123456789abcdef01";

describe("resolveVersion", () => {
  it.each([
    [
      "production v1.2.3",
      envs.production,
      { version: "v1.2.3" },
      { imageTags: ["v1.2.3", "latest"], immutableTags: ["v1.2.3"], appVersion: "v1.2.3" },
    ],
    [
      "production from its tag",
      envs.production,
      { version: "v2.0.0", gitRef: "refs/tags/v2.0.0" },
      { imageTags: ["v2.0.0", "latest"] },
    ],
    ["staging sha", envs.staging, { gitSha: SHA }, { imageTags: [`staging-${SHA}`], appVersion: `staging-${SHA}` }],
    ["staging from main", envs.staging, { gitSha: SHA, gitRef: "refs/heads/main" }, { imageTags: [`staging-${SHA}`] }],
    [
      "staging pre-release",
      envs.staging,
      { gitSha: SHA, version: "v1.3.0-rc.1" },
      { imageTags: [`staging-${SHA}`], appVersion: "v1.3.0-rc.1", version: "v1.3.0-rc.1" },
    ],
  ])("%s", (_name, env, inputs, expected) => {
    expect(resolveVersion(env, inputs)).toMatchObject(expected);
  });

  it.each([
    ["production without version", envs.production, {}, /need a release tag/],
    ["production pre-release", envs.production, { version: "v1.0.0-beta.1" }, /does not accept pre-release/],
    [
      "production from main",
      envs.production,
      { version: "v1.0.0", gitRef: "refs/heads/main" },
      /only from the release tag refs\/tags\/v1\.0\.0/,
    ],
    ["staging from a branch", envs.staging, { gitSha: SHA, gitRef: "refs/heads/fix" }, /only from refs\/heads\/main/],
    ["staging without sha", envs.staging, {}, /need the commit/],
  ])("refuses %s", (_name, env, inputs, pattern) => {
    expect(() => resolveVersion(env, inputs)).toThrow(pattern);
  });
});

describe("parseImageDigest and validateWebhookUrl", () => {
  it("accepts a sha256 digest", () => expect(parseImageDigest(`sha256:${"0".repeat(64)}`)).toMatch(/^sha256:/));
  it.each(["sha256:xyz", `sha512:${"0".repeat(64)}`, `${"0".repeat(64)}`, `sha256:${"A".repeat(64)}`])(
    "refuses digest %s",
    (d) => {
      expect(() => parseImageDigest(d)).toThrow(/is not sha256:<64 hex>/);
    },
  );
  it.each([
    ["https://hooks.slack.com/services/T/B/SECRET", true],
    ["http://127.0.0.1:8080/hook", true],
    ["http://hooks.slack.com/services/T/B/SECRET", false],
    ["not a url SECRET", false],
  ])("webhook %s valid=%s, never quoted", (url, valid) => {
    if (valid) expect(validateWebhookUrl(url)).toBe(url);
    else {
      let message = "";
      try {
        validateWebhookUrl(url);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/Slack webhook/);
      expect(message).not.toContain("SECRET");
    }
  });
});

describe("resolveWebhook: notification is never a hard dependency", () => {
  it.each(["", "  "])("empty webhook %j → no notification and a warning", (url) => {
    expect(resolveWebhook(url)).toEqual({
      warning: "the Slack webhook is empty (an unset secret?): no notification was sent",
    });
  });
  it("absent → nothing", () => expect(resolveWebhook(undefined)).toEqual({}));
  it("a URL → validated", () =>
    expect(resolveWebhook("https://hooks.slack.com/x")).toEqual({ url: "https://hooks.slack.com/x" }));
  it("a bad URL still refuses", () => expect(() => resolveWebhook("http://hooks.slack.com/x")).toThrow(/https/));
});

describe("validateWaitBounds", () => {
  it.each([
    [{ rolloutTimeoutMs: 0 }, /rollout timeout 0 s is outside 60 s\.\.6 h: fix --rollout-timeout-seconds/],
    [{ rolloutTimeoutMs: 15_000 }, /rollout timeout 15 s/],
    [{ migrationTimeoutMs: 59_999 }, /migration timeout 60 s is outside/],
    [{ rollbackTimeoutMs: 6 * 3_600_000 + 1 }, /--rollback-timeout-seconds/],
    [{ rolloutTimeoutMs: Number.POSITIVE_INFINITY }, /rollout timeout Infinity/],
    [{ backoff: { initialMs: 0 } }, /1 <= initialMs <= maxMs/],
    [{ backoff: { initialMs: 500, maxMs: 100 } }, /1 <= initialMs <= maxMs/],
    [{ backoff: { factor: 11 } }, /factor must be between 1 and 10/],
  ])("refuses %j", (settings, pattern) => {
    expect(() => validateWaitBounds(settings)).toThrow(pattern);
  });
  it.each([
    [{}],
    [{ rolloutTimeoutMs: 60_000, migrationTimeoutMs: 6 * 3_600_000, rollbackTimeoutMs: 900_000 }],
    // The minimum scales with the pacing: 30 first-poll delays.
    [{ backoff: { initialMs: 20, maxMs: 100 }, rolloutTimeoutMs: 600 }],
  ])("accepts %j", (settings) => {
    expect(() => validateWaitBounds(settings)).not.toThrow();
  });
});
