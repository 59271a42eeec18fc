/**
 * The secret-leak suite. Canary secrets, random per run, in four shapes (one line, multi-line, 4 KB, a
 * base64-encoded value), go through every Secret argument of the module: ci (codecovToken, githubToken, snykToken), publish,
 * deploy and rollback (awsAccessKeyId, awsSecretAccessKey, awsSessionToken, awsWebIdentityToken, slackWebhook)
 * and release (githubToken, dockerUsername, dockerPassword). Then every place a secret could surface is searched
 * for each canary, each of its lines, 64-char slices of the big one, and its base64 form: the engine's output (the
 * engine container's log since the session began, which shows exec arguments: a control value proves it; the
 * session CLI's own log, reports/e2e/engine-secrets.log, holds only its connection lines), every string a function
 * returned, every error message, everything the module printed, the requests the Slack stand-in received, every
 * image pushed (to the ECR host, which the rig maps to the ECR registry stand-in in front of the local registry;
 * `docker save` of its local copy: every layer tar and the image config), and every file under reports/e2e. Zero hits.
 *
 * moto accepts any AWS credentials, so canary keys drive real publishes and deploys against it (the ECR login
 * through GetAuthorizationToken included, as with real ECR). The Slack webhook is a
 * loopback recording server whose URL path carries the canary (the URL itself is the secret). ci and release run
 * for real against stand-ins that accept only the canary of their shape: ci uploads coverage with codecov-cli (in
 * a container, to a Codecov stand-in on the engine's bridge) and SARIF to a GitHub stand-in, and runs Snyk's test
 * against a Snyk stand-in; release writes a GitHub release, logs in to a Docker Hub API stand-in and copies the
 * verified image with skopeo to a Docker Hub registry stand-in. A multi-line token cannot travel in an HTTP header
 * (and an HTTP client refusing one quotes it in its error): those calls are refused before any request, and their
 * output is searched all the same.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { dag, type Secret } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import {
  callDeploy,
  callPublish,
  callRelease,
  callRollback,
  cdPipelineFor,
  docker,
  ecrDigestOfTag,
  engineContainerLog,
  markVerified,
  randomSha,
  reportInError,
  rigTrivyDb,
  runServiceImage,
  startLoopbackDatabases,
  type LoopbackDatabases,
  startStagingAws,
  startRecorder,
  type StagingAws,
  type RunningService,
  STAGING,
} from "./support/cd.js";
import { localCopyOf } from "../support/ecr-registry.js";
import { BUNDLED_SERVICE } from "./support/pipeline.js";
import type { DeployReport } from "../../src/core/deploy/report.js";
import { E2E_REPORTS, type EngineSession, openSession, rigImages } from "./support/session.js";
import { canaries, canary, hitsIn, SHAPES } from "../support/canaries.js";
import { engineBridgeAddress } from "../support/rig-network.js";
import { startGitHubStandin } from "../support/standins/github.js";
import { startDockerHubStandin } from "../support/standins/docker-hub.js";
import { startDockerHubRegistry } from "../support/docker-hub-registry.js";
import { createGitRepo } from "../support/git-repo.js";
import { expectEveryUploadMade, startUploadStandins } from "../support/standins/uploads.js";

/** Every regular file under `dir`. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

/** Every outcome a function gave (returned string or error message), by call. */
const outputs: { call: string; text: string; failed: boolean }[] = [];
/** Everything the module printed through console.* while it ran in this process. */
const printed: string[] = [];
/** Image references (in ECR) pushed by these calls. */
const pushedImages = new Set<string>();

/** Runs one function call and keeps what it gave (its result, or its error's name, message and stack). */
async function record(
  call: string,
  run: () => Promise<string>,
): Promise<{ text: string; failed: boolean; error?: Error }> {
  try {
    const text = await run();
    outputs.push({ call, text, failed: false });
    return { text, failed: false };
  } catch (caught) {
    const error = caught as Error;
    const text = `${error.name}: ${error.message}\n${error.stack ?? ""}`;
    outputs.push({ call, text, failed: true });
    return { text, failed: true, error };
  }
}

function secret(name: string, value: string): Secret {
  return dag.setSecret(`leak-suite-${name}-${randomBytes(4).toString("hex")}`, value);
}

/** A value passed in the clear (an exec argument), which the engine log must show: proves the log is searched. */
const CONTROL = `control${randomBytes(12).toString("hex")}`;

