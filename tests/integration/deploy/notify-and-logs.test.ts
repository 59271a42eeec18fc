/** Slack notifications against real loopback servers, and the migration's CloudWatch log tail from moto. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  RunTaskCommand,
  StopTaskCommand,
  type DescribeTasksCommandOutput,
  type ListTasksCommandOutput,
  type RunTaskCommandOutput,
  type UpdateServiceCommandOutput,
} from "@aws-sdk/client-ecs";
import { notifySlack } from "../../../src/core/notify/slack.js";
import { deploy } from "../../../src/core/deploy/deploy.js";
import { motoClients, requireMoto, seedEnvironment, serviceNow } from "../../support/moto.js";
import { startServer, startServiceStandIn, type LoopbackServer } from "./servers.js";
import { publishIntoMoto, stagingOptions, STAGING_VERSION } from "./helpers.js";
import { fakeMigrationTask, fakeRolloutFailed, onResponse } from "./faults.js";

describe("notifySlack never throws and never reveals the URL", () => {
  it("posts one JSON message", async () => {
    const slack = await startServer(() => ({ status: 200 }));
    try {
      expect(
        await notifySlack({
          webhookUrl: `${slack.url}/services/T/B/TOKEN`,
          text: "Deploy of Auth Service v1.2.3 to production: succeeded",
        }),
      ).toEqual({ sent: true });
      expect(slack.requests).toEqual([
        {
          method: "POST",
          path: "/services/T/B/TOKEN",
          body: JSON.stringify({ text: "Deploy of Auth Service v1.2.3 to production: succeeded" }),
        },
      ]);
    } finally {
      await slack.close();
    }
  });

  it("a closed port is a warning without the URL", async () => {
    const slack = await startServer(() => ({ status: 200 }));
    await slack.close();
    const result = await notifySlack({ webhookUrl: `${slack.url}/services/T/B/TOKEN`, text: "x" });
    expect(result).toEqual({ sent: false, warning: "Slack notification failed: request failed" });
  });

  it("a webhook that never answers times out as a warning", async () => {
    const hanging: Server = createServer(() => {}); // accepts, never responds
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    const { port } = hanging.address() as AddressInfo;
    try {
      const started = Date.now();
      const result = await notifySlack({
        webhookUrl: `http://127.0.0.1:${port}/services/T/B/TOKEN`,
        text: "x",
        timeoutMs: 300,
      });
      expect(result).toEqual({ sent: false, warning: "Slack notification failed: timed out" });
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });
});

describe("migration log tail (CloudWatch Logs in moto)", () => {
  let site: LoopbackServer;
  beforeAll(async () => {
    await requireMoto();
    site = await startServiceStandIn({ version: () => STAGING_VERSION });
  });
  afterAll(async () => site?.close());

  it("fake: migration exits 1; the error and the report carry the container's awslogs tail", async () => {
    const base = await seedEnvironment();
    const group = `/ecs/auth-service-${Date.now()}`;
    const { seed, aws, options } = await (async () => {
      const seed = await seedEnvironment({
        containers: [
          {
            name: "auth-service",
            image: `${base.repositoryUri}@${base.imageDigest}`,
            essential: true,
            memory: 512,
            secrets: ["DATABASE_URL", "REDIS_URL", "JWT_SECRET_KEY"].map((s) => ({
              name: s,
              valueFrom: `arn:aws:ssm:us-east-1:123456789012:parameter/${s}`,
            })),
            logConfiguration: {
              logDriver: "awslogs",
              options: { "awslogs-group": group, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs" },
            },
          },
        ],
      });
      const aws = await motoClients();
      return {
        seed,
        aws,
        options: stagingOptions(seed, aws, site.url, { publish: publishIntoMoto(seed, { digests: [], logins: 0 }) }),
      };
    })();
    // What the container would write: real CloudWatch Logs calls into moto, under the awslogs stream name.
    const writer = await motoClients();
    await writer.logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    onResponse<RunTaskCommandOutput>(aws.ecs, "RunTask", async (out) => {
      const taskId = out.tasks?.[0]?.taskArn?.split("/").pop() ?? "";
      const stream = `ecs/auth-service/${taskId}`;
      await writer.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
      const now = Date.now();
      await writer.logs.send(
        new PutLogEventsCommand({
          logGroupName: group,
          logStreamName: stream,
          logEvents: [
            { timestamp: now, message: "INFO  [alembic.runtime.migration] Running upgrade 1a2b -> 3c4d, add sessions" },
            { timestamp: now + 1, message: 'sqlalchemy.exc.ProgrammingError: relation "sessions" already exists' },
          ],
        }),
      );
    });
    fakeMigrationTask(aws, (task) => {
      for (const c of task.containers ?? []) c.exitCode = 1;
    });
    const report = await deploy(options);
    expect(report.outcome).toBe("failed");
    expect(report.migration?.logTail).toEqual([
      "INFO  [alembic.runtime.migration] Running upgrade 1a2b -> 3c4d, add sessions",
      'sqlalchemy.exc.ProgrammingError: relation "sessions" already exists',
    ]);
    expect(report.error?.message).toMatch(/Log tail: .*relation "sessions" already exists/);
    expect(report.apiCalls.byName.GetLogEvents?.count).toBe(1);
    expect(report.apiCalls.byName.UpdateService).toBeUndefined();
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(seed.taskDefinitionArn);
  });
});

describe("stopped tasks of a failed rollout: reason, exit codes, log tail in the report and in Slack", () => {
  let site: LoopbackServer;
  beforeAll(async () => {
    await requireMoto();
    site = await startServiceStandIn({ version: () => STAGING_VERSION });
  });
  afterAll(async () => site?.close());

  it("fake: rollout FAILED with one stopped task of the new revision (moto runs no service tasks)", async () => {
    const base = await seedEnvironment();
    const group = `/ecs/auth-service-svc-${Date.now()}`;
    const seed = await seedEnvironment({
      containers: [
        {
          name: "auth-service",
          image: `${base.repositoryUri}@${base.imageDigest}`,
          essential: true,
          memory: 512,
          secrets: ["DATABASE_URL", "REDIS_URL", "JWT_SECRET_KEY"].map((s) => ({
            name: s,
            valueFrom: `arn:aws:ssm:us-east-1:123456789012:parameter/${s}`,
          })),
          logConfiguration: {
            logDriver: "awslogs",
            options: { "awslogs-group": group, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs" },
          },
        },
      ],
    });
    const aws = await motoClients();
    const slack = await startServer(() => ({ status: 200 }));
    const writer = await motoClients();
    await writer.logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    let stoppedArn = "";
    // When the deploy's UpdateService lands, a real task of the new revision starts and crashes in moto.
    onResponse<UpdateServiceCommandOutput>(aws.ecs, "UpdateService", async (out) => {
      if (stoppedArn) return;
      const service = out.service;
      const run = await writer.ecs.send(
        new RunTaskCommand({
          cluster: seed.environment.cluster,
          taskDefinition: service?.taskDefinition,
          launchType: "FARGATE",
          startedBy: service?.deployments?.[0]?.id,
          ...(service?.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
        }),
      );
      stoppedArn = run.tasks?.[0]?.taskArn ?? "";
      const stream = `ecs/auth-service/${stoppedArn.split("/").pop()}`;
      await writer.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
      await writer.logs.send(
        new PutLogEventsCommand({
          logGroupName: group,
          logStreamName: stream,
          logEvents: [{ timestamp: Date.now(), message: "KeyError: 'JWT_SECRET_KEY'" }],
        }),
      );
      await writer.ecs.send(
        new StopTaskCommand({
          cluster: seed.environment.cluster,
          task: stoppedArn,
          reason: "Essential container in task exited",
        }),
      );
    });
    // FAKE: moto does not link RunTask tasks to the service, nor report a crash's exit code.
    onResponse<ListTasksCommandOutput>(aws.ecs, "ListTasks", (out, input) => {
      if (input.serviceName && stoppedArn) out.taskArns = [stoppedArn];
    });
    onResponse<DescribeTasksCommandOutput>(aws.ecs, "DescribeTasks", (out) => {
      for (const task of out.tasks ?? [])
        if (task.taskArn === stoppedArn) for (const c of task.containers ?? []) c.exitCode = 1;
    });
    fakeRolloutFailed(aws);
    try {
      const report = await deploy(
        stagingOptions(seed, aws, site.url, {
          publish: publishIntoMoto(seed, { digests: [], logins: 0 }),
          slackWebhookUrl: `${slack.url}/services/T/B/X`,
        }),
      );
      expect(report.outcome).toBe("rolled-back");
      expect(report.stoppedTasks).toEqual([
        {
          taskArn: stoppedArn,
          taskDefinitionArn: report.taskDefinition.new,
          stoppedReason: "Essential container in task exited",
          containers: [{ name: "auth-service", exitCode: 1 }],
          logTail: ["KeyError: 'JWT_SECRET_KEY'"],
        },
      ]);
      const text = JSON.parse(slack.requests[0]?.body ?? "{}").text as string;
      expect(text.split("\n")[1]).toBe(
        `• ${stoppedArn.split("/").pop()}: Essential container in task exited; exit auth-service=1; log: KeyError: 'JWT_SECRET_KEY'`,
      );
    } finally {
      await slack.close();
    }
  });
});
