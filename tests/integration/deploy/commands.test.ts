/** plan, rollback, migrate, and the AWS access paths (web identity, ECR login) against moto. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunTaskCommandInput } from "@aws-sdk/client-ecs";
import { deploy } from "../../../src/core/deploy/deploy.js";
import { migrate } from "../../../src/core/deploy/migrate-command.js";
import { rollback } from "../../../src/core/deploy/rollback-command.js";
import { plan, UNKNOWN_DIGEST } from "../../../src/core/deploy/plan.js";
import { createAwsClients } from "../../../src/core/aws/clients.js";
import { ecrLogin } from "../../../src/core/aws/ecr-login.js";
import { PreflightError, SettingsError } from "../../../src/core/errors.js";
import {
  MOTO_ENDPOINT,
  MOTO_REGION,
  motoClients,
  requireMoto,
  seedEnvironment,
  serviceNow,
} from "../../support/moto.js";
import { startServer, startServiceStandIn, type LoopbackServer } from "./servers.js";
import { FAST, publishIntoMoto, stagingOptions, STAGING_VERSION } from "./helpers.js";
import { onRequest } from "./faults.js";

let site: LoopbackServer;
beforeAll(async () => {
  await requireMoto();
  site = await startServiceStandIn({ version: () => STAGING_VERSION });
});
afterAll(async () => site?.close());

describe("plan (dry run)", () => {
  it("shows the image, environment and migration a staging deploy would apply, with zero mutating calls", async () => {
    const seed = await seedEnvironment();
    const aws = await motoClients();
    const published = { digests: [] as string[], logins: 0 };
    const result = await plan(stagingOptions(seed, aws, site.url, { publish: publishIntoMoto(seed, published) }));
    expect(published.logins).toBe(0);
    expect(aws.calls.mutatingCalls()).toEqual([]);
    expect(result.apiCalls.mutating).toBe(0);
    expect(result.image).toMatchObject({ action: "publish", tags: [STAGING_VERSION] });
    expect(result.taskDefinition.action).toBe("register");
    expect(result.taskDefinition.current).toBe(seed.taskDefinitionArn);
    expect(result.taskDefinition.renderedSha256).toBeUndefined(); // it would hash the placeholder, not the image
    expect(result.taskDefinition.changes).toEqual([
      { field: "containerDefinitions[auth-service].environment[APP_VERSION]", from: undefined, to: STAGING_VERSION },
      { field: "containerDefinitions[auth-service].environment[LOG_LEVEL]", from: undefined, to: "DEBUG" },
      {
        field: "containerDefinitions[auth-service].image",
        from: expect.stringContaining("@sha256:"),
        to: `${seed.repositoryUri}@${UNKNOWN_DIGEST}`,
      },
    ]);
    expect(result.migration).toEqual({ command: "alembic upgrade head", willRun: true });
    expect(result.rollout.deploymentConfiguration).toEqual({
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      deploymentCircuitBreaker: { enable: true, rollback: true },
    });
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(seed.taskDefinitionArn);
  });

  it("after a deploy, plans nothing to do for the same commit", async () => {
    const seed = await seedEnvironment();
    const options = stagingOptions(seed, await motoClients(), site.url, {
      publish: publishIntoMoto(seed, { digests: [], logins: 0 }),
    });
    expect((await deploy(options)).outcome).toBe("succeeded");
    const result = await plan({ ...options, aws: await motoClients() });
    expect(result.image.action).toBe("reuse");
    expect(result.taskDefinition.action).toBe("none");
    expect(result.taskDefinition.changes).toEqual([]);
    // Migration policy: upgrade head runs on every deploy (idempotent), so plan says it will, as deploy does.
    expect(result.migration).toEqual({ willRun: true, command: "alembic upgrade head" });
    expect(result.rollout.willUpdateService).toBe(false);
  });
});

describe("rollback", () => {
  it("'previous' returns to the revision that served before the last deploy, verified and smoke-checked", async () => {
    const seed = await seedEnvironment();
    const options = stagingOptions(seed, await motoClients(), site.url, {
      publish: publishIntoMoto(seed, { digests: [], logins: 0 }),
    });
    const deployed = await deploy(options);
    expect(deployed.outcome).toBe("succeeded");
    const aws = await motoClients();
    const report = await rollback({
      environment: seed.environment,
      aws,
      ...FAST,
      smoke: { ...FAST.smoke, baseUrl: site.url },
    });
    expect(report.outcome).toBe("succeeded");
    expect(report.taskDefinition).toMatchObject({ previous: deployed.taskDefinition.new, new: seed.taskDefinitionArn });
    expect(report.rollback).toMatchObject({ taken: true, by: "pipeline", succeeded: true });
    expect(report.apiCalls.byName.UpdateService?.count).toBe(1);
    expect(report.smoke.map((s) => s.name)).toEqual(["health", "ready"]); // the old revision has no APP_VERSION to check
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(seed.taskDefinitionArn);
  });

  it("to a named revision number", async () => {
    const seed = await seedEnvironment();
    const options = stagingOptions(seed, await motoClients(), site.url, {
      publish: publishIntoMoto(seed, { digests: [], logins: 0 }),
    });
    await deploy(options);
    const report = await rollback({
      environment: seed.environment,
      aws: await motoClients(),
      to: "1",
      ...FAST,
      smoke: false,
    });
    expect(report.outcome).toBe("succeeded");
    expect((await serviceNow(seed.environment))?.taskDefinition).toBe(seed.taskDefinitionArn);
  });

  it.each([
    ["previous", PreflightError, /was not deployed by this pipeline .*name the revision/],
    ["99", PreflightError, /rollback target auth-service-\w+:99 cannot be read/],
    ["../etc", SettingsError, /is not "previous", a revision number/],
  ])("refuses target %j with one line and zero mutating calls", async (to, kind, pattern) => {
    const seed = await seedEnvironment();
    const aws = await motoClients();
    const attempt = rollback({ environment: seed.environment, aws, to, ...FAST, smoke: false });
    await expect(attempt).rejects.toBeInstanceOf(kind);
    await expect(attempt).rejects.toThrow(pattern);
    expect(aws.calls.mutatingCalls()).toEqual([]);
  });
});

describe("migrate (database rollback)", () => {
  it("runs 'alembic downgrade -1' as a one-off task with the serving revision", async () => {
    const seed = await seedEnvironment();
    const aws = await motoClients();
    const sent: RunTaskCommandInput[] = [];
    onRequest(aws.ecs, "RunTask", (input) => void sent.push(input as unknown as RunTaskCommandInput));
    const report = await migrate({ environment: seed.environment, aws, command: "downgrade -1", ...FAST });
    expect(report.outcome).toBe("succeeded");
    expect(report.migration).toMatchObject({ command: "alembic downgrade -1", exitCode: 0 });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.taskDefinition).toBe(seed.taskDefinitionArn);
    expect(sent[0]?.overrides?.containerOverrides).toEqual([
      { name: "auth-service", command: ["alembic", "downgrade", "-1"] },
    ]);
    expect(sent[0]?.networkConfiguration?.awsvpcConfiguration?.subnets).toHaveLength(1);
    expect(report.apiCalls.byName.UpdateService).toBeUndefined();
  });

  it("refuses an arbitrary command before any call", async () => {
    const seed = await seedEnvironment();
    const aws = await motoClients();
    await expect(migrate({ environment: seed.environment, aws, command: "stamp head" })).rejects.toThrow(
      /^migration "stamp head" is not "upgrade head"/,
    );
    expect(aws.calls.calls).toEqual([]);
  });
});

describe("AWS access", () => {
  it("GitHub OIDC web identity: STS AssumeRoleWithWebIdentity, then every client uses the temporary keys", async () => {
    const clients = await createAwsClients({
      region: MOTO_REGION,
      endpoint: MOTO_ENDPOINT,
      credentials: {
        kind: "web-identity",
        roleArn: "arn:aws:iam::123456789012:role/faultmaven-deploy",
        webIdentityToken: "header.payload.signature",
      },
    });
    expect(clients.calls.calls.map((c) => c.name)).toEqual(["AssumeRoleWithWebIdentity"]);
    const seed = await seedEnvironment();
    const result = await plan({
      environment: seed.environment,
      aws: clients,
      gitSha: "abcdef1",
      promoteDigest: seed.imageDigest,
      smoke: { baseUrl: site.url },
    });
    expect(result.image.action).toBe("promote");
    expect(clients.calls.summary().byName.GetCallerIdentity?.count).toBe(1);
    expect(clients.calls.mutatingCalls()).toEqual([]);
  });

  it("ECR login decodes GetAuthorizationToken into registry, user and password", async () => {
    const clients = await motoClients();
    const login = await ecrLogin(clients);
    expect(login.registry).toBe("123456789012.dkr.ecr.us-east-1.amazonaws.com");
    expect(login.username).toBe("AWS");
    expect(login.password.length).toBeGreaterThan(0);
    expect(clients.calls.summary().byName).toEqual({ GetAuthorizationToken: { count: 1, mutating: false } });
  });

  it("STS refusing the web identity: one-line PreflightError without the token", async () => {
    const sts = await startServer(() => ({ status: 403, body: { message: "denied" } }));
    try {
      const attempt = createAwsClients({
        region: MOTO_REGION,
        endpoint: sts.url,
        maxAttempts: 1,
        credentials: {
          kind: "web-identity",
          roleArn: "arn:aws:iam::123456789012:role/faultmaven-deploy",
          webIdentityToken: "eyJTOKENVALUE",
        },
      });
      await expect(attempt).rejects.toBeInstanceOf(PreflightError);
      await expect(attempt).rejects.toThrow(
        /^STS refused the web identity for arn:aws:iam::123456789012:role\/faultmaven-deploy \(.*\): check the role's trust policy/,
      );
      const message = await attempt.catch((e: Error) => e.message);
      expect(message).not.toContain("eyJTOKENVALUE");
      expect(message).not.toContain("\n");
      expect(sts.requests).toHaveLength(1);
      expect(sts.requests[0]?.body).toContain("AssumeRoleWithWebIdentity");
    } finally {
      await sts.close();
    }
  });
});
