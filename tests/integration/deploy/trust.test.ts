/**
 * The faults of an operator's bad day, each ending in the right state in moto: which revision serves, how many
 * migrations ran, what the report says. States moto cannot produce are FAKES from faults.ts ("fake:" in the name).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DescribeTaskDefinitionCommand,
  ListTagsForResourceCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  UpdateServiceCommand,
  type RunTaskCommandInput,
} from "@aws-sdk/client-ecs";
import { DeleteItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { deploy } from "../../../src/core/deploy/deploy.js";
import { migrate } from "../../../src/core/deploy/migrate-command.js";
import { rollback } from "../../../src/core/deploy/rollback-command.js";
import { PreflightError } from "../../../src/core/errors.js";
import { LOCK_TABLE, motoClients, requireMoto, seedEnvironment, serviceNow } from "../../support/moto.js";
import { startServiceStandIn, type LoopbackServer } from "./servers.js";
import { FAST, publishIntoMoto, stagingOptions, STAGING_VERSION } from "./helpers.js";
import { fakeAwsError, fakeMigrationTask, fakeRolloutFailed, onRequest } from "./faults.js";

let site: LoopbackServer;
let servedVersion = STAGING_VERSION;
beforeAll(async () => {
  await requireMoto();
  site = await startServiceStandIn({ version: () => servedVersion });
});
afterAll(async () => site?.close());

async function setup(seedOptions: Parameters<typeof seedEnvironment>[0] = {}) {
  const seed = await seedEnvironment(seedOptions);
  const aws = await motoClients();
  const options = stagingOptions(seed, aws, site.url, { publish: publishIntoMoto(seed, { digests: [], logins: 0 }) });
  return { seed, aws, options };
}

/** The commands of every migration task RunTask started through `aws`. */
function migrationCommands(aws: Awaited<ReturnType<typeof motoClients>>): string[] {
  const sent: string[] = [];
  onRequest(aws.ecs, "RunTask", (input) => {
    const overrides = (input as unknown as RunTaskCommandInput).overrides?.containerOverrides ?? [];
    sent.push((overrides[0]?.command ?? []).join(" "));
  });
  return sent;
}

const lockId = (seed: { environment: { cluster: string; service: string } }) =>
  `${seed.environment.cluster}/${seed.environment.service}`;

