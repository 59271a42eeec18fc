/**
 * The secret-leak suite in module mode: canary secrets (tests/support/canaries.ts) go as secret IDs through every
 * Secret argument of the module's functions, exactly as `dagger call --token=env:NAME` passes them, so they cross
 * the engine into the module's own container. Then every place they could surface is searched: what each call
 * returned, every error message (the module's errors travel back through the engine), what the Slack stand-in
 * received, the engine container's log and the session's log since the suite began. Zero hits.
 *
 * moto (on the engine bridge, reachable from the module's container) accepts any AWS credentials, so canary keys
 * drive real calls. ci and release run for real against stand-ins on the bridge that accept only the canary of
 * their shape (Codecov through codecov-cli, GitHub's SARIF upload and releases, Snyk, Docker Hub's API and its
 * registry, to which release pushes the image it built); a multi-line token cannot travel in an HTTP header, so
 * those calls are refused before any request. `test` stops at a failing precondition.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

import { dag } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { canaries, canary, hitsIn, SHAPES, type Shape } from "../support/canaries.js";
import { createGitRepo, type TestGitRepo } from "../support/git-repo.js";
import { startDockerHubRegistry } from "../support/docker-hub-registry.js";
import { startDockerHubStandin } from "../support/standins/docker-hub.js";
import { startGitHubStandin } from "../support/standins/github.js";
import { startSnykStandin } from "../support/standins/snyk.js";
import { expectEveryUploadMade, startUploadStandins } from "../support/standins/uploads.js";
import {
  engineBridgeAddress,
  engineContainerLog,
  randomSha,
  seedStaging,
  startPrivateMoto,
  startRecorder,
  type PrivateMoto,
} from "../support/rig-cd.js";
import { type EngineSession, openSession, rigImages } from "../e2e/support/session.js";
import { callFunction, hostDirectory, serveModule, type Variable } from "./support/module.js";

const outputs: { call: string; text: string; failed: boolean }[] = [];
const CONTROL = `control${randomBytes(12).toString("hex")}`;
const sessionStart = new Date();
const str = (value: string): Variable => ({ type: "String", value });
/** The GitHub repository and commit ci uploads for, as the stand-ins know them. */
const REPOSITORY = "faultmaven/fm-auth-service";
const GIT_SHA = randomSha();

let session: EngineSession | undefined;
let moto: PrivateMoto;
let recorder: Awaited<ReturnType<typeof startRecorder>>;
let repo: TestGitRepo;

/** A Secret argument holding `value`, as `dagger call --name=env:NAME` passes one. */
async function secretValue(value: string): Promise<Variable> {
  return { type: "ID", value: await dag.setSecret(`leak-${randomBytes(6).toString("hex")}`, value).id() };
}

async function secretArg(shape: Shape, where: string): Promise<Variable> {
  return secretValue(canary(shape, where));
}

/** Runs one call and keeps what it gave back (result or error). */
async function record(
  call: string,
  fn: string,
  args: Record<string, Variable>,
  select = "",
): Promise<{ text: string; failed: boolean }> {
  let outcome: { call: string; text: string; failed: boolean };
  try {
    const result = await callFunction<unknown>(fn, args, select);
    outcome = { call, text: JSON.stringify(result), failed: false };
  } catch (error) {
    outcome = { call, text: `${(error as Error).name}: ${(error as Error).message}`, failed: true };
  }
  outputs.push(outcome);
  return outcome;
}

beforeAll(async () => {
  session = await openSession("module-secrets");
  await serveModule();
  const bridge = engineBridgeAddress();
  moto = await startPrivateMoto(bridge);
  await seedStaging(moto);
  recorder = await startRecorder(bridge);
  repo = createGitRepo();
  repo.commit("chore: release 1.0.0", { "README.md": "leak suite\n", "enterprise/main.py": '__version__ = "1.0.0"\n' });
  repo.tag("v1.0.0");
  await dag.container().from(rigImages().python).withExec(["echo", CONTROL]).sync();
});
afterAll(async () => {
  repo?.remove();
  await recorder?.close();
  await moto?.stop();
  await session?.close();
});

