/**
 * `publish` end to end on the engine rig: the image is scanned, built and pushed through the engine to the local
 * registry (127.0.0.1:5000 stands in for ECR through the function's `registry` argument), and the reference it
 * returns is checked against what the Docker daemon pulls.
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
  failureOf,
  LOCAL_REGISTRY,
  pulledRepoDigest,
  randomSha,
  rigTrivyDb,
  STAGING,
  startPrivateMoto,
  type PrivateMoto,
} from "./support/cd.js";
import { BUNDLED_SERVICE, pipelineFor } from "./support/pipeline.js";
import { type EngineSession, openSession } from "./support/session.js";

const REFERENCE = new RegExp(
  `^${LOCAL_REGISTRY.replace(/\./g, "\\.")}/${STAGING.ecrRepository}@(sha256:[0-9a-f]{64})$`,
);

let session: EngineSession;
let moto: PrivateMoto;
beforeAll(async () => {
  session = await openSession("publish");
  moto = await startPrivateMoto();
});
afterAll(async () => {
  await moto?.stop();
  await session?.close();
});

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

describe("publish to the local registry", () => {
  it.skipIf(!rigTrivyDb())(
    "returns <registry>/<repo>@sha256:..., the digest docker pull resolves, tagged staging-<sha>",
    async () => {
      const gitSha = randomSha();
      const started = Date.now();
      const keys = awsKeySecrets(`publish-${gitSha}`, { id: "testing", secret: "testing" });
      const reference = await callPublish(cdPipelineFor(BUNDLED_SERVICE), {
        env: "staging",
        gitSha,
        ...keys,
        awsEndpointUrl: moto.endpoint,
        registry: LOCAL_REGISTRY,
      });
      console.log(`publish took ${((Date.now() - started) / 1000).toFixed(1)} s: ${reference}`);
      const digest = REFERENCE.exec(reference)?.[1];
      expect(reference).toMatch(REFERENCE);

      expect(await pulledRepoDigest(reference)).toBe(reference);
      expect(await registryTagDigest(`staging-${gitSha}`)).toBe(digest);
      // The image carries the version the deploy's smoke check will expect from GET /.
      const env = JSON.parse(await docker(["inspect", "--format", "{{json .Config.Env}}", reference])) as string[];
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
        awsEndpointUrl: moto.endpoint,
        registry: LOCAL_REGISTRY,
      }),
    );
    expect(error.message).toMatch(/the scanner failed, so there is no verdict/);
    expect(error.message).toMatch(/mirror\.gcr\.io|trivy-db/);
    expect(await registryTagDigest(`staging-${gitSha}`)).toBeUndefined();
  });
});
