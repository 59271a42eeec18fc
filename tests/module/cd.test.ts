/**
 * `dagger call publish` and `dagger call deploy --env=staging` in module mode, end to end: the module's code runs
 * in the TypeScript runtime's container, so everything it must reach is on the engine's bridge (the rig's own
 * network), never on loopback: a private moto (ECS, ECR, STS) seeded with the staging environment, and the smoke
 * target, a container of the very image deploy publishes (same git sha, same build, same digest).
 *
 * The push goes the way it goes to real ECR: GetAuthorizationToken from moto, then the engine pushes to the
 * account's ECR host, which the rig maps to the ECR registry stand-in (tests/support/ecr-registry.ts): moto has
 * ECR's API but no registry, so the stand-in stores the image in the local registry and registers its manifest
 * in moto's ECR under the same digest.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListTaskDefinitionsCommand } from "@aws-sdk/client-ecs";

import {
  BUNDLED_SERVICE,
  SECOND_SERVICE_DESCRIPTORS,
  notReadyCopy,
  secondServiceCopy,
} from "../support/service-copy.js";
import {
  engineBridgeAddress,
  LOCAL_REGISTRY,
  STAGING,
  pulledRepoDigest,
  randomSha,
  runServiceImage,
  seedStaging,
  stagingOf,
  stagingServiceNow,
  startLoopbackDatabases,
  startStagingAws,
  type LoopbackDatabases,
  type SeededStaging,
  type StagingAws,
  type RunningService,
} from "../support/rig-cd.js";
import { type EngineSession, openSession, rigImages } from "../e2e/support/session.js";
import {
  callError,
  callFunction,
  hostDirectory,
  reportInMessage,
  rigConstructorArgs,
  secretArgument,
  serveModule,
  type Variable,
} from "./support/module.js";

/** The parts of the deploy report these tests read. */
interface DeployReport {
  outcome: string;
  error?: { kind: string };
  image?: { reference: string; source: string };
  taskDefinition: { previous: string; new?: string };
  smoke: Array<{ name: string; passed: boolean }>;
  rollback: { taken: boolean; toTaskDefinition?: string; succeeded?: boolean };
}

let session: EngineSession;
let staging: StagingAws;
let databases: LoopbackDatabases;
let bridge: string;
const running: RunningService[] = [];

beforeAll(async () => {
  session = await openSession("module-cd");
  await serveModule();
  bridge = engineBridgeAddress();
  staging = await startStagingAws(bridge);
  databases = await startLoopbackDatabases();
});
afterAll(async () => {
  for (const service of running) await service.stop();
  await staging?.stop();
  await databases?.stop();
  await session?.close();
});

const str = (value: string): Variable => ({ type: "String", value });

async function constructorFor(dir: string): Promise<Record<string, Variable>> {
  return dir === BUNDLED_SERVICE ? rigConstructorArgs() : rigConstructorArgs({ source: await hostDirectory(dir) });
}

async function awsArgs(prefix: string): Promise<Record<string, Variable>> {
  return {
    awsAccessKeyId: await secretArgument(`${prefix}-key-id`, "testing"),
    awsSecretAccessKey: await secretArgument(`${prefix}-secret-key`, "testing"),
    awsEndpointUrl: str(staging.moto.endpoint),
  };
}

/** `dagger call publish` for `gitSha`, then the published image running where the module can smoke-check it. */
async function publishAndRun(
  dir: string,
  gitSha: string,
  appFactory?: string,
): Promise<{ reference: string; service: RunningService }> {
  const args = { env: str("staging"), gitSha: str(gitSha), ...(await awsArgs(`publish-${gitSha}`)) };
  const reference = await callFunction<string>("publish", args, "", await constructorFor(dir));
  const service = await runServiceImage(locally(reference), databases, bridge, appFactory);
  running.push(service);
  return { reference, service };
}

/** The same image by digest in the local registry behind the ECR stand-in, for the host's docker. */
function locally(reference: string): string {
  return `${LOCAL_REGISTRY}/${reference.slice(reference.indexOf("/") + 1)}`;
}

async function deployArgs(gitSha: string, smokeUrl: string): Promise<Record<string, Variable>> {
  return {
    env: str("staging"),
    gitSha: str(gitSha),
    gitRef: str("refs/heads/main"),
    smokeUrl: str(smokeUrl),
    rolloutTimeoutSeconds: { type: "Int", value: 120 },
    migrationTimeoutSeconds: { type: "Int", value: 120 },
    ...(await awsArgs(`deploy-${gitSha}`)),
  };
}

