/**
 * What the CD end-to-end suites (client mode, tests/e2e, and module mode, tests/module) run beside the engine:
 * a private moto seeded with the staging environment of dagger/environments.json, the local registry's images
 * run with `docker run`, Postgres/Redis for them, and an HTTP server that records what it is sent (the Slack
 * webhook stand-in). Nothing here imports src/: module-mode tests must reach the module only through the engine.
 *
 * The module's CD functions read dagger/environments.json, so the staging names are fixed (cluster
 * faultmaven-staging, service auth-service, ECR repository fm-auth-service-enterprise). A private moto per test
 * file keeps those fixed names from colliding with other users of the shared moto on 55000 and between runs.
 *
 * Addresses: client-mode tests use loopback. In module mode the module's code runs in a container on the
 * engine's bridge, where loopback is that container itself, so what it must reach (moto, the smoke target, the
 * webhook) listens on the bridge's host address ({@link engineBridgeAddress}) instead: the rig's own network.
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
  ECSClient,
  RegisterTaskDefinitionCommand,
} from "@aws-sdk/client-ecs";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";

import { ROOT } from "../e2e/support/session.js";
import { startEcrRegistry, type EcrRegistryStandIn } from "./ecr-registry.js";
import { ec2Value, uniqueImageManifest } from "./moto-fixtures.js";

const run = promisify(execFile);

export { engineBridgeAddress } from "./rig-network.js";

/** The names a deploy's preflight looks for, as a descriptors file gives them for one environment. */
export interface SeedEnvironment {
  region: string;
  accountId: string;
  cluster: string;
  service: string;
  containerName: string;
  ecrRepository: string;
  requiredTaskSecrets: string[];
  desiredCount?: number;
  lockTable?: string;
}

/** The staging environment of an environments file (the module reads dagger/environments.json by default). */
export function stagingOf(environmentsFile: string): SeedEnvironment {
  return JSON.parse(readFileSync(environmentsFile, "utf8")).staging as SeedEnvironment;
}

/** The staging environment exactly as dagger/environments.json names it (the module's default descriptors). */
export const STAGING = stagingOf(join(ROOT, "dagger", "environments.json"));

/** The rig's local registry: the pipeline images, and where the ECR stand-in (ecr-registry.ts) stores pushes. */
export const LOCAL_REGISTRY = process.env.RIG_REGISTRY ?? "127.0.0.1:5000";

/** A random 40-hex git sha, so every run publishes under a fresh staging-<sha> tag. */
export function randomSha(): string {
  return randomBytes(20).toString("hex");
}

/** A free TCP port on `host` (bound then released). */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, host, () => {
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

/** A moto server of this test file, on its own port. */
export interface PrivateMoto {
  readonly endpoint: string;
  /** ECS and ECR clients on this moto (any credentials are accepted by moto); destroy them after use. */
  clients(): { ecs: ECSClient; ecr: ECRClient; destroy(): void };
  stop(): Promise<void>;
}

/**
 * Starts moto from the venv that scripts/setup/moto.sh installs, with the same ECS behaviour setting
 * (MOTO_ECS_SERVICE_RUNNING=2: a service of 2 desired tasks settles), on a free port of `host`: loopback for
 * client mode, the engine bridge's address when the module's own container must reach it (module mode).
 */
export async function startPrivateMoto(host = "127.0.0.1"): Promise<PrivateMoto> {
  const venv = join(process.env.PIPELINE_CACHE ?? "/var/cache/faultmaven-pipeline", "moto-venv");
  const binary = join(venv, "bin", "moto_server");
  if (!existsSync(binary))
    throw new Error(`moto is not installed at ${binary}: run "bash scripts/setup/moto.sh start" once first`);
  const port = await freePort(host);
  const endpoint = `http://${host}:${port}`;
  let output = "";
  const child: ChildProcess = spawn(binary, ["-H", host, "-p", String(port)], {
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
    clients: () => {
      const config = {
        region: STAGING.region,
        endpoint,
        credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
      };
      const ecs = new ECSClient(config);
      const ecr = new ECRClient(config);
      return {
        ecs,
        ecr,
        destroy: () => {
          ecs.destroy();
          ecr.destroy();
        },
      };
    },
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
 * Creates, in `moto`, a staging environment (default: dagger/environments.json's) as a deploy's preflight expects
 * it: the ECR repository with one image, the cluster, a task definition of family `service` whose container is
 * named like the environment's and carries its required secrets, and a FARGATE service of 2 tasks on it.
 */
export async function seedStaging(moto: PrivateMoto, env: SeedEnvironment = STAGING): Promise<SeededStaging> {
  const clients = moto.clients();
  try {
    const repo = await clients.ecr.send(new CreateRepositoryCommand({ repositoryName: env.ecrRepository }));
    const repositoryUri = repo.repository?.repositoryUri as string;
    const manifest = uniqueImageManifest();
    const pushed = await clients.ecr.send(
      new PutImageCommand({ repositoryName: env.ecrRepository, imageManifest: manifest, imageTag: "initial" }),
    );
    const initialDigest = pushed.image?.imageId?.imageDigest as string;
    await clients.ecs.send(new CreateClusterCommand({ clusterName: env.cluster }));
    if (env.lockTable) await createLockTable(moto.endpoint, env.lockTable);
    const td = await clients.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: env.service,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "256",
        memory: "512",
        containerDefinitions: [
          {
            name: env.containerName,
            image: `${repositoryUri}@${initialDigest}`,
            essential: true,
            memory: 512,
            environment: [{ name: "ENVIRONMENT", value: "staging" }],
            secrets: env.requiredTaskSecrets.map((s) => ({
              name: s,
              valueFrom: `arn:aws:secretsmanager:${env.region}:${env.accountId}:secret:${s}`,
            })),
          },
        ],
      }),
    );
    const taskDefinitionArn = td.taskDefinition?.taskDefinitionArn as string;
    const subnet = await ec2Value(moto.endpoint, env.region, "DescribeSubnets", "subnetId");
    const group = await ec2Value(moto.endpoint, env.region, "DescribeSecurityGroups", "groupId");
    await clients.ecs.send(
      new CreateServiceCommand({
        cluster: env.cluster,
        serviceName: env.service,
        taskDefinition: taskDefinitionArn,
        desiredCount: env.desiredCount ?? 2,
        launchType: "FARGATE",
        networkConfiguration: {
          awsvpcConfiguration: { subnets: [subnet], securityGroups: [group], assignPublicIp: "DISABLED" },
        },
      }),
    );
    return { taskDefinitionArn, repositoryUri };
  } finally {
    clients.destroy();
  }
}

/**
 * Staging's AWS as every CD suite needs it: a private moto seeded with staging (the repository a push goes to must
 * exist, as in ECR), and the ECR registry stand-in that registers each push in that moto. `host` is where moto
 * listens (the bridge in module mode).
 */
export interface StagingAws {
  readonly moto: PrivateMoto;
  readonly seeded: SeededStaging;
  readonly ecrRegistry: EcrRegistryStandIn;
  stop(): Promise<void>;
}

export async function startStagingAws(host?: string): Promise<StagingAws> {
  const moto = await startPrivateMoto(host);
  try {
    const seeded = await seedStaging(moto);
    const ecrRegistry = await startEcrRegistry(moto.endpoint, STAGING.region);
    return {
      moto,
      seeded,
      ecrRegistry,
      stop: async () => {
        await ecrRegistry.close();
        await moto.stop();
      },
    };
  } catch (error) {
    await moto.stop();
    throw error;
  }
}

/** The staging service as moto holds it now, and the image its serving task definition names. */
export async function stagingServiceNow(moto: PrivateMoto, env: SeedEnvironment = STAGING) {
  const clients = moto.clients();
  try {
    const service = (
      await clients.ecs.send(new DescribeServicesCommand({ cluster: env.cluster, services: [env.service] }))
    ).services?.[0];
    const definition = service?.taskDefinition
      ? (await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition })))
          .taskDefinition
      : undefined;
    return { service, definition };
  } finally {
    clients.destroy();
  }
}

