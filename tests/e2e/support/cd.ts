/**
 * Helpers of the CD end-to-end tests (publish, deploy, secrets): a private moto server seeded with the staging
 * environment of dagger/environments.json, the local registry's images run on loopback with `docker run`, and a
 * loopback HTTP server that records what it is sent (the Slack webhook stand-in).
 *
 * The module's CD functions read dagger/environments.json, so the staging names are fixed (cluster
 * faultmaven-staging, service auth-service, ECR repository fm-auth-service-enterprise). A private moto per test
 * file keeps those fixed names from colliding with other users of the shared moto on 55000 and between runs.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { createServer as createNetServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";

import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
} from "@aws-sdk/client-ecs";
import { CreateRepositoryCommand, PutImageCommand } from "@aws-sdk/client-ecr";

import { dag, type Secret } from "@dagger.io/dagger";

import { createAwsClients, destroyAwsClients, type AwsClients } from "../../../src/core/aws/clients.js";
import type { DeployReport } from "../../../src/core/deploy/report.js";
import type { FaultmavenAuthPipeline } from "../../../src/index.js";
import { ec2Value, uniqueImageManifest } from "../../support/moto.js";
import { pipelineFor } from "./pipeline.js";
import { ROOT, rigImages } from "./session.js";

const run = promisify(execFile);

/** The staging environment exactly as dagger/environments.json names it (the module reads that file). */
export const STAGING = JSON.parse(readFileSync(join(ROOT, "dagger", "environments.json"), "utf8")).staging as {
  region: string;
  accountId: string;
  cluster: string;
  service: string;
  containerName: string;
  ecrRepository: string;
  requiredTaskSecrets: string[];
};

/** The local registry that stands in for ECR (the functions' `registry` argument). */
export const LOCAL_REGISTRY = process.env.RIG_REGISTRY ?? "127.0.0.1:5000";

/** A random 40-hex git sha, so every run publishes under a fresh staging-<sha> tag. */
export function randomSha(): string {
  return randomBytes(20).toString("hex");
}

/** A free TCP port on loopback (bound then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>, why: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${what} did not come up within ${timeoutMs / 1000} s: ${why()}`);
}

/** A moto server of this test file, on its own loopback port. */
export interface PrivateMoto {
  readonly endpoint: string;
  /** Clients on this moto with their own call log (any credentials are accepted by moto). */
  clients(): Promise<AwsClients>;
  stop(): Promise<void>;
}

/**
 * Starts moto from the venv that scripts/setup/moto.sh installs, with the same ECS behaviour setting
 * (MOTO_ECS_SERVICE_RUNNING=2: a service of 2 desired tasks settles), on a free loopback port.
 */
