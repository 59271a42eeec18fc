import { describe, expect, it } from "vitest";
import { decideFailure, type DeployPhase } from "../../../src/core/deploy/failure-policy.js";
import { decideDeploy } from "../../../src/core/deploy/decide.js";
import { isTransientAwsError } from "../../../src/core/aws/transient.js";
import {
  DeploymentFailedError,
  DeploymentTimeoutError,
  MigrationFailedError,
  PreflightError,
  SmokeCheckError,
} from "../../../src/core/errors.js";

const observed = (cause: string) => Object.assign(new DeploymentFailedError("rollout failed"), { observed: cause });
const accessDenied = Object.assign(new Error("not authorized"), {
  name: "AccessDeniedException",
  $metadata: { httpStatusCode: 400 },
});

describe("decideFailure: the failure table of docs/deploy.md", () => {
  it.each<[DeployPhase, unknown, boolean, object]>([
    ["image", new Error("push failed"), false, { outcome: "failed", rollBack: false }],
    ["revision", accessDenied, false, { outcome: "failed", rollBack: false }],
    ["migrate", new MigrationFailedError("exit 1"), false, { outcome: "failed", rollBack: false }],
    ["migrate", new DeploymentTimeoutError("did not stop"), false, { outcome: "timed-out", rollBack: false }],
    // UpdateService refused: the change never happened, so nothing is rolled back.
    [
      "update",
      accessDenied,
      false,
      { outcome: "failed", rollBack: false, why: expect.stringMatching(/did not accept/) },
    ],
    [
      "update",
      new PreflightError("lock gone"),
      false,
      { rollBack: false, why: expect.stringMatching(/lock was lost/) },
    ],
    ["wait", observed("circuit-breaker"), true, { outcome: "failed", rollBack: true, cause: "circuit-breaker" }],
    ["wait", observed("deployment-failed"), true, { outcome: "failed", rollBack: true, cause: "deployment-failed" }],
    ["wait", observed("replaced"), true, { outcome: "failed", rollBack: true, cause: "replaced" }],
    [
      "wait",
      new DeploymentTimeoutError("not steady"),
      true,
      { outcome: "timed-out", rollBack: true, cause: "timeout" },
    ],
    ["wait", accessDenied, true, { outcome: "failed", rollBack: true, cause: "wait-error" }],
    ["smoke", new SmokeCheckError("503"), true, { outcome: "failed", rollBack: true, cause: "smoke" }],
    ["smoke", new SmokeCheckError("503"), false, { outcome: "failed", rollBack: false }],
  ])("%s failing with %s (service changed: %s)", (phase, error, changed, expected) => {
    expect(decideFailure(phase, error, changed)).toMatchObject(expected);
  });
});

describe("decideDeploy: shared by plan and deploy", () => {
  const serving = { taskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/a:1" };
  const latest = { taskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/a:2" };
  it("serving is the target → no new revision, no UpdateService, migration still runs", () => {
    expect(decideDeploy({ serving, servingIsTarget: true }, "alembic upgrade head")).toEqual({
      revision: "none",
      existing: serving,
      updateService: false,
      migration: { willRun: true, command: "alembic upgrade head" },
    });
  });
  it("family's latest holds it → reuse", () => {
    const d = decideDeploy({ serving, servingIsTarget: false, reusable: { definition: latest, tags: [] } }, undefined);
    expect(d).toMatchObject({ revision: "reuse", existing: latest, updateService: true });
    expect(d.migration).toEqual({ willRun: false, why: "migration disabled (--migration=none)" });
  });
  it("otherwise register", () =>
    expect(decideDeploy({ serving, servingIsTarget: false }, "alembic upgrade head")).toMatchObject({
      revision: "register",
      updateService: true,
    }));
});

describe("isTransientAwsError", () => {
  it.each([
    [{ name: "ThrottlingException", $metadata: { httpStatusCode: 400 } }, true],
    [{ name: "ServiceUnavailableException", $metadata: { httpStatusCode: 503 } }, true],
    [{ name: "InternalError", $fault: "server" }, true],
    [{ name: "TimeoutError" }, true],
    [{ name: "Error", code: "ECONNRESET" }, true],
    [{ name: "TooManyRequestsException", $metadata: { httpStatusCode: 429 } }, true],
    [accessDenied, false],
    [{ name: "ClientException", $metadata: { httpStatusCode: 400 } }, false],
    [null, false],
  ])("%j → %s", (error, transient) => expect(isTransientAwsError(error)).toBe(transient));
});
