import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DescribeTaskDefinitionCommand, ListTagsForResourceCommand } from "@aws-sdk/client-ecs";
import { DescribeImagesCommand } from "@aws-sdk/client-ecr";
import { deploy } from "../../../src/core/deploy/deploy.js";
import { tagImage } from "../../../src/core/deploy/image.js";
import { verifiedTag } from "../../../src/core/deploy/promotion.js";
import { motoClients, requireMoto, seedEnvironment, serviceNow } from "../../support/moto.js";
import { startServiceStandIn, type LoopbackServer } from "./servers.js";
import { publishIntoMoto, stagingOptions, STAGING_VERSION, FAST } from "./helpers.js";

let site: LoopbackServer;
let servedVersion = STAGING_VERSION;

beforeAll(async () => {
  await requireMoto();
  site = await startServiceStandIn({ version: () => servedVersion });
});
afterAll(async () => site?.close());

describe("deploy against moto: clean runs", () => {
  it("staging: publishes by digest, registers a revision, migrates, rolls out, verifies, smokes", async () => {
    const seed = await seedEnvironment();
    const aws = await motoClients();
    const pushed = { digests: [] as string[], logins: 0 };
    const lines: string[] = [];
    const report = await deploy(
      stagingOptions(seed, aws, site.url, { publish: publishIntoMoto(seed, pushed), log: (l) => lines.push(l) }),
    );

    expect(report.outcome).toBe("succeeded");
    expect(report.error).toBeUndefined();
    expect(pushed.logins).toBe(1);
    expect(report.image?.digest).toBe(pushed.digests[0]);
    expect(report.image?.reference).toBe(`${seed.repositoryUri}@${pushed.digests[0]}`);
    expect(report.image?.tags).toEqual([STAGING_VERSION]);
    expect(report.taskDefinition.previous).toBe(seed.taskDefinitionArn);
    expect(report.taskDefinition.new).toMatch(/:2$/);
    expect(report.migration?.exitCode).toBe(0);
    expect(report.migration?.command).toBe("alembic upgrade head");
    expect(report.smoke.map((s) => [s.name, s.passed])).toEqual([
      ["health", true],
      ["ready", true],
      ["version", true],
    ]);
    expect(report.rollback.taken).toBe(false);
    expect(report.apiCalls.byName.UpdateService?.count).toBe(1);
    expect(report.apiCalls.byName.RunTask?.count).toBe(1);
    expect(report.apiCalls.byName.RegisterTaskDefinition?.count).toBe(1);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);

    // End state in moto: the service runs the new revision, whose container references the image by digest.
    const svc = await serviceNow(seed.environment);
    expect(svc?.taskDefinition).toBe(report.taskDefinition.new);
    const td = await aws.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: report.taskDefinition.new as string }),
    );
    const container = td.taskDefinition?.containerDefinitions?.[0];
    expect(container?.image).toBe(report.image?.reference);
    expect(container?.environment).toEqual(
      expect.arrayContaining([
        { name: "ENVIRONMENT", value: "staging" },
        { name: "LOG_LEVEL", value: "DEBUG" },
        { name: "APP_VERSION", value: STAGING_VERSION },
      ]),
    );
    expect(container?.secrets?.map((s) => s.name)).toEqual(["DATABASE_URL", "REDIS_URL", "JWT_SECRET_KEY"]);
    const tags = await aws.ecs.send(
      new ListTagsForResourceCommand({ resourceArn: report.taskDefinition.new as string }),
    );
    expect(tags.tags).toEqual([
      { key: "faultmaven:previous-task-definition", value: seed.taskDefinitionArn },
      { key: "faultmaven:app-version", value: STAGING_VERSION },
      { key: "faultmaven:rendered-sha256", value: report.taskDefinition.renderedSha256 },
    ]);
    // The service records its last deploy (the manual rollback's "previous"), and the lock was taken and released.
    expect(svc?.serviceArn).toBeDefined();
    const serviceTags = await aws.ecs.send(new ListTagsForResourceCommand({ resourceArn: svc?.serviceArn as string }));
    expect(serviceTags.tags).toEqual(
      expect.arrayContaining([
        { key: "faultmaven:last-deploy", value: report.taskDefinition.new },
        { key: "faultmaven:last-deploy-previous", value: seed.taskDefinitionArn },
      ]),
    );
    expect(report.lock).toMatchObject({ table: "faultmaven-deploy-locks", acquired: true, released: true });
    expect(lines.some((l) => l.includes("rollback target recorded"))).toBe(true);
  });

  it("production: promotes a staging digest without rebuilding and tags it vX.Y.Z and latest", async () => {
    const seed = await seedEnvironment({ name: "production" });
    const aws = await motoClients();
    const sha = "4444444444444444444444444444444444444444";
    // What a successful staging deploy of that commit leaves (tests/integration/deploy/promotion.test.ts).
    await tagImage(
      await motoClients(),
      { repositoryName: seed.environment.ecrRepository },
      seed.imageDigest,
      [verifiedTag(sha)],
      {},
    );
    servedVersion = "1.4.0";
    try {
      const report = await deploy({
        environment: seed.environment,
        aws,
        version: "v1.4.0",
        gitSha: sha,
        gitRef: "refs/tags/v1.4.0",
        ...FAST,
        smoke: { ...FAST.smoke, baseUrl: site.url },
      });
      expect(report.outcome).toBe("succeeded");
      expect(report.image?.source).toBe("promoted");
      expect(report.image?.digest).toBe(seed.imageDigest);
      const images = await aws.ecr.send(
        new DescribeImagesCommand({
          repositoryName: seed.environment.ecrRepository,
          imageIds: [{ imageDigest: seed.imageDigest }],
        }),
      );
      expect(images.imageDetails?.[0]?.imageTags).toEqual(expect.arrayContaining(["v1.4.0", "latest"]));
      expect(report.version).toBe("v1.4.0");
    } finally {
      servedVersion = STAGING_VERSION;
    }
  });

  it("a publish whose digest is not in the ECR repository (pushed elsewhere) fails before registering anything", async () => {
    const seed = await seedEnvironment();
    const aws = await motoClients();
    const digest = `sha256:${"d".repeat(64)}`;
    let target: { repositoryUri: string; tags: readonly string[] } | undefined;
    const report = await deploy(
      stagingOptions(seed, aws, site.url, {
        publish: async (t) => {
          target = t;
          return `127.0.0.1:5000/${seed.environment.ecrRepository}:${t.tags[0]}@${digest}`;
        },
      }),
    );
    // The publish callback was asked for the ECR repository, and what it returned was checked against ECR.
    expect(target?.repositoryUri).toBe(seed.repositoryUri);
    expect(report.outcome).toBe("failed");
    expect(report.error?.message).toMatch(
      new RegExp(`^pushed image ${digest} is not visible in ECR repository ${seed.environment.ecrRepository} `),
    );
    expect(report.image).toBeUndefined();
    expect(report.apiCalls.byName.RegisterTaskDefinition).toBeUndefined();
    expect(report.apiCalls.byName.UpdateService).toBeUndefined();
  });

  it("a publish that returns no digest fails before registering anything", async () => {
    const seed = await seedEnvironment();
    const aws = await motoClients();
    const report = await deploy(
      stagingOptions(seed, aws, site.url, { publish: async (t) => `${t.repositoryUri}:${t.tags[0]}` }),
    );
    expect(report.outcome).toBe("failed");
    expect(report.error?.message).toMatch(/has no @sha256: digest: the pipeline deploys by digest only/);
    expect(report.apiCalls.byName.RegisterTaskDefinition).toBeUndefined();
    expect(report.apiCalls.byName.UpdateService).toBeUndefined();
  });
});
