import { describe, expect, it } from "vitest";
import type { Deployment, Service } from "@aws-sdk/client-ecs";
import { busyReason, judgeDeployment } from "../../../src/core/deploy/deployment-verdict.js";

const TARGET = "arn:aws:ecs:us-east-1:123456789012:task-definition/auth:2";
const OLD = "arn:aws:ecs:us-east-1:123456789012:task-definition/auth:1";
const dep = (d: Partial<Deployment>): Deployment => ({
  id: "ecs-svc/1",
  status: "PRIMARY",
  rolloutState: "COMPLETED",
  runningCount: 2,
  desiredCount: 2,
  taskDefinition: TARGET,
  ...d,
});
const svc = (deployments: Deployment[], extra: Partial<Service> = {}): Service => ({
  status: "ACTIVE",
  taskDefinition: TARGET,
  desiredCount: 2,
  deployments,
  ...extra,
});

describe("judgeDeployment: stable is not succeeded", () => {
  it.each([
    ["steady: PRIMARY, COMPLETED, alone, all running", svc([dep({})]), "steady", undefined],
    [
      "in progress: rollout IN_PROGRESS",
      svc([
        dep({ rolloutState: "IN_PROGRESS", runningCount: 1 }),
        dep({ id: "ecs-svc/0", status: "ACTIVE", taskDefinition: OLD }),
      ]),
      "in-progress",
      /rollout IN_PROGRESS, 1\/2 running/,
    ],
    [
      "in progress: COMPLETED but old deployment still draining",
      svc([dep({}), dep({ id: "ecs-svc/0", status: "ACTIVE" })]),
      "in-progress",
      /2 deployments/,
    ],
    [
      "failed: deployment id gone (circuit breaker rolled back)",
      svc([dep({ id: "ecs-svc/9", taskDefinition: OLD })], { taskDefinition: OLD }),
      "failed",
      /ecs-svc\/1 is gone \(the circuit breaker rolled back to .*auth:1\)/,
    ],
    [
      "failed: rollout FAILED",
      svc([dep({ rolloutState: "FAILED", rolloutStateReason: "tasks failed" })]),
      "failed",
      /FAILED: tasks failed/,
    ],
    [
      "failed: no longer PRIMARY",
      svc([dep({ status: "ACTIVE" }), dep({ id: "ecs-svc/2" })]),
      "failed",
      /is ACTIVE, no longer PRIMARY \(PRIMARY is ecs-svc\/2\)/,
    ],
    [
      "failed: service runs another task definition",
      svc([dep({})], { taskDefinition: OLD }),
      "failed",
      /now runs .*auth:1/,
    ],
    ["failed: service INACTIVE", svc([dep({})], { status: "INACTIVE" }), "failed", /is INACTIVE/],
    ["failed: service gone", undefined, "failed", /service is gone/],
  ] as const)("%s", (_name, service, state, pattern) => {
    const verdict = judgeDeployment(service as Service | undefined, "ecs-svc/1", TARGET);
    expect(verdict.state).toBe(state);
    if (pattern) expect(JSON.stringify(verdict)).toMatch(pattern);
  });
});

describe("busyReason", () => {
  it.each([
    ["idle", svc([dep({})]), undefined],
    ["IN_PROGRESS", svc([dep({ rolloutState: "IN_PROGRESS" })]), /ecs-svc\/1 is IN_PROGRESS/],
    ["two active", svc([dep({}), dep({ id: "ecs-svc/0", status: "ACTIVE" })]), /2 deployments are active/],
  ] as const)("%s", (_name, service, pattern) => {
    const reason = busyReason(service);
    if (pattern) expect(reason).toMatch(pattern);
    else expect(reason).toBeUndefined();
  });
});