/** The digest a tag names in the environment's ECR repository in moto, or undefined when no image has it. */
export async function ecrDigestOfTag(
  moto: PrivateMoto,
  tag: string,
  env: SeedEnvironment = STAGING,
): Promise<string | undefined> {
  const clients = moto.clients();
  try {
    const out = await clients.ecr.send(
      new DescribeImagesCommand({ repositoryName: env.ecrRepository, imageIds: [{ imageTag: tag }] }),
    );
    return out.imageDetails?.[0]?.imageDigest;
  } catch (error) {
    if ((error as Error).name === "ImageNotFoundException") return undefined;
    throw error;
  } finally {
    clients.destroy();
  }
}

/** The deploy lock's DynamoDB table, as docs/deploy.md tells a team to create it. */
async function createLockTable(endpoint: string, table: string): Promise<void> {
  const dynamodb = new DynamoDBClient({
    region: STAGING.region,
    endpoint,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "lockId", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "lockId", KeyType: "HASH" }],
      }),
    );
  } catch (error) {
    // One table serves every service of an account: a second seeded service finds it there.
    if ((error as Error).name !== "ResourceInUseException") throw error;
  } finally {
    dynamodb.destroy();
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

/**
 * Ports of the CD e2e tests' own pair, apart from the pair other suites start and stop on 55432/56379. Below the
 * kernel's ephemeral range (32768-60999): started mid-run, a port in it can be held by an outgoing connection.
 */
const E2E_PG_PORT = "25442";
const E2E_REDIS_PORT = "26389";

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
 * `docker run`s the image by reference in the host's network namespace, uvicorn bound to <host>:<free port>,
 * with the loopback Postgres/Redis and a random JWT secret, and waits until /health answers.
 * @param databases Where the service's DATABASE_URL and REDIS_URL point (from {@link startLoopbackDatabases}).
 * @param host Loopback, or the engine bridge's address for a module-mode smoke check.
 * @param appFactory The service's uvicorn factory (another service has another package).
 */
export async function runServiceImage(
  reference: string,
  databases: Pick<LoopbackDatabases, "databaseUrl" | "redisUrl">,
  host = "127.0.0.1",
  appFactory = "enterprise.main:create_app",
): Promise<RunningService> {
  const port = await freePort(host);
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
    appFactory,
    "--host",
    host,
    "--port",
    String(port),
  ]);
  const url = `http://${host}:${port}`;
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

/** An HTTP server on `host` that answers 200 "ok" and records every request (the Slack webhook stand-in). */
export async function startRecorder(host = "127.0.0.1"): Promise<{
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
  await new Promise<void>((r) => server.listen(0, host, r));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://${host}:${port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
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