describe("migration policy: the database, not a tag, knows its schema", () => {
  it("rollback, downgrade -1, redeploy of the same revision → upgrade head runs again", async () => {
    const { seed, options } = await setup();
    const first = await deploy(options);
    expect(first.outcome).toBe("succeeded");
    const back = await rollback({ environment: seed.environment, aws: await motoClients(), ...FAST, smoke: false });
    expect(back.outcome).toBe("succeeded");
    const down = await migrate({
      environment: seed.environment,
      aws: await motoClients(),
      command: "downgrade -1",
      ...FAST,
    });
    expect(down.outcome).toBe("succeeded");

    const aws = await motoClients();
    const commands = migrationCommands(aws);
    const again = await deploy({ ...options, aws });
    expect(again.outcome).toBe("succeeded");
    expect(again.taskDefinition.new).toBe(first.taskDefinition.new); // same revision, reused
    expect(commands).toEqual(["alembic upgrade head"]);
    expect(again.migration).toMatchObject({ command: "alembic upgrade head", exitCode: 0, lastStatus: "STOPPED" });
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(first.taskDefinition.new);
  });

  it("a migration task of the service still running → deploy refused before any change", async () => {
    const { seed, aws, options } = await setup();
    const service = await serviceNow(seed.environment);
    const other = await motoClients();
    const started = await other.ecs.send(
      new RunTaskCommand({
        cluster: seed.environment.cluster,
        taskDefinition: seed.taskDefinitionArn,
        startedBy: "faultmaven-migrate",
        launchType: "FARGATE",
        ...(service?.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
      }),
    );
    const attempt = deploy(options);
    await expect(attempt).rejects.toBeInstanceOf(PreflightError);
    await expect(attempt).rejects.toThrow(
      new RegExp(`a migration task of .* is still running \\(${started.tasks?.[0]?.taskArn}\\)`),
    );
    expect(aws.calls.mutatingCalls()).toEqual([]);
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(seed.taskDefinitionArn);
  });
});

describe("deploy lock (DynamoDB conditional writes)", () => {
  it("held by another run → refused with the holder named, zero changes", async () => {
    const { seed, aws, options } = await setup();
    const other = await motoClients();
    await other.dynamodb.send(
      new PutItemCommand({
        TableName: LOCK_TABLE,
        Item: {
          lockId: { S: lockId(seed) },
          owner: { S: "someone-else" },
          holder: { S: "deploy of staging-feedbeef" },
          expiresAt: { N: String(Math.floor(Date.now() / 1000) + 600) },
        },
      }),
    );
    await expect(deploy(options)).rejects.toThrow(
      /is locked by deploy of staging-feedbeef, until .*one deploy at a time/,
    );
    // Only the refused conditional PutItem was attempted: it changed nothing.
    expect(aws.calls.mutatingCalls().map((c) => c.name)).toEqual(["PutItem"]);
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(seed.taskDefinitionArn);
  });

  it("migrate honours the lock too: refused while a deploy holds it, takes and releases it otherwise", async () => {
    const { seed, aws } = await setup();
    const other = await motoClients();
    await other.dynamodb.send(
      new PutItemCommand({
        TableName: LOCK_TABLE,
        Item: {
          lockId: { S: lockId(seed) },
          owner: { S: "a-deploy" },
          holder: { S: "deploy of staging-feedbeef" },
          expiresAt: { N: String(Math.floor(Date.now() / 1000) + 600) },
        },
      }),
    );
    const attempt = migrate({ environment: seed.environment, aws, command: "downgrade -1", ...FAST });
    await expect(attempt).rejects.toThrow(/is locked by deploy of staging-feedbeef/);
    expect(aws.calls.count("RunTask")).toBe(0);
    await other.dynamodb.send(new DeleteItemCommand({ TableName: LOCK_TABLE, Key: { lockId: { S: lockId(seed) } } }));
    const report = await migrate({
      environment: seed.environment,
      aws: await motoClients(),
      command: "downgrade -1",
      ...FAST,
    });
    expect(report.outcome).toBe("succeeded");
    expect(report.lock).toMatchObject({ acquired: true, released: true });
  });

  it("an expired lock (a crashed run) is taken over; released after the deploy", async () => {
    const { seed, options } = await setup();
    const other = await motoClients();
    await other.dynamodb.send(
      new PutItemCommand({
        TableName: LOCK_TABLE,
        Item: {
          lockId: { S: lockId(seed) },
          owner: { S: "crashed" },
          holder: { S: "deploy of a crashed run" },
          expiresAt: { N: String(Math.floor(Date.now() / 1000) - 5) },
        },
      }),
    );
    const report = await deploy(options);
    expect(report.outcome).toBe("succeeded");
    expect(report.lock).toMatchObject({ acquired: true, released: true });
    // Free again: a second deploy takes it.
    expect((await deploy({ ...options, aws: await motoClients() })).outcome).toBe("succeeded");
  });

  it("released in a failed outcome too (migration exit 1)", async () => {
    const { seed, aws, options } = await setup();
    fakeMigrationTask(aws, (task) => {
      for (const c of task.containers ?? []) c.exitCode = 1;
    });
    const report = await deploy(options);
    expect(report.outcome).toBe("failed");
    expect(report.lock?.released).toBe(true);
    expect((await deploy({ ...options, aws: await motoClients() })).outcome).toBe("succeeded");
    expect((await serviceNow(seed.environment))?.taskDefinition).not.toBe(seed.taskDefinitionArn);
  });

  it("fake: lock taken over during the migration → re-check refuses UpdateService, nothing rolled back", async () => {
    const { seed, aws, options } = await setup();
    onRequest(aws.ecs, "RunTask", async () => {
      const other = await motoClients();
      await other.dynamodb.send(new DeleteItemCommand({ TableName: LOCK_TABLE, Key: { lockId: { S: lockId(seed) } } }));
    });
    const report = await deploy(options);
    expect(report.outcome).toBe("failed");
    expect(report.error?.message).toMatch(/not updating .*the deploy lock is gone/);
    expect(report.apiCalls.byName.UpdateService).toBeUndefined();
    expect(report.rollback).toEqual({
      taken: false,
      reason: "the deploy lock was lost before UpdateService: the service was not changed",
    });
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(seed.taskDefinitionArn);
  });

  it("the lock expired (still ours) by the time of UpdateService → refused, nothing changed", async () => {
    const { seed, options } = await setup();
    let calls = 0;
    // Wall clock: the lock is taken now; at the re-check a day has passed (a run far slower than its timeouts).
    const wallClock = () => Date.now() + (calls++ === 0 ? 0 : 86_400_000);
    const report = await deploy({ ...options, wallClock });
    expect(report.outcome).toBe("failed");
    expect(report.error?.message).toMatch(/the deploy lock expired/);
    expect(report.apiCalls.byName.UpdateService).toBeUndefined();
    expect(report.lock?.released).toBe(true);
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(seed.taskDefinitionArn);
  });
});

describe("transient errors are 'not known yet', never a verdict", () => {
  it("fake: DescribeServices throttled on every SDK attempt for one poll → keeps waiting, succeeds", async () => {
    const { seed, aws, options } = await setup();
    // 1 preflight call passes; then the first rollout poll fails 3 attempts (the SDK's whole retry budget).
    let described = 0;
    onRequest(aws.ecs, "DescribeServices", () => void (described += 1));
    const fault = fakeAwsError(aws.ecs, "DescribeServices", 0);
    onRequest(aws.ecs, "UpdateService", () => {
      fault.failed = -3; // arm: the next 3 attempts fail
    });
    const report = await deploy(options);
    expect(fault.failed).toBe(0);
    expect(report.outcome).toBe("succeeded");
    expect(report.rollback.taken).toBe(false);
    expect(report.rolloutPolls).toBeGreaterThanOrEqual(2);
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(report.taskDefinition.new);
    expect(described).toBeGreaterThan(1);
  });

  it("fake: DescribeTasks answering 503 during the migration → the wait goes on, migration passes", async () => {
    const { aws, options } = await setup();
    const fault = fakeAwsError(aws.ecs, "DescribeTasks", 3, "ServiceUnavailableException", 503);
    const report = await deploy(options);
    expect(fault.failed).toBe(3);
    expect(report.outcome).toBe("succeeded");
    expect(report.migration).toMatchObject({ exitCode: 0, unknownPolls: 1 });
  });
});

describe("honest reports", () => {
  it("fake: UpdateService refused (AccessDenied) → failed, no rollback of a change that never happened", async () => {
    const { seed, aws, options } = await setup();
    fakeAwsError(aws.ecs, "UpdateService", 99, "AccessDeniedException", 400);
    const report = await deploy(options);
    expect(report.outcome).toBe("failed");
    expect(report.error?.message).toMatch(/AccessDeniedException/);
    expect(report.rollback).toEqual({
      taken: false,
      reason: "ECS did not accept UpdateService: the service was not changed",
    });
    expect(report.apiCalls.byName.UpdateService?.count).toBe(1);
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(seed.taskDefinitionArn);
  });

  it("UpdateService input is exactly 200/100 with the circuit breaker and rollback", async () => {
    const { aws, options } = await setup();
    const sent: unknown[] = [];
    onRequest(aws.ecs, "UpdateService", (input) => void sent.push(structuredClone(input)));
    const report = await deploy(options);
    expect(report.outcome).toBe("succeeded");
    expect(sent).toEqual([
      {
        cluster: options.environment.cluster,
        service: options.environment.service,
        taskDefinition: report.taskDefinition.new,
        forceNewDeployment: true,
        deploymentConfiguration: {
          maximumPercent: 200,
          minimumHealthyPercent: 100,
          deploymentCircuitBreaker: { enable: true, rollback: true },
        },
      },
    ]);
  });
});

describe("rollback 'previous' and repeated rollbacks", () => {
  it("after a redeploy that reused a revision, previous is what served before that redeploy", async () => {
    const { seed, options } = await setup();
    const b = await deploy(options);
    servedVersion = "staging-1111111111111111111111111111111111111111";
    const optionsC = { ...options, aws: await motoClients(), gitSha: "1111111111111111111111111111111111111111" };
    const c = await deploy({ ...optionsC, publish: publishIntoMoto(seed, { digests: [], logins: 0 }) });
    expect(c.outcome).toBe("succeeded");
    // Back to the first revision by number, then deploy C again: its revision is reused.
    expect(
      (await rollback({ environment: seed.environment, aws: await motoClients(), to: "1", ...FAST, smoke: false }))
        .outcome,
    ).toBe("succeeded");
    const again = await deploy({
      ...optionsC,
      aws: await motoClients(),
      publish: publishIntoMoto(seed, { digests: [], logins: 0 }),
    });
    expect(again.taskDefinition).toMatchObject({ new: c.taskDefinition.new, registered: false });
    const back = await rollback({ environment: seed.environment, aws: await motoClients(), ...FAST, smoke: false });
    servedVersion = STAGING_VERSION;
    expect(back.taskDefinition.new).toBe(seed.taskDefinitionArn); // not B, which C's own tag names
    expect(b.taskDefinition.new).not.toBe(seed.taskDefinitionArn);
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(seed.taskDefinitionArn);
  });

  it("fake FAILED rollout rolled back automatically; a manual rollback then is a no-op that says so", async () => {
    const { seed, aws, options } = await setup();
    fakeRolloutFailed(aws);
    const failed = await deploy(options);
    expect(failed.outcome).toBe("rolled-back");
    expect(failed.rollback).toMatchObject({ cause: "deployment-failed", by: "pipeline" });
    const manual = await motoClients();
    const report = await rollback({ environment: seed.environment, aws: manual, ...FAST, smoke: false });
    expect(report.outcome).toBe("succeeded");
    expect(report.rollback).toMatchObject({
      taken: false,
      reason: expect.stringMatching(/already serves .*nothing to roll back/),
    });
    expect(manual.calls.mutatingCalls()).toEqual([]);
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(seed.taskDefinitionArn);
  });

  it("manual rollback validates only the target: the broken serving revision lacks a required secret", async () => {
    const { seed } = await setup();
    const admin = await motoClients();
    const good = (await admin.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: seed.taskDefinitionArn })))
      .taskDefinition;
    const broken = await admin.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: good?.family,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "256",
        memory: "512",
        containerDefinitions: [{ ...good?.containerDefinitions?.[0], secrets: [] }],
      }),
    );
    await admin.ecs.send(
      new UpdateServiceCommand({
        cluster: seed.environment.cluster,
        service: seed.environment.service,
        taskDefinition: broken.taskDefinition?.taskDefinitionArn,
      }),
    );
    const report = await rollback({
      environment: seed.environment,
      aws: await motoClients(),
      to: "1",
      ...FAST,
      smoke: false,
    });
    expect(report.outcome).toBe("succeeded");
    expect(report.rollback).toMatchObject({ taken: true, cause: "manual", by: "pipeline" });
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(seed.taskDefinitionArn);
  });
});