describe.skipIf(!rigImages().trivyDb)("publish and deploy to staging (module mode, moto on the engine bridge)", () => {
  it("publish pushes to the environment's ECR repository and returns a digest `docker pull` resolves", async () => {
    const gitSha = randomSha();
    const { reference } = await publishAndRun(BUNDLED_SERVICE, gitSha);
    expect(reference).toMatch(new RegExp(`^${staging.seeded.repositoryUri}@sha256:[0-9a-f]{64}$`));
    // ECR's API knows the image by that digest, and the registry serves exactly it.
    expect(staging.ecrRegistry.pushed).toContain(`${STAGING.ecrRepository}@${reference.split("@")[1]}`);
    expect(await pulledRepoDigest(locally(reference))).toBe(locally(reference));
  });

  it("deploy publishes by digest, migrates, rolls out and smoke-checks from the module's container: succeeded", async () => {
    const gitSha = randomSha();
    const { reference, service } = await publishAndRun(BUNDLED_SERVICE, gitSha);
    const report = JSON.parse(
      await callFunction<string>("deploy", await deployArgs(gitSha, service.url), "", rigConstructorArgs()),
    ) as DeployReport;
    expect(report.outcome).toBe("succeeded");
    expect(report.image?.reference).toBe(reference);
    expect(report.taskDefinition.previous).toBe(staging.seeded.taskDefinitionArn);
    expect(report.smoke.map((s) => [s.name, s.passed])).toEqual([
      ["health", true],
      ["ready", true],
      ["version", true],
    ]);
    const now = await stagingServiceNow(staging.moto);
    expect(now.service?.taskDefinition).toBe(report.taskDefinition.new);
    expect(now.definition?.containerDefinitions?.[0]?.image).toBe(reference);
  });

  it("a broken image (/ready always 503) is rolled back to the revision that served before", async () => {
    const dir = notReadyCopy();
    const gitSha = randomSha();
    const { service } = await publishAndRun(dir, gitSha);
    expect((await fetch(`${service.url}/ready`)).status).toBe(503);
    const servingBefore = (await stagingServiceNow(staging.moto)).service?.taskDefinition as string;

    const args = await deployArgs(gitSha, service.url);
    const constructor = await constructorFor(dir);
    const error = await callError(() => callFunction<string>("deploy", args, "", constructor));
    expect(error.message).toMatch(/rolled.back/i);
    const report = reportInMessage<DeployReport>(error.message);
    expect(report.outcome).toBe("rolled-back");
    expect(report.error?.kind).toBe("SmokeCheckError");
    expect(report.rollback).toMatchObject({ taken: true, toTaskDefinition: servingBefore, succeeded: true });
    expect((await stagingServiceNow(staging.moto)).service?.taskDefinition).toBe(servingBefore);
  });
});

describe.skipIf(!rigImages().trivyDb)("another service, from its own deploy/ descriptors (module mode)", () => {
  /** The second service's staging environment, as its deploy/environments.json names it. */
  const BILLING = stagingOf(join(SECOND_SERVICE_DESCRIPTORS, "environments.json"));
  let billing: SeededStaging;
  beforeAll(async () => {
    billing = await seedStaging(staging.moto, BILLING);
  });

  /** Every task definition revision moto holds, and the images the ECR stand-in received: a refused call changes neither. */
  async function awsState() {
    const clients = staging.moto.clients();
    try {
      const revisions = (await clients.ecs.send(new ListTaskDefinitionsCommand({}))).taskDefinitionArns ?? [];
      return { revisions, pushed: [...staging.ecrRegistry.pushed] };
    } finally {
      clients.destroy();
    }
  }

  it("deploy --env=staging registers its rendered template on its own cluster, with no change to the module", async () => {
    const dir = secondServiceCopy();
    const gitSha = randomSha();
    const bundledBefore = (await stagingServiceNow(staging.moto)).service?.taskDefinition;
    const { reference, service } = await publishAndRun(dir, gitSha, "billing.main:create_app");
    expect(reference).toMatch(new RegExp(`^${billing.repositoryUri}@sha256:[0-9a-f]{64}$`));

    const report = JSON.parse(
      await callFunction<string>("deploy", await deployArgs(gitSha, service.url), "", await constructorFor(dir)),
    ) as DeployReport & { taskDefinition: { template?: { file: string }; renderedSha256?: string } };
    expect(report.outcome).toBe("succeeded");
    expect(report.taskDefinition.previous).toBe(billing.taskDefinitionArn);
    expect(report.taskDefinition.template?.file).toBe("deploy/task-definition.json");
    expect(report.taskDefinition.renderedSha256).toMatch(/^[0-9a-f]{64}$/);
    const now = await stagingServiceNow(staging.moto, BILLING);
    expect(now.service?.taskDefinition).toBe(report.taskDefinition.new);
    expect(now.definition).toMatchObject({ family: "billing-api", cpu: "1024", memory: "3072" });
    expect(now.definition?.containerDefinitions?.map((c) => [c.name, c.image])).toEqual([
      ["api", reference],
      ["metrics-agent", expect.stringMatching(/^public\.ecr\.aws\/cloudwatch-agent\/cloudwatch-agent@sha256:/)],
    ]);
    // The bundled example's staging service, on the module's default descriptors, was not touched.
    expect((await stagingServiceNow(staging.moto)).service?.taskDefinition).toBe(bundledBefore);
  });

  it("malformed descriptors are refused in one line before any AWS call: nothing registered, nothing pushed", async () => {
    const sameAccount = secondServiceCopy({
      "deploy/environments.json": (old) => old.replace(/"345678901234"/g, '"123456789012"'),
    });
    const before = await awsState();
    const args = await deployArgs(randomSha(), "https://billing-staging.example.com");
    const error = await callError(async () =>
      callFunction<string>("deploy", args, "", await constructorFor(sameAccount)),
    );
    expect(error.message).toMatch(
      /deploy\/environments\.json: staging\.accountId and production\.accountId are both 123456789012: give each environment its own AWS account/,
    );
    expect(await awsState()).toEqual(before);
  });
});
