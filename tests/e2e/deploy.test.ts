/**
 * `deploy` end to end on the engine rig, against a private moto (ECS, ECR, STS) seeded with the staging
 * environment of dagger/environments.json. The push goes the way it goes to real ECR: GetAuthorizationToken from
 * moto, then the engine pushes to the account's ECR host, which the rig maps to the ECR registry stand-in
 * (tests/support/ecr-registry.ts) on loopback: moto has ECR's API but no registry, so the stand-in stores the image
 * in the local registry and registers its manifest in moto's ECR under the same digest.
 *
 * The smoke target is the image deploy will push: the test builds it first (the module's `build`, same git sha, same
 * digest) into a repository of its own in the local registry and `docker run`s it on loopback (with the loopback
 * Postgres/Redis). ECR does not hold it yet, so deploy itself builds, scans and pushes it, as for a new commit, and
 * smoke-checks that container.
 *
 * moto runs no containers, so the ECS side (rollout, PRIMARY deployment, migration task) is moto's; the image,
 * its push and the smoke checks are real. A broken copy of the service whose /ready always answers 503 is
 * deployed the same way and must be rolled back to the revision that served before.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  awsKeySecrets,
  callDeploy,
  cdPipelineFor,
  docker,
  ecrDigestOfTag,
  failureOf,
  LOCAL_REGISTRY,
  randomSha,
  reportInError,
  rigTrivyDb,
  runServiceImage,
  startLoopbackDatabases,
  type LoopbackDatabases,
  stagingServiceNow,
  startStagingAws,
  type StagingAws,
  type RunningService,
  STAGING,
} from "./support/cd.js";
import { BUNDLED_SERVICE } from "./support/pipeline.js";
import { localCopyOf } from "../support/ecr-registry.js";
import { notReadyCopy } from "../support/service-copy.js";
import { type EngineSession, openSession } from "./support/session.js";
import type { DeployReport } from "../../src/core/deploy/report.js";

let session: EngineSession;
let staging: StagingAws;
let databases: LoopbackDatabases;
const running: RunningService[] = [];

beforeAll(async () => {
  session = await openSession("deploy");
  staging = await startStagingAws();
  databases = await startLoopbackDatabases();
});
afterAll(async () => {
  for (const service of running) await service.stop();
  await staging?.stop();
  await databases?.stop();
  await session?.close();
});

/**
 * Builds the image deploy will push for `gitSha` (the same build: same digest), pushes it to a repository of the
 * test's own in the local registry, never to ECR, runs it on loopback, and returns its digest and the container.
 */
async function buildAndRun(dir: string, gitSha: string): Promise<{ digest: string; service: RunningService }> {
  const image = await cdPipelineFor(dir).build(`staging-${gitSha}`);
  const reference = await image.publish(`${LOCAL_REGISTRY}/e2e-smoke-target:${gitSha}`);
  const digest = /@(sha256:[0-9a-f]{64})$/.exec(reference)?.[1] as string;
  expect(digest, reference).toBeDefined();
  const service = await runServiceImage(reference, databases);
  running.push(service);
  return { digest, service };
}

function deployArgs(gitSha: string, smokeUrl: string) {
  return {
    env: "staging",
    gitSha,
    gitRef: "refs/heads/main",
    ...awsKeySecrets(`deploy-${gitSha}`, { id: "testing", secret: "testing" }),
    awsEndpointUrl: staging.moto.endpoint,
    smokeUrl,
    rolloutTimeoutSeconds: 120,
    migrationTimeoutSeconds: 120,
  };
}