let session: EngineSession | undefined;
const sessionStart = new Date();
let staging: StagingAws;
let databases: LoopbackDatabases;
let recorder: Awaited<ReturnType<typeof startRecorder>>;
let smokeTarget: RunningService | undefined;
const gitSha = randomSha();

beforeAll(async () => {
  for (const method of ["log", "error", "warn", "info"] as const) {
    const original = console[method].bind(console);
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      printed.push(args.map(String).join(" "));
      original(...args);
    });
  }
  session = await openSession("secrets");
  staging = await startStagingAws();
  databases = await startLoopbackDatabases();
  recorder = await startRecorder();
  await dag.container().from(rigImages().python).withExec(["echo", CONTROL]).sync();
});
afterAll(async () => {
  vi.restoreAllMocks();
  await smokeTarget?.stop();
  await recorder?.close();
  await staging?.stop();
  await databases?.stop();
  await session?.close();
});

const ROLE_ARN = "arn:aws:iam::123456789012:role/faultmaven-deploy";
/** The GitHub repository ci uploads for, as its stand-ins know it. */
const UPLOADS_REPOSITORY = "faultmaven/fm-auth-service";

describe("canary secrets through every Secret argument", () => {
  it("publish: AWS keys and session token (the ECR login is asked for with them)", async () => {
    const result = await record("publish", () =>
      callPublish(cdPipelineFor(BUNDLED_SERVICE), {
        env: "staging",
        gitSha,
        awsAccessKeyId: secret("publish-id", canary("one-line", "publish awsAccessKeyId")),
        awsSecretAccessKey: secret("publish-key", canary("4kb", "publish awsSecretAccessKey")),
        awsSessionToken: secret("publish-session", canary("base64", "publish awsSessionToken")),
        awsEndpointUrl: staging.moto.endpoint,
      }),
    );
    if (rigTrivyDb()) {
      expect(result.failed, result.text).toBe(false);
      // The push went to ECR with the login the canary keys got: moto's ECR holds the image under its staging tag.
      expect(result.text).toMatch(
        new RegExp(`^${staging.seeded.repositoryUri.replace(/\./g, "\\.")}@sha256:[0-9a-f]{64}$`),
      );
      expect(await ecrDigestOfTag(staging.moto, `staging-${gitSha}`)).toBe(result.text.split("@")[1]);
      pushedImages.add(result.text);
      smokeTarget = await runServiceImage(localCopyOf(result.text), databases);
    } else {
      expect(result.text).toMatch(/the scanner failed/);
    }
  });

  it("deploy: static keys, session token and Slack webhook (moto accepts the canary keys)", async () => {
    const hook = canary("one-line", "deploy slackWebhook");
    const result = await record("deploy static keys", () =>
      callDeploy(cdPipelineFor(BUNDLED_SERVICE), {
        env: "staging",
        gitSha,
        awsAccessKeyId: secret("deploy-id", canary("one-line", "deploy awsAccessKeyId")),
        awsSecretAccessKey: secret("deploy-key", canary("4kb", "deploy awsSecretAccessKey")),
        awsSessionToken: secret("deploy-session", canary("base64", "deploy awsSessionToken")),
        awsEndpointUrl: staging.moto.endpoint,
        slackWebhook: secret("deploy-slack", `${recorder.url}/services/${hook}`),
        smokeUrl: smokeTarget?.url ?? "http://127.0.0.1:9/",
        rolloutTimeoutSeconds: 120,
        migrationTimeoutSeconds: 120,
      }),
    );
    const report = result.error ? reportInError(result.error) : (JSON.parse(result.text) as DeployReport);
    if (report.image?.reference) pushedImages.add(report.image.reference);
    if (rigTrivyDb()) expect(report.outcome).toBe("succeeded");
    // The webhook was really used: the stand-in got the summary at the canary path.
    expect(recorder.requests.some((r) => r.method === "POST" && r.path === `/services/${hook}`)).toBe(true);
  });

  it("deploy: web identity token (multi-line) and a multi-line Slack webhook", async () => {
    const hook = canary("multi-line", "deploy slackWebhook");
    const result = await record("deploy web identity", () =>
      callDeploy(cdPipelineFor(BUNDLED_SERVICE), {
        env: "staging",
        gitSha,
        awsRoleArn: ROLE_ARN,
        awsWebIdentityToken: secret("deploy-oidc", canary("multi-line", "deploy awsWebIdentityToken")),
        awsEndpointUrl: staging.moto.endpoint,
        slackWebhook: secret("deploy-slack-multi", `${recorder.url}/services/${hook}`),
        smokeUrl: smokeTarget?.url ?? "http://127.0.0.1:9/",
        rolloutTimeoutSeconds: 120,
        migrationTimeoutSeconds: 120,
      }),
    );
    // Same sha, same image: the service already runs it, so this rerun only verifies and smoke-checks.
    if (rigTrivyDb()) expect(result.failed, result.text.slice(0, 500)).toBe(false);
  });

  it("rollback: static keys, session token, 4 KB web identity and Slack webhook", async () => {
    const hook = canary("4kb", "rollback slackWebhook");
    const keys = await record("rollback static keys", () =>
      callRollback(cdPipelineFor(BUNDLED_SERVICE), {
        env: "staging",
        awsAccessKeyId: secret("rollback-id", canary("base64", "rollback awsAccessKeyId")),
        awsSecretAccessKey: secret("rollback-key", canary("multi-line", "rollback awsSecretAccessKey")),
        awsSessionToken: secret("rollback-session", canary("one-line", "rollback awsSessionToken")),
        awsEndpointUrl: staging.moto.endpoint,
        slackWebhook: secret("rollback-slack", `${recorder.url}/services/${hook}`),
        smokeUrl: smokeTarget?.url ?? "http://127.0.0.1:9/",
        timeoutSeconds: 120,
      }),
    );
    // The revision the first rollback went back to already serves, so this one changes nothing, after the web
    // identity was exchanged with STS.
    const oidc = await record("rollback web identity", () =>
      callRollback(cdPipelineFor(BUNDLED_SERVICE), {
        env: "staging",
        awsRoleArn: ROLE_ARN,
        awsWebIdentityToken: secret("rollback-oidc", canary("4kb", "rollback awsWebIdentityToken")),
        awsEndpointUrl: staging.moto.endpoint,
        smokeUrl: smokeTarget?.url ?? "http://127.0.0.1:9/",
        timeoutSeconds: 120,
      }),
    );
    // A multi-line access key id cannot be put in a request header: the call must fail, without echoing it.
    const broken = await record("rollback multi-line key id", () =>
      callRollback(cdPipelineFor(BUNDLED_SERVICE), {
        env: "staging",
        awsAccessKeyId: secret("rollback-id-multi", canary("multi-line", "rollback awsAccessKeyId")),
        awsSecretAccessKey: secret("rollback-key-2", canary("one-line", "rollback awsSecretAccessKey")),
        awsEndpointUrl: staging.moto.endpoint,
        smokeUrl: smokeTarget?.url ?? "http://127.0.0.1:9/",
        timeoutSeconds: 60,
      }),
    );
    expect(broken.failed).toBe(true);
    expect(broken.text).toMatch(/^PreflightError: STS GetCallerIdentity failed/);
    if (rigTrivyDb()) {
      expect(keys.failed, keys.text.slice(0, 500)).toBe(false);
      // The first rollback already went back: the second (web identity, exchanged with STS) is a no-op that says so.
      expect(oidc.failed, oidc.text.slice(0, 500)).toBe(false);
      expect(JSON.parse(oidc.text)).toMatchObject({
        rollback: { taken: false, reason: expect.stringContaining("nothing to roll back") },
      });
    }
  });

  it("ci: Codecov, GitHub and Snyk tokens in every shape, each upload made for real to its stand-in", async () => {
    for (const shape of SHAPES) {
      const tokens = {
        codecov: canary(shape, "ci codecovToken"),
        github: canary(shape, "ci githubToken"),
        snyk: canary(shape, "ci snykToken"),
      };
      // codecov-cli runs in a container, so its stand-in listens on the engine's bridge, in HTTPS (the pipeline
      // sends a token in plain HTTP only to loopback); the SARIF upload and Snyk's test are made by the module's own
      // process, here the test's.
      const standins = await startUploadStandins({
        tokens,
        repository: UPLOADS_REPOSITORY,
        codecovListen: { host: engineBridgeAddress(), tls: true },
      });
      const { codecov, github, snyk } = standins;
      try {
        const result = await record(`ci ${shape}`, async () => {
          const reports = await cdPipelineFor(BUNDLED_SERVICE).ci(
            "dev",
            false,
            secret(`ci-codecov-${shape}`, tokens.codecov),
            secret(`ci-github-${shape}`, tokens.github),
            UPLOADS_REPOSITORY,
            gitSha,
            "refs/heads/main",
            github.url,
            codecov.url,
            false,
            secret(`ci-snyk-${shape}`, tokens.snyk),
            undefined,
            `${snyk.url}/v1`,
          );
          return await reports.file("summary.json").contents();
        });
        if (shape === "multi-line") {
          // No HTTP header holds a line break (and an HTTP client quotes the header it refuses): refused first.
          expect(result.error?.message).toBe(
            "--codecov-token holds a line break or another control character, which no HTTP header can carry: pass the token alone (its value is not shown)",
          );
          expect(standins.requestCount()).toBe(0);
        } else {
          expectEveryUploadMade(result.text, standins, gitSha);
        }
      } finally {
        await standins.close();
      }
    }
  });

  it("release: GitHub token, Docker Hub login and AWS key in every shape, a real release to the stand-ins", async () => {
    // The tagged commit's image is published to staging and marked verified, so each release copies it with
    // skopeo (the ECR login and the Docker login in its auth-file Secret) to the Docker Hub registry stand-in.
    const repo = createGitRepo();
    try {
      const commit = repo.commit("chore: release 1.0.0", {
        "README.md": "leak suite\n",
        "enterprise/main.py": '__version__ = "1.0.0"\n',
        "release-run.txt": `${randomSha()}\n`,
      });
      repo.tag("v1.0.0");
      const staged = await callPublish(cdPipelineFor(BUNDLED_SERVICE), {
        env: "staging",
        gitSha: commit,
        awsAccessKeyId: secret("release-publish-key-id", "testing"),
        awsSecretAccessKey: secret("release-publish-secret", "testing"),
        awsEndpointUrl: staging.moto.endpoint,
      });
      const digest = staged.split("@")[1] as string;
      await markVerified(staging.moto, commit, digest);
      for (const shape of SHAPES) {
        const values = {
          github: canary(shape, "release githubToken"),
          username: canary(shape, "release dockerUsername"),
          password: canary(shape, "release dockerPassword"),
          awsSecret: canary(shape, "release awsSecretAccessKey"),
        };
        const docker = { username: values.username, password: values.password };
        const github = await startGitHubStandin({ repository: UPLOADS_REPOSITORY, token: values.github });
        const hubApi = await startDockerHubStandin({ ...docker, repositories: [UPLOADS_REPOSITORY] });
        const hubRegistry = await startDockerHubRegistry(docker);
        try {
          const result = await record(`release ${shape}`, () =>
            callRelease(cdPipelineFor(BUNDLED_SERVICE), {
              version: "v1.0.0",
              githubToken: secret(`release-github-${shape}`, values.github),
              dockerUsername: secret(`release-docker-user-${shape}`, values.username),
              dockerPassword: secret(`release-docker-password-${shape}`, values.password),
              repo: dag.host().directory(repo.dir),
              githubApiUrl: github.url,
              dockerRegistry: hubRegistry.address,
              dockerHubApiUrl: hubApi.url,
              // moto takes any secret key; the key id stays plain, as it travels in a header.
              awsAccessKeyId: secret(`release-aws-key-id-${shape}`, "testing"),
              awsSecretAccessKey: secret(`release-aws-secret-${shape}`, values.awsSecret),
              awsEndpointUrl: staging.moto.endpoint,
            }),
          );
          if (shape === "multi-line") {
            // A token with a line break cannot be sent in a header: refused before any call.
            expect(result.error?.message).toMatch(/^--github-token holds a line break or another control character/);
            expect(github.requests.length + hubApi.requests.length + hubRegistry.pushed.length).toBe(0);
          } else {
            expect(result.error).toBeUndefined();
            expect(hubRegistry.pushed).toEqual([
              `${UPLOADS_REPOSITORY}:1.0.0@${digest}`,
              `${UPLOADS_REPOSITORY}:latest@${digest}`,
            ]);
            expect(github.releases.map((r) => r.tag_name)).toEqual(["v1.0.0"]);
          }
        } finally {
          await Promise.all([github.close(), hubApi.close(), hubRegistry.close()]);
        }
      }
    } finally {
      repo.remove();
    }
  });
});