describe("inputs and revisions", () => {
  it("an empty Slack webhook → deployed, no notification, a warning", async () => {
    const { options } = await setup();
    const report = await deploy({ ...options, slackWebhookUrl: "" });
    expect(report.outcome).toBe("succeeded");
    expect(report.notification).toBeUndefined();
    expect(report.warnings).toContain("the Slack webhook is empty (an unset secret?): no notification was sent");
  });

  it("a new revision keeps the serving revision's own tags", async () => {
    const { seed, aws, options } = await setup();
    await aws.ecs.send(
      new (await import("@aws-sdk/client-ecs")).TagResourceCommand({
        resourceArn: seed.taskDefinitionArn,
        tags: [
          { key: "team", value: "auth" },
          { key: "cost-centre", value: "cc-42" },
        ],
      }),
    );
    const report = await deploy(options);
    const tags = await aws.ecs.send(
      new ListTagsForResourceCommand({ resourceArn: report.taskDefinition.new as string }),
    );
    expect(tags.tags).toEqual(
      expect.arrayContaining([
        { key: "team", value: "auth" },
        { key: "cost-centre", value: "cc-42" },
        { key: "faultmaven:previous-task-definition", value: seed.taskDefinitionArn },
      ]),
    );
  });
});

describe("web identity credentials are re-assumed before they expire", () => {
  it("moto STS: one AssumeRoleWithWebIdentity, then another once the session is within 10 min of its end", async () => {
    const { STSClient, GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
    const { webIdentityProvider } = await import("../../../src/core/aws/web-identity.js");
    const { MOTO_ENDPOINT, MOTO_REGION } = await import("../../support/moto.js");
    const sts = new STSClient({
      region: MOTO_REGION,
      endpoint: MOTO_ENDPOINT,
      credentials: { accessKeyId: "web-identity", secretAccessKey: "unused" },
    });
    let assumed = 0;
    onRequest(sts, "AssumeRoleWithWebIdentity", () => void (assumed += 1));
    let now = Date.now();
    const provider = webIdentityProvider({
      sts,
      roleArn: "arn:aws:iam::123456789012:role/deploy",
      webIdentityToken: "token",
      sessionName: "test",
      durationSeconds: 3600,
      now: () => now,
    });
    const first = await provider();
    expect(first.expiration).toBeInstanceOf(Date);
    await provider();
    expect(assumed).toBe(1);
    now = (first.expiration as Date).getTime() - 9 * 60_000; // 9 min left: refresh
    const second = await provider();
    expect(assumed).toBe(2);
    // The refreshed keys work.
    const client = new STSClient({ region: MOTO_REGION, endpoint: MOTO_ENDPOINT, credentials: provider });
    expect((await client.send(new GetCallerIdentityCommand({}))).Account).toBe("123456789012");
    expect(second.accessKeyId).toBeTruthy();
    sts.destroy();
    client.destroy();
  });
});
