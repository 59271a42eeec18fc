/**
 * Bad input and failed preconditions: each must be ONE line saying what and what to do, raised before any change
 * (asserted on the recorded AWS calls: zero mutating ones; for input errors, zero calls at all).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeleteServiceCommand } from "@aws-sdk/client-ecs";
import { deploy, type DeployOptions } from "../../../src/core/deploy/deploy.js";
import { loadEnvironments, selectEnvironment } from "../../../src/core/deploy/environments.js";
import { verifiedTag } from "../../../src/core/deploy/promotion.js";
import { PipelineError } from "../../../src/core/errors.js";
import { MOTO_ENDPOINT, motoClients, requireMoto, seedEnvironment } from "../../support/moto.js";
import { startServer, type LoopbackServer } from "./servers.js";
import { FAST, publishIntoMoto } from "./helpers.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";
let awsStandIn: LoopbackServer; // a recording endpoint: input errors must not send it a single request

beforeAll(async () => {
  await requireMoto();
  awsStandIn = await startServer(() => ({ status: 500, body: { message: "no AWS call was expected" } }));
});
afterAll(async () => awsStandIn?.close());

/** Runs `body`, expects a one-line PipelineError matching `pattern`, and returns it. */
async function oneLineError(body: () => Promise<unknown>, pattern: RegExp): Promise<Error> {
  let caught: unknown;
  try {
    await body();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(PipelineError);
  const message = (caught as Error).message;
  expect(message).not.toContain("\n");
  expect(message).toMatch(pattern);
  return caught as Error;
}

describe("environment names are exact", async () => {
  const environments = await loadEnvironments("dagger/environments.json");
  it.each(["Prod", "PRODUCTION", "prod", "Staging", "stage", "", "production "])("%j is refused", async (name) => {
    await oneLineError(
      async () => selectEnvironment(environments, name),
      /^unknown environment .*: use --env=staging or --env=production$/,
    );
  });
  it("the real file loads both environments", () => {
    expect(selectEnvironment(environments, "production").cluster).toBe("faultmaven-production");
    expect(selectEnvironment(environments, "staging").publicUrl).toBe("https://auth-staging.faultmaven.com");
  });
});

describe("input errors send no AWS request at all", async () => {
  const environments = await loadEnvironments("dagger/environments.json");
  const production = selectEnvironment(environments, "production");
  const staging = selectEnvironment(environments, "staging");
  const base = (): DeployOptions => ({
    environment: production,
    endpoint: awsStandIn.url,
    credentials: { kind: "static", accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-real-secret" },
    version: "v1.2.3",
    promoteDigest: `sha256:${"a".repeat(64)}`,
  });
  const cases: [string, Partial<DeployOptions>, RegExp][] = [
    ["tag v1.2", { version: "v1.2" }, /version "v1\.2" is not vMAJOR/],
    ["tag 1.2.3", { version: "1.2.3" }, /version "1\.2\.3" does not start with 'v'/],
    ["tag v1.2.3+b.5", { version: "v1.2.3+b.5" }, /carries build metadata/],
    ["tag v01.2.3", { version: "v01.2.3" }, /version "v01\.2\.3" is not vMAJOR/],
    ["tag v1.2.3;id", { version: "v1.2.3;id" }, /version "v1\.2\.3;id" is not vMAJOR/],
    ["production without a version", { version: undefined }, /production deploys need a release tag/],
    ["production pre-release", { version: "v1.2.3-rc.1" }, /production does not accept pre-release v1\.2\.3-rc\.1/],
    [
      "production from a branch",
      { gitRef: "refs/heads/main" },
      /production deploys only from the release tag refs\/tags\/v1\.2\.3/,
    ],
    ["production from another tag", { gitRef: "refs/tags/v1.2.4" }, /only from the release tag refs\/tags\/v1\.2\.3/],
    [
      "staging from a feature branch",
      { environment: staging, version: undefined, gitSha: SHA, gitRef: "refs/heads/feature" },
      /staging deploys only from refs\/heads\/main/,
    ],
    ["staging without a sha", { environment: staging, version: undefined }, /staging deploys need the commit/],
    [
      "staging with a bad sha",
      { environment: staging, version: undefined, gitSha: "HEAD" },
      /git sha "HEAD" is not 7-40 lowercase hex/,
    ],
    ["no credentials", { credentials: undefined }, /^no AWS credentials/],
    [
      "empty access key id",
      { credentials: { kind: "static", accessKeyId: "", secretAccessKey: "x" } },
      /access key id is missing or empty/,
    ],
    [
      "blank secret key",
      { credentials: { kind: "static", accessKeyId: "AKID", secretAccessKey: "  " } },
      /secret access key is missing or empty/,
    ],
    [
      "empty session token",
      { credentials: { kind: "static", accessKeyId: "AKID", secretAccessKey: "x", sessionToken: "" } },
      /session token was passed but is empty/,
    ],
    [
      "empty web identity token",
      { credentials: { kind: "web-identity", roleArn: "arn:aws:iam::123456789012:role/deploy", webIdentityToken: "" } },
      /web identity token is missing or empty/,
    ],
    [
      "malformed role ARN",
      { credentials: { kind: "web-identity", roleArn: "deploy-role", webIdentityToken: "t" } },
      /role ARN "deploy-role" is not arn:aws:iam/,
    ],
    [
      "rollout timeout 0",
      { rolloutTimeoutMs: 0 },
      /the rollout timeout 0 s is outside 60 s\.\.6 h: fix --rollout-timeout-seconds/,
    ],
    ["rollout timeout 15 s", { rolloutTimeoutMs: 15_000 }, /the rollout timeout 15 s is outside 60 s/],
    ["rollback timeout 7 h", { rollbackTimeoutMs: 7 * 3_600_000 }, /the rollback timeout 25200 s is outside/],
    ["migration timeout NaN", { migrationTimeoutMs: Number.NaN }, /the migration timeout NaN is outside/],
    ["poll backoff factor 0", { backoff: { factor: 0 } }, /poll backoff factor must be between 1 and 10/],
    [
      "plain-http Slack webhook",
      { slackWebhookUrl: "http://hooks.example.com/services/SECRET" },
      /Slack webhook must be an https:\/\/ URL \(value hidden\)/,
    ],
    ["promote digest malformed", { promoteDigest: "sha256:abc" }, /image digest "sha256:abc" is not sha256:<64 hex>/],
    ["nothing to deploy", { environment: staging, gitSha: SHA, promoteDigest: undefined }, /nothing to deploy/],
    ["production without the commit", {}, /production deploys only the digest staging verified: pass --git-sha=/],
    ["both publish and promote", { publish: async () => "x" }, /either a build to publish or --promote-digest/],
    ["bad migration command", { migration: "upgrade head; rm -rf /" }, /is not "upgrade head", "downgrade -1"/],
    ["bad smoke URL", { smoke: { baseUrl: "ftp://x" } }, /smoke URL "ftp:\/\/x" must be http/],
    ["bad endpoint", { endpoint: "127.0.0.1:55000" }, /AWS endpoint "127\.0\.0\.1:55000" is not http/],
  ];
  it.each(cases)("%s", async (_name, change, pattern) => {
    const before = awsStandIn.requests.length;
    const error = await oneLineError(() => deploy({ ...base(), ...change }), pattern);
    expect(awsStandIn.requests.length).toBe(before);
    expect(error.message).not.toContain("not-a-real-secret");
    expect(error.message).not.toContain("hooks.example.com");
  });
});

describe("failed preconditions make zero mutating AWS calls (moto)", () => {
  async function attempt(
    seedOptions: Parameters<typeof seedEnvironment>[0],
    change: (
      seed: Awaited<ReturnType<typeof seedEnvironment>>,
    ) => Partial<DeployOptions> | Promise<Partial<DeployOptions>>,
    pattern: RegExp,
  ) {
    const seed = await seedEnvironment(seedOptions);
    const aws = await motoClients();
    const options: DeployOptions = {
      environment: seed.environment,
      aws,
      gitSha: SHA,
      publish: publishIntoMoto(seed, { digests: [], logins: 0 }),
      ...FAST,
      smoke: { ...FAST.smoke, baseUrl: "http://127.0.0.1:9" },
      ...(await change(seed)),
    };
    await oneLineError(() => deploy(options), pattern);
    expect(aws.calls.mutatingCalls()).toEqual([]);
    expect(aws.calls.calls.length).toBeGreaterThan(0);
  }

  it("wrong AWS account", () =>
    attempt(
      { accountId: "999999999999" },
      () => ({}),
      /belong to account 123456789012, but staging is account 999999999999: use the staging credentials/,
    ));
  it("ECS service missing", () =>
    attempt(
      { withoutService: true },
      () => ({}),
      /ECS service fm-staging-\w+\/auth-service does not exist \(MISSING\): create it/,
    ));
  it("ECS service INACTIVE", () =>
    attempt(
      {},
      async (seed) => {
        const c = await motoClients();
        await c.ecs.send(
          new DeleteServiceCommand({
            cluster: seed.environment.cluster,
            service: seed.environment.service,
            force: true,
          }),
        );
        return {};
      },
      /is INACTIVE, not ACTIVE: recreate the service/,
    ));
  it("ECS service not ECS-controlled", () =>
    attempt(
      { deploymentController: { type: "CODE_DEPLOY" } },
      () => ({}),
      /uses the CODE_DEPLOY deployment controller/,
    ));
  it("container name not in the task definition", () =>
    attempt(
      {},
      (seed) => ({ environment: { ...seed.environment, containerName: "web" } }),
      /container "web" is not in task definition .* \(it has: auth-service\): fix containerName/,
    ));
  it("required task secret missing", () =>
    attempt(
      {},
      (seed) => ({ environment: { ...seed.environment, requiredTaskSecrets: ["DATABASE_URL", "SENTRY_DSN"] } }),
      /lacks SENTRY_DSN: add them as task definition secrets/,
    ));
  it("a deploy while another is IN_PROGRESS", () =>
    attempt({ desiredCount: 3 }, () => ({}), /is busy: deployment ecs-svc\/\d+ is IN_PROGRESS: wait for it to finish/));
  it("ECR tag already pointing to another digest", () =>
    attempt(
      { name: "production" },
      async (seed) => {
        await seed.pushImage("v1.5.0");
        await seed.pushImage(verifiedTag(SHA)); // staging verified another digest for this commit
        return { version: "v1.5.0", publish: undefined };
      },
      /ECR tag fm-auth-service-\w+:v1\.5\.0 already points to sha256:[0-9a-f]{64}, not sha256:[0-9a-f]{64}: released tags never move/,
    ));
  it("promoted digest not in the repository", () =>
    attempt(
      {},
      () => ({ publish: undefined, promoteDigest: `sha256:${"b".repeat(64)}` }),
      /image sha256:b{64} is not in ECR repository/,
    ));
});

it("moto endpoint constant points at loopback", () => {
  expect(new URL(MOTO_ENDPOINT).hostname).toBe("127.0.0.1");
});
