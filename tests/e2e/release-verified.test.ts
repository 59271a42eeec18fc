/**
 * What `release` pushes to Docker Hub when it has AWS access, on the engine: the digest staging verified for the
 * released commit, copied unchanged. Staging publishes the bundled image through the rig's ECR stand-in and the
 * digest is marked `verified-staging-<sha>` in moto (what a passing staging deploy writes); `verifiedImage` finds it
 * by the commit in production's repository (the module's default descriptors: staging's registry, shared through
 * ecrRegistryId) and the engine pulls exactly that image with ECR's login.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dag } from "@dagger.io/dagger";

import { createAwsClients, destroyAwsClients } from "../../src/core/aws/clients.js";
import { tagImage } from "../../src/core/deploy/image.js";
import { verifiedTag } from "../../src/core/deploy/promotion.js";
import { verifiedImage } from "../../src/stages/verified-image.js";
import {
  awsKeySecrets,
  callPublish,
  cdPipelineFor,
  failureOf,
  randomSha,
  rigTrivyDb,
  seedStaging,
  STAGING,
  startPrivateMoto,
  type PrivateMoto,
} from "./support/cd.js";
import { BUNDLED_SERVICE } from "./support/pipeline.js";
import { type EngineSession, openSession } from "./support/session.js";
import { startEcrRegistry, type EcrRegistryStandIn } from "../support/ecr-registry.js";

let session: EngineSession;
let moto: PrivateMoto;
let ecrRegistry: EcrRegistryStandIn;
beforeAll(async () => {
  session = await openSession("release-verified");
  moto = await startPrivateMoto();
  await seedStaging(moto);
  ecrRegistry = await startEcrRegistry(moto.endpoint, STAGING.region);
});
afterAll(async () => {
  await ecrRegistry?.close();
  await moto?.stop();
  await session?.close();
});

/** Tags `digest` verified-staging-<sha> in moto's ECR with the re-tag a staging deploy whose smoke checks passed uses. */
async function markVerified(gitSha: string, digest: string): Promise<void> {
  const clients = await createAwsClients({
    region: STAGING.region,
    credentials: { kind: "static", accessKeyId: "testing", secretAccessKey: "testing" },
    endpoint: moto.endpoint,
  });
  try {
    await tagImage(clients, { repositoryName: STAGING.ecrRepository }, digest, [verifiedTag(gitSha)], {});
  } finally {
    destroyAwsClients(clients);
  }
}

/** moto's keys (any are accepted) and endpoint, as Secrets and an argument. */
const aws = (prefix: string) => ({
  ...awsKeySecrets(prefix, { id: "testing", secret: "testing" }),
  awsEndpointUrl: moto.endpoint,
});
/** What release hands `verifiedImage`: AWS access and the service whose descriptors name production's repository. */
const releaseAccess = (prefix: string) => ({ ...aws(prefix), source: dag.host().directory(BUNDLED_SERVICE) });

describe.skipIf(!rigTrivyDb())("release copies the verified digest (engine rig, moto, ECR stand-in)", () => {
  it("finds the digest staging verified for the commit and pulls exactly that image from ECR, with ECR's login", async () => {
    const gitSha = randomSha();
    const published = await callPublish(cdPipelineFor(BUNDLED_SERVICE), {
      env: "staging",
      gitSha,
      ...aws(`publish-${gitSha}`),
    });
    const digest = published.split("@")[1] as string;
    await markVerified(gitSha, digest);

    const verified = await verifiedImage(releaseAccess(`release-${gitSha}`), gitSha);
    expect(verified.digest).toBe(digest);
    // The engine reads it through the ECR host, with the login verifiedImage got: the image staging built.
    expect(await verified.container.envVariable("APP_VERSION")).toBe(`staging-${gitSha}`);
  });

  it("refuses, in one line, a commit staging never verified", async () => {
    const gitSha = randomSha();
    const error = await failureOf(() => verifiedImage(releaseAccess(`unverified-${gitSha}`), gitSha));
    expect(error.message).toBe(
      `no image in ECR repository ${STAGING.ecrRepository} is tagged verified-staging-${gitSha}: release a commit that staging deployed with passing smoke checks`,
    );
  });
});