export async function startPrivateMoto(): Promise<PrivateMoto> {
  const venv = join(process.env.PIPELINE_CACHE ?? "/var/cache/faultmaven-pipeline", "moto-venv");
  const binary = join(venv, "bin", "moto_server");
  if (!existsSync(binary))
    throw new Error(`moto is not installed at ${binary}: run "bash scripts/setup/moto.sh start" once first`);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let output = "";
  const child: ChildProcess = spawn(binary, ["-H", "127.0.0.1", "-p", String(port)], {
    env: { ...process.env, MOTO_ECS_SERVICE_RUNNING: "2" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  await waitFor(
    `moto on ${endpoint}`,
    30_000,
    async () => (await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) })).ok,
    () => output.slice(-500),
  );
  return {
    endpoint,
    clients: () =>
      createAwsClients({
        region: STAGING.region,
        credentials: { kind: "static", accessKeyId: "testing", secretAccessKey: "testing" },
        endpoint,
      }),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** What {@link seedStaging} created. */
export interface SeededStaging {
  /** The first revision the service runs (the rollback target of the first deploy). */
  readonly taskDefinitionArn: string;
  readonly repositoryUri: string;
}

/**
 * Creates, in `moto`, the staging environment of dagger/environments.json as a deploy's preflight expects it:
 * the ECR repository with one image, the cluster, a task definition whose container is named like the
 * environment's and carries its required secrets, and a FARGATE service of 2 tasks on it.
 */
export async function seedStaging(moto: PrivateMoto): Promise<SeededStaging> {
  const clients = await moto.clients();
  try {
    const repo = await clients.ecr.send(new CreateRepositoryCommand({ repositoryName: STAGING.ecrRepository }));
    const repositoryUri = repo.repository?.repositoryUri as string;
    const manifest = uniqueImageManifest();
    const pushed = await clients.ecr.send(
      new PutImageCommand({ repositoryName: STAGING.ecrRepository, imageManifest: manifest, imageTag: "initial" }),
    );
    const initialDigest = pushed.image?.imageId?.imageDigest as string;
    await clients.ecs.send(new CreateClusterCommand({ clusterName: STAGING.cluster }));
    const td = await clients.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: STAGING.service,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "256",
        memory: "512",
        containerDefinitions: [
          {
            name: STAGING.containerName,
            image: `${repositoryUri}@${initialDigest}`,
            essential: true,
            memory: 512,
            environment: [{ name: "ENVIRONMENT", value: "staging" }],
            secrets: STAGING.requiredTaskSecrets.map((s) => ({
              name: s,
              valueFrom: `arn:aws:secretsmanager:${STAGING.region}:${STAGING.accountId}:secret:${s}`,
            })),
          },
        ],
      }),
    );
    const taskDefinitionArn = td.taskDefinition?.taskDefinitionArn as string;
    const subnet = await ec2Value(moto.endpoint, STAGING.region, "DescribeSubnets", "subnetId");
    const group = await ec2Value(moto.endpoint, STAGING.region, "DescribeSecurityGroups", "groupId");
    await clients.ecs.send(
      new CreateServiceCommand({
        cluster: STAGING.cluster,
        serviceName: STAGING.service,
        taskDefinition: taskDefinitionArn,
        desiredCount: 2,
        launchType: "FARGATE",
        networkConfiguration: {
          awsvpcConfiguration: { subnets: [subnet], securityGroups: [group], assignPublicIp: "DISABLED" },
        },
      }),
    );
    return { taskDefinitionArn, repositoryUri };
  } finally {
    destroyAwsClients(clients);
  }
}

/** The staging service as moto holds it now, and the image its serving task definition names. */
export async function stagingServiceNow(moto: PrivateMoto) {
  const clients = await moto.clients();
  try {
    const service = (
      await clients.ecs.send(new DescribeServicesCommand({ cluster: STAGING.cluster, services: [STAGING.service] }))
    ).services?.[0];
    const definition = service?.taskDefinition
      ? (await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition })))
          .taskDefinition
      : undefined;
    return { service, definition };
  } finally {
    destroyAwsClients(clients);
  }
}

