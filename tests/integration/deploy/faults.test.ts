/**
 * Failure paths against moto. States moto cannot produce are injected by the FAKES in faults.ts (each test name
 * says "fake:"); everything else — the service, revisions, RunTask, UpdateService — is moto's real state. Every
 * test asserts the END state in moto, not only the report.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploy } from "../../../src/core/deploy/deploy.js";
import { motoClients, requireMoto, seedEnvironment, serviceNow } from "../../support/moto.js";
import { startServer, startServiceStandIn, type LoopbackServer } from "./servers.js";
import { publishIntoMoto, stagingOptions, STAGING_VERSION } from "./helpers.js";
import {
  fakeCircuitBreakerRollback,
  fakeMigrationTask,
  fakeRolloutFailed,
  fakeStsThrottling,
  fakeStuckInProgress,
  onResponse,
  rolloutDeploymentId,
} from "./faults.js";
import type { DescribeServicesCommandOutput, DescribeTasksCommandOutput } from "@aws-sdk/client-ecs";

let site: LoopbackServer;
let readyStatus = 200;

beforeAll(async () => {
  await requireMoto();
  site = await startServiceStandIn({ version: () => STAGING_VERSION, readyStatus: () => readyStatus });
});
afterAll(async () => site?.close());

async function setup(seedOptions: Parameters<typeof seedEnvironment>[0] = {}) {
  const seed = await seedEnvironment(seedOptions);
  const aws = await motoClients();
  const pushed = { digests: [] as string[], logins: 0 };
  const lines: string[] = [];
  const options = stagingOptions(seed, aws, site.url, {
    publish: publishIntoMoto(seed, pushed),
    log: (l) => lines.push(l),
  });
  return { seed, aws, options, lines };
}

describe("rollout faults end with the previous revision serving", () => {
  it("fake: circuit breaker rolled back (deployment id gone) → rolled-back, no second UpdateService", async () => {
    const { seed, aws, options } = await setup();
    const breaker = fakeCircuitBreakerRollback(aws, seed.environment, seed.taskDefinitionArn);
    const report = await deploy(options);
    expect(breaker.triggered).toBe(true);
    expect(report.outcome).toBe("rolled-back");
    expect(report.error?.kind).toBe("DeploymentFailedError");
    expect(report.error?.message).toMatch(/deployment ecs-svc\/\d+ is gone/);
    expect(report.rollback).toMatchObject({
      taken: true,
      by: "circuit-breaker",
      succeeded: true,
      toTaskDefinition: seed.taskDefinitionArn,
    });
    expect(report.smoke).toEqual([]);
    expect(report.apiCalls.byName.UpdateService?.count).toBe(1);
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(seed.taskDefinitionArn);
  });

  it("fake: rollout FAILED → the pipeline rolls back to the recorded revision", async () => {
    const { seed, aws, options } = await setup();
    fakeRolloutFailed(aws);
    const report = await deploy(options);
    expect(report.outcome).toBe("rolled-back");
    expect(report.error?.message).toMatch(/FAILED: ECS deployment circuit breaker/);
    expect(report.rollback).toMatchObject({
      taken: true,
      by: "pipeline",
      succeeded: true,
      toTaskDefinition: seed.taskDefinitionArn,
    });
    expect(report.apiCalls.byName.UpdateService?.count).toBe(2);
    // Reported on the first poll that showed FAILED.
    expect(report.rolloutPolls).toBeLessThanOrEqual(2);
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(seed.taskDefinitionArn);
  });

  it("fake: deployment stuck IN_PROGRESS → timed-out (its own outcome), rolled back", async () => {
    const { seed, aws, options } = await setup();
    fakeStuckInProgress(aws);
    const started = Date.now();
    const report = await deploy({ ...options, rolloutTimeoutMs: 600 });
    expect(report.outcome).toBe("timed-out");
    expect(report.error?.kind).toBe("DeploymentTimeoutError");
    expect(report.error?.message).toMatch(/not steady after/);
    expect(report.rollback).toMatchObject({ taken: true, succeeded: true, toTaskDefinition: seed.taskDefinitionArn });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(seed.taskDefinitionArn);
  });

  it("smoke /ready answering 503 (real loopback server) → rolled back, smoke results in the report", async () => {
    const { seed, options } = await setup();
    readyStatus = 503;
    try {
      const report = await deploy(options);
      expect(report.outcome).toBe("rolled-back");
      expect(report.error?.kind).toBe("SmokeCheckError");
      expect(report.smoke.find((s) => s.name === "ready")).toMatchObject({ passed: false, status: 503, attempts: 2 });
      expect(report.smoke.find((s) => s.name === "health")?.passed).toBe(true);
      expect(report.rollback).toMatchObject({ taken: true, by: "pipeline", succeeded: true });
      expect((await serviceNow(seed.environment))?.taskDefinition).toBe(seed.taskDefinitionArn);
    } finally {
      readyStatus = 200;
    }
  });
});

describe("migration faults: the service is never updated", () => {
  it("fake: migration exit code 1 → failed, no UpdateService", async () => {
    const { seed, aws, options, lines } = await setup();
    fakeMigrationTask(aws, (task) => {
      for (const c of task.containers ?? []) c.exitCode = 1;
      task.stoppedReason = "Essential container in task exited";
    });
    const report = await deploy(options);
    expect(report.outcome).toBe("failed");
    expect(report.error?.kind).toBe("MigrationFailedError");
    expect(report.error?.message).toMatch(/essential container auth-service exited 1/);
    expect(report.migration).toMatchObject({ exitCode: 1, stoppedReason: "Essential container in task exited" });
    expect(report.apiCalls.byName.UpdateService).toBeUndefined();
    expect(report.rollback.taken).toBe(false);
    expect(lines.some((l) => l.includes("Essential container in task exited"))).toBe(true);
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(seed.taskDefinitionArn);
  });

  it("fake: TaskFailedToStart with no exit code → failed, no UpdateService", async () => {
    const { seed, aws, options } = await setup();
    fakeMigrationTask(aws, (task) => {
      task.stopCode = "TaskFailedToStart";
      task.stoppedReason = "CannotPullContainerError: pull image manifest has been retried 5 time(s)";
      for (const c of task.containers ?? []) delete c.exitCode;
    });
    const report = await deploy(options);
    expect(report.outcome).toBe("failed");
    expect(report.error?.message).toMatch(/failed to start: CannotPullContainerError/);
    expect(report.error?.message).toMatch(/has no exit code/);
    expect(report.migration?.exitCode).toBeUndefined();
    expect(report.apiCalls.byName.UpdateService).toBeUndefined();
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(seed.taskDefinitionArn);
  });

  it("fake: a failing essential sidecar fails the migration although the app exited 0", async () => {
    const base = await seedEnvironment(); // for the image reference only
    const { seed, aws, options } = await setup({
      containers: [
        {
          name: "auth-service",
          image: `${base.repositoryUri}@${base.imageDigest}`,
          essential: true,
          memory: 256,
          secrets: ["DATABASE_URL", "REDIS_URL", "JWT_SECRET_KEY"].map((s) => ({
            name: s,
            valueFrom: `arn:aws:ssm:us-east-1:123456789012:parameter/${s}`,
          })),
        },
        { name: "log-router", image: "fluent-bit:3", essential: true, memory: 128 },
      ],
    });
    // moto reports only the first container of a task; the fake adds the sidecar's state.
    fakeMigrationTask(aws, (task) => {
      task.containers = [
        ...(task.containers ?? []).filter((c) => c.name !== "log-router"),
        { name: "log-router", exitCode: 137, reason: "OutOfMemoryError" },
      ];
    });
    const report = await deploy(options);
    expect(report.outcome).toBe("failed");
    expect(report.error?.message).toMatch(/essential container log-router exited 137/);
    expect(report.migration?.exitCode).toBe(0);
    expect(report.apiCalls.byName.UpdateService).toBeUndefined();
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(seed.taskDefinitionArn);
  });
});

describe("waits", () => {
  it("fake: migration task never stops → timed-out (its own outcome), service never updated", async () => {
    const { seed, aws, options } = await setup();
    onResponse<DescribeTasksCommandOutput>(aws.ecs, "DescribeTasks", (out) => {
      for (const task of out.tasks ?? []) if (task.startedBy === "faultmaven-migrate") task.lastStatus = "RUNNING";
    });
    const report = await deploy({ ...options, migrationTimeoutMs: 600 });
    expect(report.outcome).toBe("timed-out");
    expect(report.error?.kind).toBe("DeploymentTimeoutError");
    expect(report.error?.message).toMatch(
      /migration task .* did not stop within 1 s .*the pipeline stopped it; the service was not updated/,
    );
    // The task ARN and its state are in the report, and the task was stopped (a rerun never runs a second one).
    expect(report.migration).toMatchObject({ taskArn: expect.stringMatching(/:task\//), stoppedByPipeline: true });
    expect(report.apiCalls.byName.StopTask?.count).toBe(1);
    expect(report.apiCalls.byName.UpdateService).toBeUndefined();
    expect(report.rollback.taken).toBe(false);
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(seed.taskDefinitionArn);
  });

  it("fake: service events appear during a slow rollout → each streamed once, oldest first", async () => {
    const { aws, options, lines } = await setup();
    const rollout = rolloutDeploymentId(aws);
    let polls = 0;
    onResponse<DescribeServicesCommandOutput>(aws.ecs, "DescribeServices", (out) => {
      const service = out.services?.[0];
      const ours = service?.deployments?.find((d) => d.id === rollout.id);
      if (!service || !ours) return;
      polls += 1;
      // ECS lists events newest first and repeats old ones on every answer.
      const all = [
        { id: "e1", message: "(service auth-service) has started 2 tasks: (task a) (task b)." },
        { id: "e2", message: "(service auth-service) registered 2 targets in (target-group tg)" },
        { id: "e3", message: "(service auth-service) has reached a steady state." },
      ].slice(0, Math.min(3, polls));
      service.events = all.reverse().map((e) => ({ ...e, createdAt: new Date() }));
      if (polls < 3) Object.assign(ours, { rolloutState: "IN_PROGRESS", runningCount: 1 });
    });
    const report = await deploy(options);
    expect(report.outcome).toBe("succeeded");
    expect(lines.filter((l) => l.startsWith("ecs event: "))).toEqual([
      "ecs event: (service auth-service) has started 2 tasks: (task a) (task b).",
      "ecs event: (service auth-service) registered 2 targets in (target-group tg)",
      "ecs event: (service auth-service) has reached a steady state.",
    ]);
    expect(report.rolloutPolls).toBe(3);
    expect(report.apiCalls.byName.DescribeServices?.count).toBe(1 + 3);
  });
});

describe("notifications and throttling never change the outcome", () => {
  it("Slack answering 500 (real loopback server) → deploy still succeeded, warning recorded, URL nowhere", async () => {
    const slack = await startServer(() => ({ status: 500, body: { error: "boom" } }));
    const webhook = `${slack.url}/services/T000/B000/SECRETPART`;
    try {
      const { options, lines } = await setup();
      const report = await deploy({ ...options, slackWebhookUrl: webhook });
      expect(report.outcome).toBe("succeeded");
      expect(report.notification).toEqual({
        sent: false,
        warning: "Slack notification failed: webhook answered HTTP 500",
      });
      expect(report.warnings).toContain("Slack notification failed: webhook answered HTTP 500");
      expect(slack.requests).toHaveLength(1);
      expect(JSON.parse(slack.requests[0]?.body ?? "{}").text).toMatch(/to staging .*: succeeded/);
      const everything = JSON.stringify(report) + lines.join("\n");
      expect(everything).not.toContain("SECRETPART");
      expect(everything).not.toContain(slack.url);
    } finally {
      await slack.close();
    }
  });

  it("fake: STS throttling twice → the SDK retries and the deploy succeeds", async () => {
    const { aws, options } = await setup();
    const throttle = fakeStsThrottling(aws, 2);
    const report = await deploy(options);
    expect(throttle.attempts).toBe(3);
    expect(report.outcome).toBe("succeeded");
  });

  it("fake: STS throttling on every attempt → one-line PreflightError, zero mutating calls", async () => {
    const { aws, options } = await setup();
    fakeStsThrottling(aws, 99);
    await expect(deploy(options)).rejects.toThrow(
      /^STS GetCallerIdentity failed for staging \(ThrottlingException: Rate exceeded\): .*retry/,
    );
    expect(aws.calls.mutatingCalls()).toEqual([]);
  });
});

describe("rerun after a partial failure", () => {
  it("fake rollout FAILED, then rerun: reuses the revision, migrates again (upgrade head), one new deployment", async () => {
    const { seed, aws, options } = await setup();
    fakeRolloutFailed(aws);
    const first = await deploy(options);
    expect(first.outcome).toBe("rolled-back");
    expect(first.migration?.exitCode).toBe(0);

    const again = await motoClients();
    const second = await deploy({ ...options, aws: again });
    expect(second.outcome).toBe("succeeded");
    expect(second.taskDefinition.new).toBe(first.taskDefinition.new);
    expect(second.taskDefinition.registered).toBe(false);
    expect(second.image?.source).toBe("reused");
    expect(second.image?.digest).toBe(first.image?.digest);
    // The database, not a tag, knows its schema: upgrade head runs again (a no-op when already at head).
    expect(second.migration).toMatchObject({ command: "alembic upgrade head", exitCode: 0 });
    expect(second.apiCalls.byName.RunTask?.count).toBe(1);
    expect(second.apiCalls.byName.RegisterTaskDefinition).toBeUndefined();
    expect(second.apiCalls.byName.UpdateService?.count).toBe(1);
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(first.taskDefinition.new);
  });

  it("rerun of a deploy that already succeeded: no new revision or deployment; upgrade head and smoke", async () => {
    const { seed, options } = await setup();
    const first = await deploy(options);
    expect(first.outcome).toBe("succeeded");
    const again = await motoClients();
    const second = await deploy({ ...options, aws: again });
    expect(second.outcome).toBe("succeeded");
    expect(second.warnings.join(" ")).toMatch(/already runs .* no new deployment/);
    expect(second.apiCalls.byName.UpdateService).toBeUndefined();
    expect(second.apiCalls.byName.RegisterTaskDefinition).toBeUndefined();
    expect(second.apiCalls.byName.RunTask?.count).toBe(1);
    expect(second.rollback.taken).toBe(false);
    expect(second.smoke.every((s) => s.passed)).toBe(true);
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(first.taskDefinition.new);
  });
});
