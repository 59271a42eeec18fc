/**
 * `publish` end to end on the engine rig: the image is scanned, built and pushed through the engine the way it is
 * pushed to real ECR: GetAuthorizationToken from a private moto, then the engine pushes to the account's ECR host,
 * which the rig maps to the ECR registry stand-in (tests/support/ecr-registry.ts) on loopback (the engine runs in the
 * host's network namespace). moto has ECR's API but no registry, so the stand-in stores the image in the local
 * registry and registers its manifest in moto's ECR under the same digest. The reference publish returns is checked
 * against ECR's API and against what the Docker daemon pulls from the local registry.
 *
 * The image scan needs Trivy's vulnerability DB. The real one is unreachable here, so publish uses the rig's DB
 * stand-in (images.json `trivyDb`: a DB with no advisories); the test is skipped when the rig has none.
 *
 * Without a reachable DB, publish must refuse ("the scanner failed") and push nothing: the second test proves it on
 * every run (the scan stage keeps one Trivy cache per DB repository, so the stand-in's DB never answers it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  awsKeySecrets,
  callPublish,
  cdPipelineFor,
  docker,
  ecrDigestOfTag,
  failureOf,
  LOCAL_REGISTRY,
  pulledRepoDigest,
  randomSha,
  rigTrivyDb,
  STAGING,
  startStagingAws,
  type StagingAws,
} from "./support/cd.js";
import { BUNDLED_SERVICE, pipelineFor } from "./support/pipeline.js";
import { type EngineSession, openSession } from "./support/session.js";
import { localCopyOf } from "../support/ecr-registry.js";

let session: EngineSession;
let staging: StagingAws;
beforeAll(async () => {
  session = await openSession("publish");
  staging = await startStagingAws();
});
afterAll(async () => {
  await staging?.stop();
  await session?.close();
});

/** `<ECR repository URI>@sha256:...`, capturing the digest. */
const reference = () => new RegExp(`^${staging.seeded.repositoryUri.replace(/\./g, "\\.")}@(sha256:[0-9a-f]{64})$`);

/** The digest the local registry holds under `repository:tag` (its registry API), or undefined when absent. */
async function registryTagDigest(tag: string): Promise<string | undefined> {
  const response = await fetch(`http://${LOCAL_REGISTRY}/v2/${STAGING.ecrRepository}/manifests/${tag}`, {
    method: "HEAD",
    headers: {
      accept: [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
      ].join(", "),
    },
  });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`registry answered ${response.status} for ${STAGING.ecrRepository}:${tag}`);
  return response.headers.get("docker-content-digest") ?? undefined;
}

describe("publish to the environment's ECR repository (moto's ECR and the rig's ECR stand-in)", () => {
  it.skipIf(!rigTrivyDb())(
    "returns <ECR repository>@sha256:..., the digest ECR holds under staging-<sha> and docker pull resolves",
    async () => {
      const gitSha = randomSha();
      const started = Date.now();
      const keys = awsKeySecrets(`publish-${gitSha}`, { id: "testing", secret: "testing" });
      const published = await callPublish(cdPipelineFor(BUNDLED_SERVICE), {
        env: "staging",
        gitSha,
        ...keys,
        awsEndpointUrl: staging.moto.endpoint,
      });
      console.log(`publish took ${((Date.now() - started) / 1000).toFixed(1)} s: ${published}`);
      const digest = reference().exec(published)?.[1];
      expect(published).toMatch(reference());

      // ECR's API knows the image by that digest, under the staging tag: the push went through ECR's login.
      expect(staging.ecrRegistry.pushed).toContain(`${STAGING.ecrRepository}@${digest}`);
      expect(await ecrDigestOfTag(staging.moto, `staging-${gitSha}`)).toBe(digest);
      // The registry behind ECR serves exactly that manifest, under the same tag.
      const local = localCopyOf(published);
      expect(await pulledRepoDigest(local)).toBe(local);
      expect(await registryTagDigest(`staging-${gitSha}`)).toBe(digest);
      // The image carries the version the deploy's smoke check will expect from GET /.
      const env = JSON.parse(await docker(["inspect", "--format", "{{json .Config.Env}}", local])) as string[];
      expect(env).toContain(`APP_VERSION=staging-${gitSha}`);
    },
  );

  it("without a reachable vulnerability DB, publish refuses (the scanner failed) and pushes nothing", async () => {
    const gitSha = randomSha();
    const error = await failureOf(() =>
      callPublish(pipelineFor(BUNDLED_SERVICE), {
        env: "staging",
        gitSha,
        ...awsKeySecrets(`publish-nodb-${gitSha}`, { id: "testing", secret: "testing" }),
        awsEndpointUrl: staging.moto.endpoint,
      }),
    );
    expect(error.message).toMatch(/the scanner failed, so there is no verdict/);
    expect(error.message).toMatch(/mirror\.gcr\.io|trivy-db/);
    expect(await registryTagDigest(`staging-${gitSha}`)).toBeUndefined();
    expect(await ecrDigestOfTag(staging.moto, `staging-${gitSha}`)).toBeUndefined();
  });
});