// Without the rig's vulnerability-DB stand-in the image scan fails ("the scanner failed") and deploy stops before
// any push: publish.test.ts proves that path. These tests need a scan verdict, so they need the stand-in.
describe.skipIf(!rigTrivyDb())("deploy to staging (moto, the rig's ECR stand-in)", () => {
  it("deploys the image it publishes by digest, migrates, rolls out, smoke-checks it and marks it verified: succeeded", async () => {
    const gitSha = randomSha();
    const { digest, service } = await buildAndRun(BUNDLED_SERVICE, gitSha);
    const reference = `${staging.seeded.repositoryUri}@${digest}`;
    // ECR does not hold the image yet: deploy has to push it itself.
    expect(await ecrDigestOfTag(staging.moto, `staging-${gitSha}`)).toBeUndefined();
    // The smoke target really is ready (its Postgres and Redis answer) before deploy judges it.
    expect((await fetch(`${service.url}/ready`)).status).toBe(200);

    const started = Date.now();
    const report = JSON.parse(
      await callDeploy(cdPipelineFor(BUNDLED_SERVICE), deployArgs(gitSha, service.url)),
    ) as DeployReport;
    console.log(
      `deploy took ${((Date.now() - started) / 1000).toFixed(1)} s; timings ${JSON.stringify(report.timings)}`,
    );

    expect(report.outcome).toBe("succeeded");
    expect(report.error).toBeUndefined();
    // The same sha gives the same build: deploy pushed exactly the image that is serving the smoke checks.
    expect(report.image?.reference).toBe(reference);
    expect(report.image?.source).toBe("published");
    expect(report.image?.tags).toEqual([`staging-${gitSha}`]);
    expect(report.taskDefinition.previous).toBe(staging.seeded.taskDefinitionArn);
    expect(report.migration?.command).toBe("alembic upgrade head");
    expect(report.smoke.map((s) => [s.name, s.passed])).toEqual([
      ["health", true],
      ["ready", true],
      ["version", true],
    ]);
    expect(report.rollback.taken).toBe(false);
    expect(report.warnings).toEqual([]);

    // In ECR: the push went through ECR's login to the environment's repository, under the staging tag, and the
    // verified mark (what production will promote) names that same digest.
    expect(staging.ecrRegistry.pushed).toContain(`${STAGING.ecrRepository}@${digest}`);
    expect(await ecrDigestOfTag(staging.moto, `staging-${gitSha}`)).toBe(digest);
    expect(await ecrDigestOfTag(staging.moto, `verified-staging-${gitSha}`)).toBe(digest);
    // The registry behind ECR serves it in the environment's repository (docker also knows it as the smoke target).
    const local = localCopyOf(reference);
    await docker(["pull", "--quiet", local]);
    expect(JSON.parse(await docker(["inspect", "--format", "{{json .RepoDigests}}", local]))).toContain(local);

    // End state in moto: the service runs the new revision, whose container names the image by digest. (moto
    // keeps the PRIMARY deployment's own taskDefinition field at the first revision, so the service's is the truth.)
    const now = await stagingServiceNow(staging.moto);
    expect(now.service?.taskDefinition).toBe(report.taskDefinition.new);
    expect(now.service?.deployments?.filter((d) => d.status === "PRIMARY").map((d) => d.rolloutState)).toEqual([
      "COMPLETED",
    ]);
    const container = now.definition?.containerDefinitions?.[0];
    expect(container?.image).toBe(reference);
    expect(container?.image).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(container?.environment).toEqual(
      expect.arrayContaining([{ name: "APP_VERSION", value: `staging-${gitSha}` }]),
    );
  });

  it("a broken image (/ready always 503) fails its smoke check and is rolled back: rolled-back", async () => {
    const dir = notReadyCopy();
    const gitSha = randomSha();
    const { digest, service } = await buildAndRun(dir, gitSha);
    const reference = `${staging.seeded.repositoryUri}@${digest}`;
    // The broken image really is broken, before deploy judges it.
    expect((await fetch(`${service.url}/ready`)).status).toBe(503);
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    const before = await stagingServiceNow(staging.moto);
    const servingBefore = before.service?.taskDefinition as string;
    expect(servingBefore).toMatch(/:task-definition\/auth-service:\d+$/);

    const error = await failureOf(() => callDeploy(cdPipelineFor(dir), deployArgs(gitSha, service.url)));
    expect(error.name).toBe("DeploymentFailedError");
    expect(error.message.split("\n")[0]).toMatch(/rolled.back/i);
    const report = reportInError(error);

    expect(report.outcome).toBe("rolled-back");
    expect(report.error?.kind).toBe("SmokeCheckError");
    expect(report.image?.reference).toBe(reference);
    expect(report.taskDefinition.previous).toBe(servingBefore);
    expect(report.taskDefinition.new).not.toBe(servingBefore);
    expect(report.smoke.find((s) => s.name === "ready")?.passed).toBe(false);
    expect(report.smoke.find((s) => s.name === "health")?.passed).toBe(true);
    expect(report.rollback).toMatchObject({ taken: true, toTaskDefinition: servingBefore, succeeded: true });
    // Pushed to ECR, but never marked verified: production will refuse this commit.
    expect(await ecrDigestOfTag(staging.moto, `staging-${gitSha}`)).toBe(digest);
    expect(await ecrDigestOfTag(staging.moto, `verified-staging-${gitSha}`)).toBeUndefined();

    // End state in moto: the service is back on the revision that served before, its deployment PRIMARY and done.
    const after = await stagingServiceNow(staging.moto);
    expect(after.service?.taskDefinition).toBe(servingBefore);
    expect(after.service?.deployments?.filter((d) => d.status === "PRIMARY").map((d) => d.rolloutState)).toEqual([
      "COMPLETED",
    ]);
  });
});
