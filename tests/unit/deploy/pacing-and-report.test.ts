import { describe, expect, it } from "vitest";
import { backoffDelay, WaitTimer, type Clock } from "../../../src/core/deploy/backoff.js";
import { decideImageAction, digestFromReference } from "../../../src/core/deploy/image.js";
import { errorEntry, newReport, summaryLine } from "../../../src/core/deploy/report.js";
import { ApiCallLog, isMutatingOperation } from "../../../src/core/aws/api-calls.js";
import { DeploymentTimeoutError } from "../../../src/core/errors.js";

const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;

describe("backoff schedule: no 1-second hammering", () => {
  it("default: 2 s growing by 1.5 to a 15 s cap", () => {
    expect(Array.from({ length: 8 }, (_, i) => backoffDelay(i))).toEqual([
      2000, 3000, 4500, 6750, 10125, 15000, 15000, 15000,
    ]);
  });
  it.each([
    [0, { initialMs: 100, maxMs: 1000, factor: 2 }, 100],
    [3, { initialMs: 100, maxMs: 1000, factor: 2 }, 800],
    [10, { initialMs: 100, maxMs: 1000, factor: 2 }, 1000],
    [-1, {}, 2000],
  ])("attempt %i with %j → %i ms", (attempt, options, delay) => expect(backoffDelay(attempt, options)).toBe(delay));
  it("WaitTimer adds up the time slept", async () => {
    let now = 0;
    const fake: Clock = { now: () => now, sleep: async (ms) => void (now += ms) };
    const timer = new WaitTimer(fake);
    await timer.sleep(2000);
    now += 5; // work between polls is not waiting
    await timer.sleep(3000);
    expect(timer.waitedMs).toBe(5000);
    expect(timer.now()).toBe(5005);
  });
});

describe("decideImageAction", () => {
  it.each([
    ["build when no tag exists", {}, undefined, { kind: "publish" }],
    ["promote a given digest", {}, D1, { kind: "promote", digest: D1 }],
    ["reuse what a previous run pushed", { "staging-abc1234": D2 }, undefined, { kind: "reuse", digest: D2 }],
  ] as const)("%s", (_name, tagDigests, promoteDigest, expected) => {
    expect(
      decideImageAction({
        immutableTags: ["staging-abc1234"],
        tagDigests,
        ...(promoteDigest ? { promoteDigest } : {}),
      }),
    ).toMatchObject(expected);
  });
  it.each([
    [`reg/repo:v1.2.3@${D1}`, D1],
    [`reg/repo@${D2}`, D2],
  ])("digestFromReference(%s)", (ref, digest) => expect(digestFromReference(ref)).toBe(digest));
  it("refuses a reference without digest", () =>
    expect(() => digestFromReference("reg/repo:latest")).toThrow(/has no @sha256: digest/));
});

describe("api call log", () => {
  it.each([
    ["DescribeServices", false],
    ["ListTagsForResource", false],
    ["GetCallerIdentity", false],
    ["GetAuthorizationToken", false],
    ["BatchGetImage", false],
    ["AssumeRoleWithWebIdentity", false],
    ["UpdateService", true],
    ["RegisterTaskDefinition", true],
    ["RunTask", true],
    ["TagResource", true],
    ["PutImage", true],
  ])("%s mutating=%s", (name, mutating) => expect(isMutatingOperation(name)).toBe(mutating));
  it("summarises counts by name from a point on", () => {
    const log = new ApiCallLog();
    log.record("STS", "GetCallerIdentity");
    log.record("ECS", "DescribeServices");
    log.record("ECS", "DescribeServices");
    log.record("ECS", "UpdateService");
    expect(log.summary(1)).toEqual({
      total: 3,
      mutating: 1,
      byName: { DescribeServices: { count: 2, mutating: false }, UpdateService: { count: 1, mutating: true } },
    });
    expect(log.mutatingCalls().map((c) => c.name)).toEqual(["UpdateService"]);
  });
});

describe("report", () => {
  it("starts failed with nothing done, and is JSON-serialisable", () => {
    const report = newReport("deploy", { name: "staging", cluster: "c", service: "s" });
    expect(report).toMatchObject({ outcome: "failed", rollback: { taken: false }, smoke: [], warnings: [] });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
  it("summaryLine says version, environment, outcome and rollback", () => {
    const report = newReport("deploy", { name: "production", cluster: "c", service: "s" });
    report.version = "v1.2.3";
    report.outcome = "rolled-back";
    report.rollback = { taken: true, toTaskDefinition: "auth:6" };
    report.error = errorEntry(new DeploymentTimeoutError("waited too long\nsecond line"));
    expect(report.error).toEqual({ kind: "DeploymentTimeoutError", message: "waited too long" });
    expect(summaryLine(report)).toBe(
      "Deploy of Auth Service v1.2.3 to production: rolled-back; rolled back to auth:6: waited too long",
    );
  });
});
