/**
 * `dagger call publish` and `dagger call deploy --env=staging` in module mode, end to end: the module's code runs
 * in the TypeScript runtime's container, so everything it must reach is on the engine's bridge (the rig's own
 * network), never on loopback: a private moto (ECS, ECR, STS) seeded with the staging environment, and the smoke
 * target, a container of the very image deploy publishes (same git sha, same build, same digest). The local
 * registry stands in for ECR (`--registry`); the engine, not the module's container, pushes to it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { BUNDLED_SERVICE, brokenCopy } from "../support/service-copy.js";
import {
  engineBridgeAddress,
  LOCAL_REGISTRY,
  pulledRepoDigest,
  randomSha,
  runServiceImage,
  seedStaging,
  stagingServiceNow,
  startLoopbackDatabases,
  startPrivateMoto,
  type LoopbackDatabases,
  type PrivateMoto,
  type RunningService,
  type SeededStaging,
} from "../support/rig-cd.js";
import { type EngineSession, openSession, rigImages } from "../e2e/support/session.js";
import {
  callError,
  callFunction,
  hostDirectory,
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
let moto: PrivateMoto;
let databases: LoopbackDatabases;
let seeded: SeededStaging;
let bridge: string;
const running: RunningService[] = [];

beforeAll(async () => {
  session = await openSession("module-cd");
  await serveModule();
  bridge = engineBridgeAddress();
  moto = await startPrivateMoto(bridge);
  databases = await startLoopbackDatabases();
  seeded = await seedStaging(moto);
});
afterAll(async () => {
  for (const service of running) await service.stop();
  await moto?.stop();
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
    awsEndpointUrl: str(moto.endpoint),
    registry: str(LOCAL_REGISTRY),
  };
}

/** `dagger call publish` for `gitSha`, then the published image running where the module can smoke-check it. */
async function publishAndRun(dir: string, gitSha: string): Promise<{ reference: string; service: RunningService }> {
  const args = { env: str("staging"), gitSha: str(gitSha), ...(await awsArgs(`publish-${gitSha}`)) };
  const reference = await callFunction<string>("publish", args, "", await constructorFor(dir));
  const service = await runServiceImage(reference, databases, bridge);
  running.push(service);
  return { reference, service };
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
  it("publish returns a digest that `docker pull` resolves to the same image", async () => {
    const gitSha = randomSha();
    const { reference } = await publishAndRun(BUNDLED_SERVICE, gitSha);
    expect(reference).toMatch(new RegExp(`^${LOCAL_REGISTRY}/.+@sha256:[0-9a-f]{64}$`));
    expect(await pulledRepoDigest(reference)).toBe(reference);
  });

  it("deploy publishes by digest, migrates, rolls out and smoke-checks from the module's container: succeeded", async () => {
    const gitSha = randomSha();
    const { reference, service } = await publishAndRun(BUNDLED_SERVICE, gitSha);
    const report = JSON.parse(
      await callFunction<string>("deploy", await deployArgs(gitSha, service.url), "", rigConstructorArgs()),
    ) as DeployReport;
    expect(report.outcome).toBe("succeeded");
    expect(report.image?.reference).toBe(reference);
    expect(report.taskDefinition.previous).toBe(seeded.taskDefinitionArn);
    expect(report.smoke.map((s) => [s.name, s.passed])).toEqual([
      ["health", true],
      ["ready", true],
      ["version", true],
    ]);
    const now = await stagingServiceNow(moto);
    expect(now.service?.taskDefinition).toBe(report.taskDefinition.new);
    expect(now.definition?.containerDefinitions?.[0]?.image).toBe(reference);
  });

  it("a broken image (/ready always 503) is rolled back to the revision that served before", async () => {
    const dir = brokenCopy({
      "enterprise/readiness.py": (old) => {
        const next = old.replace("return not self.failed", "return False");
        if (next === old) throw new Error("readiness.py changed: the broken copy no longer breaks /ready");
        return next;
      },
    });
    const gitSha = randomSha();
    const { service } = await publishAndRun(dir, gitSha);
    expect((await fetch(`${service.url}/ready`)).status).toBe(503);
    const servingBefore = (await stagingServiceNow(moto)).service?.taskDefinition as string;

    const args = await deployArgs(gitSha, service.url);
    const constructor = await constructorFor(dir);
    const error = await callError(() => callFunction<string>("deploy", args, "", constructor));
    expect(error.message).toMatch(/rolled.back/i);
    const report = JSON.parse(error.message.slice(error.message.indexOf("{"))) as DeployReport;
    expect(report.outcome).toBe("rolled-back");
    expect(report.error?.kind).toBe("SmokeCheckError");
    expect(report.rollback).toMatchObject({ taken: true, toTaskDefinition: servingBefore, succeeded: true });
    expect((await stagingServiceNow(moto)).service?.taskDefinition).toBe(servingBefore);
  });
});