describe("canary secrets through every Secret argument (module mode)", () => {
  it("ci: Codecov, GitHub and Snyk tokens in every shape, each upload made for real to its stand-in", async () => {
    // On the engine's bridge, where the module's container reaches them, in HTTPS (a token goes in plain HTTP only
    // to loopback).
    const listen = { host: engineBridgeAddress(), tls: true };
    for (const shape of SHAPES) {
      const tokens = {
        codecov: canary(shape, "ci codecovToken"),
        github: canary(shape, "ci githubToken"),
        snyk: canary(shape, "ci snykToken"),
      };
      const standins = await startUploadStandins({ tokens, repository: REPOSITORY, codecovListen: listen, listen });
      const { codecov, github, snyk } = standins;
      try {
        const outcome = await record(
          `ci ${shape}`,
          "ci",
          {
            failOnError: { type: "Boolean", value: false },
            codecovToken: await secretValue(tokens.codecov),
            githubToken: await secretValue(tokens.github),
            githubRepository: str(REPOSITORY),
            gitSha: str(GIT_SHA),
            gitRef: str("refs/heads/main"),
            githubApiUrl: str(github.url),
            codecovUrl: str(codecov.url),
            snykToken: await secretValue(tokens.snyk),
            snykApiUrl: str(`${snyk.url}/v1`),
          },
          'file(path: "summary.json") { contents }',
        );
        if (shape === "multi-line") {
          // A token with a line break cannot travel in a header: refused before any request.
          expect(outcome.text).toContain("--codecov-token holds a line break or another control character");
          expect(standins.requestCount()).toBe(0);
        } else {
          const summary = (JSON.parse(outcome.text) as { file: { contents: string } }).file.contents;
          expectEveryUploadMade(summary, standins, GIT_SHA);
        }
      } finally {
        await standins.close();
      }
    }
  });

  it("test: the Codecov token in every shape (no repository for the upload: refused before anything runs)", async () => {
    for (const shape of SHAPES) {
      const outcome = await record(
        `test ${shape}`,
        "test",
        { codecovToken: await secretArg(shape, "test codecovToken") },
        "id",
      );
      expect(outcome.failed).toBe(true);
    }
  });

  it("snyk: the Snyk token in every shape, a real test against its stand-in", async () => {
    const listen = { host: engineBridgeAddress(), tls: true };
    for (const shape of SHAPES) {
      const token = canary(shape, "snyk snykToken");
      const snyk = await startSnykStandin({ token, listen });
      try {
        const outcome = await record(
          `snyk ${shape}`,
          "snyk",
          { snykToken: await secretValue(token), snykApiUrl: str(`${snyk.url}/v1`) },
          'file(path: "scan/snyk.json") { contents }',
        );
        if (shape === "multi-line") {
          // A token with a line break cannot travel in a header: refused before any request.
          expect(outcome.text).toContain("--snyk-token holds a line break or another control character");
          expect(snyk.requests).toHaveLength(0);
        } else {
          // Only this token opens the stand-in: an answer means the token arrived whole.
          expect(outcome.failed, outcome.text).toBe(false);
          expect(snyk.requests).toHaveLength(1);
          const answer = (JSON.parse(outcome.text) as { file: { contents: string } }).file.contents;
          expect(JSON.parse(answer)).toMatchObject({ ok: true, dependencyCount: 10 });
        }
      } finally {
        await snyk.close();
      }
    }
  });

  it("release: GitHub token and Docker Hub login in every shape, a real release to the stand-ins", async () => {
    // On the engine's bridge, where the module's container reaches them, in HTTPS (a token goes in plain HTTP only
    // to loopback).
    const listen = { host: engineBridgeAddress(), tls: true };
    for (const shape of SHAPES) {
      const values = {
        github: canary(shape, "release githubToken"),
        username: canary(shape, "release dockerUsername"),
        password: canary(shape, "release dockerPassword"),
      };
      const docker = { username: values.username, password: values.password };
      const github = await startGitHubStandin({ repository: REPOSITORY, token: values.github, listen });
      const hubApi = await startDockerHubStandin({ ...docker, repositories: [REPOSITORY], listen });
      const hubRegistry = await startDockerHubRegistry(docker);
      try {
        // No AWS access: the image is built from the tagged source and pushed with the Docker login.
        const outcome = await record(`release ${shape}`, "release", {
          version: str("v1.0.0"),
          githubToken: await secretValue(values.github),
          dockerUsername: await secretValue(values.username),
          dockerPassword: await secretValue(values.password),
          repo: await hostDirectory(repo.dir),
          githubApiUrl: str(github.url),
          dockerRegistry: str(hubRegistry.address),
          dockerHubApiUrl: str(hubApi.url),
        });
        if (shape === "multi-line") {
          expect(outcome.text).toContain("--github-token holds a line break or another control character");
          expect(github.requests.length + hubApi.requests.length + hubRegistry.pushed.length).toBe(0);
        } else {
          expect(outcome.failed, outcome.text).toBe(false);
          expect(hubRegistry.pushed.map((p) => p.split("@")[0])).toEqual([
            `${REPOSITORY}:1.0.0`,
            `${REPOSITORY}:latest`,
          ]);
          expect(github.releases.map((r) => r.tag_name)).toEqual(["v1.0.0"]);
        }
      } finally {
        await Promise.all([github.close(), hubApi.close(), hubRegistry.close()]);
      }
    }
  });

  it("plan, rollback and deploy: AWS keys, session token, web identity and the Slack webhook", async () => {
    const hook = canary("one-line", "deploy slackWebhook");
    const aws = async (call: string, shape: Shape) => ({
      awsAccessKeyId: await secretArg(shape, `${call} awsAccessKeyId`),
      awsSecretAccessKey: await secretArg(shape === "multi-line" ? "4kb" : shape, `${call} awsSecretAccessKey`),
      awsSessionToken: await secretArg("base64", `${call} awsSessionToken`),
      awsEndpointUrl: str(moto.endpoint),
    });
    await record("plan", "plan", { env: str("staging"), gitSha: str(randomSha()), ...(await aws("plan", "one-line")) });
    await record("rollback web identity", "rollback", {
      env: str("staging"),
      awsRoleArn: str("arn:aws:iam::123456789012:role/faultmaven-deploy"),
      awsWebIdentityToken: await secretArg("multi-line", "rollback awsWebIdentityToken"),
      awsEndpointUrl: str(moto.endpoint),
      timeoutSeconds: { type: "Int", value: 60 },
    });
    await record("deploy", "deploy", {
      env: str("staging"),
      gitSha: str(randomSha()),
      ...(await aws("deploy", "one-line")),
      slackWebhook: {
        type: "ID",
        value: await dag.setSecret("leak-hook", `${recorder.url}/services/${hook}`).id(),
      },
      // Nothing to publish to: the deploy fails after its preflight, and still reports to Slack.
      smokeUrl: str("http://127.0.0.1:9/"),
      rolloutTimeoutSeconds: { type: "Int", value: 60 },
      migrationTimeoutSeconds: { type: "Int", value: 60 },
    });
    // The keys reached moto through the module (plan read the service with them).
    expect(outputs.find((o) => o.call === "plan")?.failed, outputs.find((o) => o.call === "plan")?.text).toBe(false);
  });
});

describe("the search: zero hits of any canary (module mode)", () => {
  it("in returned values and error messages", () => {
    expect(canaries.length).toBeGreaterThanOrEqual(30);
    console.log(
      outputs
        .map((o) => `${o.call}: ${o.failed ? "failed" : "returned"}: ${o.text.split("\n")[0]?.slice(0, 200)}`)
        .join("\n"),
    );
    expect(outputs.flatMap((o) => hitsIn(o.text, `${o.call} ${o.failed ? "error" : "result"}`))).toEqual([]);
  });

  it("in what the Slack stand-in received", () => {
    expect(recorder.requests.flatMap((r, i) => hitsIn(r.body, `Slack request ${i} body`))).toEqual([]);
  });

  it("in the engine's log and the session's log", async () => {
    const log = session!.logFile;
    await session?.close();
    session = undefined;
    const engineLog = await engineContainerLog(new Date(sessionStart.getTime() - 1000));
    expect(engineLog).toContain(CONTROL);
    expect([...hitsIn(engineLog, "engine container log"), ...hitsIn(readFileSync(log), log)]).toEqual([]);
  });
});
