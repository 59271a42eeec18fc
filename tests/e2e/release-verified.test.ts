/**
 * `release` with AWS access, on the engine, end to end: staging publishes the bundled image through the rig's ECR
 * stand-in and the digest is marked `verified-staging-<sha>` in moto (what a passing staging deploy writes); the
 * release of a tag on that commit finds the digest by the commit in production's repository (the module's default
 * descriptors: staging's registry, shared through ecrRegistryId), copies it with skopeo, byte for byte, to a Docker
 * Hub registry stand-in that takes only the Docker login, and writes the GitHub release and the description to
 * their stand-ins. What users pull must be the digest production runs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dag } from "@dagger.io/dagger";

import { verifiedImage } from "../../src/stages/verified-image.js";
import {
  awsKeySecrets,
  callPublish,
  callRelease,
  cdPipelineFor,
  failureOf,
  markVerified,
  randomSha,
  rigTrivyDb,
  STAGING,
  startStagingAws,
  type StagingAws,
} from "./support/cd.js";
import { BUNDLED_SERVICE } from "./support/pipeline.js";
import { type EngineSession, openSession } from "./support/session.js";
import { startDockerHubRegistry, type DockerHubRegistryStandIn } from "../support/docker-hub-registry.js";
import { startDockerHubStandin, type DockerHubStandin } from "../support/standins/docker-hub.js";
import { startGitHubStandin, type GitHubStandin } from "../support/standins/github.js";
import { createGitRepo, type TestGitRepo } from "../support/git-repo.js";

const IMAGE = "faultmaven/fm-auth-service";
const DOCKER = { username: "releaser", password: `docker-password-${randomSha().slice(0, 12)}` };
const GITHUB_TOKEN = `github-token-${randomSha().slice(0, 12)}`;

let session: EngineSession;
let staging: StagingAws;
let hubRegistry: DockerHubRegistryStandIn;
let hubApi: DockerHubStandin;
let github: GitHubStandin;
let repo: TestGitRepo;
beforeAll(async () => {
  session = await openSession("release-verified");
  staging = await startStagingAws();
  hubRegistry = await startDockerHubRegistry(DOCKER);
  hubApi = await startDockerHubStandin({ ...DOCKER, repositories: [IMAGE] });
  github = await startGitHubStandin({ repository: "faultmaven/fm-auth-service", token: GITHUB_TOKEN });
  repo = createGitRepo();
});
afterAll(async () => {
  repo?.remove();
  await github?.close();
  await hubApi?.close();
  await hubRegistry?.close();
  await staging?.stop();
  await session?.close();
});

/** moto's keys (any are accepted) and endpoint, as Secrets and an argument. */
const aws = (prefix: string) => ({
  ...awsKeySecrets(prefix, { id: "testing", secret: "testing" }),
  awsEndpointUrl: staging.moto.endpoint,
});

describe.skipIf(!rigTrivyDb())(
  "release copies the verified digest (engine rig, moto, ECR and Docker Hub stand-ins)",
  () => {
    it("pushes to Docker Hub, under X.Y.Z and latest, exactly the digest staging verified for the tagged commit", async () => {
      // A commit of its own per run (the test repository's dates are fixed): the image built for it is new to the
      // registry behind the ECR stand-in, so its push reaches this run's moto.
      const commit = repo.commit("chore: release 1.2.3", {
        "README.md": "# Auth service\n\nWhat users read on Docker Hub.\n",
        "enterprise/main.py": '__version__ = "1.2.3"\n',
        "release-run.txt": `${randomSha()}\n`,
      });
      repo.tag("v1.2.3");
      const published = await callPublish(cdPipelineFor(BUNDLED_SERVICE), {
        env: "staging",
        gitSha: commit,
        ...aws(`publish-${commit}`),
      });
      const digest = published.split("@")[1] as string;
      await markVerified(staging.moto, commit, digest);

      const report = JSON.parse(
        await callRelease(cdPipelineFor(BUNDLED_SERVICE), {
          version: "v1.2.3",
          githubToken: dag.setSecret("release-verified-github", GITHUB_TOKEN),
          dockerUsername: dag.setSecret("release-verified-user", DOCKER.username),
          dockerPassword: dag.setSecret("release-verified-password", DOCKER.password),
          repo: dag.host().directory(repo.dir),
          githubApiUrl: github.url,
          dockerRegistry: hubRegistry.address,
          dockerHubApiUrl: hubApi.url,
          ...aws(`release-${commit}`),
        }),
      ) as { commit: string; dockerHub: { published: string[] } };

      expect(report.commit).toBe(commit);
      // The registry stand-in hashes the manifest bytes it received: the same digest means the same image, config
      // included (Dagger's own pull-and-push gave another digest here: it rewrites the config's history).
      expect(hubRegistry.pushed).toEqual([`${IMAGE}:1.2.3@${digest}`, `${IMAGE}:latest@${digest}`]);
      expect(report.dockerHub.published).toEqual([
        `${hubRegistry.address}/${IMAGE}:1.2.3@${digest}`,
        `${hubRegistry.address}/${IMAGE}:latest@${digest}`,
      ]);
      expect(hubApi.descriptions.get(IMAGE)?.full_description).toBe(
        "# Auth service\n\nWhat users read on Docker Hub.\n",
      );
      expect(github.releases.map((r) => r.tag_name)).toEqual(["v1.2.3"]);
    });

    it("refuses, in one line, a commit staging never verified", async () => {
      const gitSha = randomSha();
      const access = { ...aws(`unverified-${gitSha}`), source: dag.host().directory(BUNDLED_SERVICE) };
      const error = await failureOf(() => verifiedImage(access, gitSha));
      expect(error.message).toBe(
        `no image in ECR repository ${STAGING.ecrRepository} is tagged verified-staging-${gitSha}: release a commit that staging deployed with passing smoke checks`,
      );
    });
  },
);