describe("the search: zero hits of any canary", () => {
  it("finds a planted canary, a line of a multi-line one, a slice of a big one and a base64 form (control)", () => {
    const before = canaries.length;
    const one = canary("one-line", "control");
    const multi = canary("multi-line", "control");
    const big = canary("4kb", "control");
    try {
      expect(hitsIn(`x${one}x`, "control")).toHaveLength(1);
      expect(hitsIn(`log: ${multi.split("\n")[1]}`, "control")).toHaveLength(1);
      expect(hitsIn(`log: ${big.slice(640, 704)}`, "control")).toHaveLength(1);
      expect(hitsIn(Buffer.from(`{"auth":"${Buffer.from(one).toString("base64")}"}`), "control")).toHaveLength(1);
      expect(hitsIn("nothing here", "control")).toEqual([]);
    } finally {
      canaries.splice(before);
    }
  });

  it("in returned strings, error messages and everything printed", () => {
    // What each call did (first lines only, already known to be canary-free by the search below when it passes).
    const outcomes = outputs.map((o) => {
      const first = o.failed
        ? o.text.split("\n")[0]
        : (/"outcome": "[a-z-]+"/.exec(o.text)?.[0] ?? o.text.split("\n")[0]);
      return `${o.call}: ${o.failed ? "failed" : "returned"}: ${(first ?? "").slice(0, 240)}`;
    });
    const hitsInOutcomes = hitsIn(outcomes.join("\n"), "outcome summary");
    if (hitsInOutcomes.length === 0) console.log(`calls made:\n${outcomes.join("\n")}`);
    expect(canaries.length).toBeGreaterThanOrEqual(30);
    expect(outputs.length).toBeGreaterThanOrEqual(12);
    const hits = [
      ...outputs.flatMap((o) => hitsIn(o.text, `${o.call} ${o.failed ? "error" : "result"}`)),
      ...hitsIn(printed.join("\n"), "console output"),
    ];
    expect(hits).toEqual([]);
    // Control: the module's own log lines were captured, so the search above saw them.
    if (rigTrivyDb()) expect(printed.join("\n")).toContain("rollback target recorded");
  });

  it("in what the Slack stand-in received (the summaries; the URL path is the secret itself)", () => {
    expect(recorder.requests.length).toBeGreaterThan(0);
    const hits = recorder.requests.flatMap((r, i) => hitsIn(r.body, `Slack request ${i} body`));
    expect(hits).toEqual([]);
  });

  it("in every layer and the config of every image pushed (docker save of its copy behind the ECR stand-in)", async () => {
    if (rigTrivyDb()) expect(pushedImages.size).toBeGreaterThan(0);
    const hits: string[] = [];
    for (const pushed of pushedImages) {
      expect(pushed.startsWith(`${staging.seeded.repositoryUri}@`)).toBe(true);
      expect(staging.ecrRegistry.pushed).toContain(`${STAGING.ecrRepository}@${pushed.split("@")[1]}`);
      const reference = localCopyOf(pushed);
      const dir = mkdtempSync(join(tmpdir(), "leak-suite-image-"));
      try {
        await docker(["pull", "--quiet", reference]);
        await docker(["save", "--output", join(dir, "image.tar"), reference]);
        execFileSync("tar", ["-xf", join(dir, "image.tar"), "-C", dir]);
        const files = filesUnder(dir).filter((f) => !f.endsWith("/image.tar"));
        expect(files.some((f) => f.endsWith("layer.tar"))).toBe(true);
        const contents = files.map((file) => ({ file, bytes: readFileSync(file) }));
        // Controls: the config (its APP_VERSION) and the layers (the service's code) are really searched.
        expect(contents.some((c) => c.bytes.includes(`APP_VERSION=staging-${gitSha}`))).toBe(true);
        expect(contents.some((c) => c.bytes.includes("def dependency_probes("))).toBe(true);
        for (const { file, bytes } of contents) hits.push(...hitsIn(bytes, `${reference} ${file.slice(dir.length)}`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    expect(hits).toEqual([]);
  });

  it("in the engine's output (its container log since this session began), the session log and reports/e2e", async () => {
    // Closed first so the session's log is complete on disk.
    await session?.close();
    session = undefined;
    const engineLog = await engineContainerLog(new Date(sessionStart.getTime() - 1000));
    // Control: a value passed in the clear (an exec argument) shows in the engine's log, so a leaked secret would.
    expect(engineLog).toContain(CONTROL);
    console.log(`engine log searched: ${(engineLog.length / 1024 / 1024).toFixed(1)} MB`);
    const hits = [
      ...hitsIn(engineLog, "engine container log"),
      ...filesUnder(E2E_REPORTS).flatMap((file) => hitsIn(readFileSync(file), file)),
    ];
    expect(statSync(join(E2E_REPORTS, "engine-secrets.log")).size).toBeGreaterThan(0);
    expect(hits).toEqual([]);
  });
});