/** Runs the docker CLI against the rig's daemon; returns stdout. */
export async function docker(args: string[], options: { maxBuffer?: number } = {}): Promise<string> {
  try {
    const { stdout } = await run("docker", args, { maxBuffer: options.maxBuffer ?? 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`docker ${args.slice(0, 3).join(" ")} failed: ${(e.stderr ?? e.message).trim().slice(-800)}`, {
      cause: error,
    });
  }
}

/** Pulls `reference` and returns the repo digest docker resolved it to (`repo@sha256:...`). */
export async function pulledRepoDigest(reference: string): Promise<string> {
  await docker(["pull", "--quiet", reference]);
  return (await docker(["inspect", "--format", "{{index .RepoDigests 0}}", reference])).trim();
}

/** Postgres and Redis on loopback for the containers these tests run. */
export interface LoopbackDatabases {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  stop(): Promise<void>;
}

/** Ports of the CD e2e tests' own pair, apart from the pair other suites start and stop on 55432/56379. */
const E2E_PG_PORT = "55442";
const E2E_REDIS_PORT = "56389";

/**
 * Starts (idempotently) a Postgres 15 + Redis 7 pair with scripts/setup/postgres-redis.sh on ports of their own,
 * so other suites stopping the default pair cannot take the smoke target's databases away mid-test.
 */
export async function startLoopbackDatabases(): Promise<LoopbackDatabases> {
  const script = join(ROOT, "scripts", "setup", "postgres-redis.sh");
  const env = { ...process.env, PG_PORT: E2E_PG_PORT, REDIS_PORT: E2E_REDIS_PORT };
  const { stdout } = await run("bash", [script, "start"], { env, timeout: 180_000 });
  const value = (key: string) => {
    const found = new RegExp(`^${key}=(.+)$`, "m").exec(stdout)?.[1];
    if (!found) throw new Error(`postgres-redis.sh start printed no ${key}: ${stdout.slice(0, 300)}`);
    return found.trim();
  };
  return {
    databaseUrl: value("DATABASE_URL"),
    redisUrl: value("REDIS_URL"),
    async stop() {
      await run("bash", [script, "stop"], { env, timeout: 60_000 });
    },
  };
}

/** A container of a published image serving on loopback. */
export interface RunningService {
  readonly url: string;
  readonly name: string;
  logs(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * `docker run`s the image by reference in the host's network namespace, uvicorn bound to 127.0.0.1:<free port>,
 * with the loopback Postgres/Redis and a random JWT secret, and waits until /health answers.
 * @param databases Where the service's DATABASE_URL and REDIS_URL point (from {@link startLoopbackDatabases}).
 */
export async function runServiceImage(
  reference: string,
  databases: Pick<LoopbackDatabases, "databaseUrl" | "redisUrl">,
): Promise<RunningService> {
  const port = await freePort();
  const name = `fm-e2e-${randomBytes(4).toString("hex")}`;
  const { databaseUrl, redisUrl } = databases;
  await docker([
    "run",
    "--detach",
    "--name",
    name,
    "--network",
    "host",
    "--env",
    "ENVIRONMENT=staging",
    "--env",
    `DATABASE_URL=${databaseUrl}`,
    "--env",
    `REDIS_URL=${redisUrl}`,
    "--env",
    `JWT_SECRET_KEY=${randomBytes(36).toString("base64url")}`,
    reference,
    "uvicorn",
    "--factory",
    "enterprise.main:create_app",
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
  ]);
  const url = `http://127.0.0.1:${port}`;
  const logs = () => docker(["logs", name]).catch((e: Error) => e.message);
  let lastLogs = "";
  try {
    await waitFor(
      `${reference} on ${url}`,
      60_000,
      async () => {
        const ok = (await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).ok;
        if (!ok) lastLogs = await logs();
        return ok;
      },
      () => lastLogs.slice(-800),
    );
  } catch (error) {
    lastLogs = await logs();
    await docker(["rm", "--force", name]).catch(() => "");
    throw new Error(`${(error as Error).message}\n${lastLogs.slice(-800)}`, { cause: error });
  }
  return {
    url,
    name,
    logs,
    async stop() {
      await docker(["rm", "--force", name]).catch(() => "");
    },
  };
}

/** What the recording server received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly body: string;
}

/** A loopback HTTP server that answers 200 "ok" and records every request (the Slack webhook stand-in). */
export async function startRecorder(): Promise<{
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", path: req.url ?? "", body: Buffer.concat(chunks).toString() });
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/*
 * The module's class for the CD tests: the rig's images plus, when the rig has it, the Trivy vulnerability-DB
 * stand-in (images.json `trivyDb`, a DB with no advisories on the local registry). Without it every image scan
 * fails as "the scanner failed" (the real DB is unreachable here), so publish and deploy stop before any push.
 */

/** The vulnerability-DB repository the rig publishes, or undefined when it has none (yet). */
export function rigTrivyDb(): string | undefined {
  const images = rigImages() as unknown as Record<string, string | undefined>;
  return images.trivyDb || undefined;
}

/** `pipelineFor(dir)` with the rig's Trivy DB stand-in when there is one. */
export function cdPipelineFor(dir: string): FaultmavenAuthPipeline {
  const trivyDbRepository = rigTrivyDb();
  return pipelineFor(dir, trivyDbRepository ? { trivyDbRepository } : {});
}

/** Dagger Secrets for static AWS keys (moto accepts any); names are unique per call so values never clash. */
export function awsKeySecrets(prefix: string, values: { id: string; secret: string; session?: string }) {
  return {
    awsAccessKeyId: dag.setSecret(`${prefix}-aws-access-key-id`, values.id),
    awsSecretAccessKey: dag.setSecret(`${prefix}-aws-secret-access-key`, values.secret),
    ...(values.session !== undefined
      ? { awsSessionToken: dag.setSecret(`${prefix}-aws-session-token`, values.session) }
      : {}),
  };
}

/** The error a call fails with (it must fail). */
export async function failureOf(call: () => Promise<unknown>): Promise<Error> {
  try {
    await call();
  } catch (error) {
    return error as Error;
  }
  throw new Error("the call succeeded but was expected to fail");
}

/** AWS access as the CD functions take it: Secrets, a role, an endpoint. */
export interface AwsSecretArgs {
  awsAccessKeyId?: Secret;
  awsSecretAccessKey?: Secret;
  awsSessionToken?: Secret;
  awsRoleArn?: string;
  awsWebIdentityToken?: Secret;
  awsEndpointUrl?: string;
}

/** `publish` with named arguments (as `dagger call publish --env=... --git-sha=...` names them). */
export function callPublish(
  pipeline: FaultmavenAuthPipeline,
  args: AwsSecretArgs & { env: string; version?: string; gitSha?: string; registry?: string },
): Promise<string> {
  return pipeline.publish(
    args.env,
    args.version,
    args.gitSha,
    args.awsAccessKeyId,
    args.awsSecretAccessKey,
    args.awsSessionToken,
    args.awsRoleArn,
    args.awsWebIdentityToken,
    args.awsEndpointUrl,
    args.registry,
  );
}

/** `deploy` with named arguments. */
export function callDeploy(
  pipeline: FaultmavenAuthPipeline,
  args: AwsSecretArgs & {
    env: string;
    version?: string;
    gitSha?: string;
    gitRef?: string;
    promoteDigest?: string;
    migration?: string;
    slackWebhook?: Secret;
    smokeUrl?: string;
    rolloutTimeoutSeconds?: number;
    migrationTimeoutSeconds?: number;
    registry?: string;
  },
): Promise<string> {
  return pipeline.deploy(
    args.env,
    args.version,
    args.gitSha,
    args.gitRef,
    args.promoteDigest,
    args.migration,
    args.awsAccessKeyId,
    args.awsSecretAccessKey,
    args.awsSessionToken,
    args.awsRoleArn,
    args.awsWebIdentityToken,
    args.awsEndpointUrl,
    args.slackWebhook,
    args.smokeUrl,
    args.rolloutTimeoutSeconds,
    args.migrationTimeoutSeconds,
    args.registry,
  );
}

/** `rollback` with named arguments. */
export function callRollback(
  pipeline: FaultmavenAuthPipeline,
  args: AwsSecretArgs & { env: string; to?: string; slackWebhook?: Secret; smokeUrl?: string; timeoutSeconds?: number },
): Promise<string> {
  return pipeline.rollback(
    args.env,
    args.to,
    args.awsAccessKeyId,
    args.awsSecretAccessKey,
    args.awsSessionToken,
    args.awsRoleArn,
    args.awsWebIdentityToken,
    args.awsEndpointUrl,
    args.slackWebhook,
    args.smokeUrl,
    args.timeoutSeconds,
  );
}

/** The JSON deploy report a failed deploy/rollback carries after its one-line summary. */
export function reportInError(error: Error): DeployReport {
  const json = error.message.slice(error.message.indexOf("\n") + 1);
  try {
    return JSON.parse(json) as DeployReport;
  } catch (cause) {
    throw new Error(`the error carries no JSON report: ${error.message.slice(0, 500)}`, { cause });
  }
}

/**
 * The engine container's own log (stdout and stderr) since `since`: the engine's output of every session in that
 * window (the session CLI's LogOutput only carries its connection lines).
 */
export async function engineContainerLog(since: Date): Promise<string> {
  const runner = process.env._EXPERIMENTAL_DAGGER_RUNNER_HOST ?? "";
  const container = /^docker-container:\/\/(.+)$/.exec(runner)?.[1];
  if (!container) throw new Error(`_EXPERIMENTAL_DAGGER_RUNNER_HOST=${runner} names no docker container engine`);
  const { stdout, stderr } = await run("docker", ["logs", "--since", since.toISOString(), container], {
    maxBuffer: 512 * 1024 * 1024,
  });
  return `${stdout}${stderr}`;
}
