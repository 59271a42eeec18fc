/**
 * Seeds moto (the AWS emulator started by scripts/setup/moto.sh) with what a deploy needs: an ECS cluster, a
 * service on a task definition, an ECR repository with an image. Every seed uses unique names, so test files can
 * share one moto server; `resetMoto` wipes it all.
 */
import { randomBytes } from "node:crypto";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  RegisterTaskDefinitionCommand,
  type ContainerDefinition,
  type DeploymentController,
} from "@aws-sdk/client-ecs";
import { CreateRepositoryCommand, PutImageCommand } from "@aws-sdk/client-ecr";
import { CreateTableCommand, DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { createAwsClients, type AwsClients } from "../../src/core/aws/clients.js";
import type { EnvironmentConfig } from "../../src/core/deploy/environments.js";
import { ec2Value, uniqueImageManifest } from "./moto-fixtures.js";

/** moto's endpoint: AWS_ENDPOINT_URL, else the port moto.sh uses. */
export const MOTO_ENDPOINT = process.env.AWS_ENDPOINT_URL ?? `http://127.0.0.1:${process.env.MOTO_PORT ?? "55000"}`;
/** moto's default account. */
export const MOTO_ACCOUNT = "123456789012";
export const MOTO_REGION = "us-east-1";
/** Credentials moto accepts (it checks none); never real ones. */
export const MOTO_CREDENTIALS = { kind: "static", accessKeyId: "testing", secretAccessKey: "testing" } as const;

/** Throws a clear message when moto is not running, so a missing server is not mistaken for a bug. */
export async function requireMoto(): Promise<void> {
  try {
    await fetch(`${MOTO_ENDPOINT}/moto-api/`, { signal: AbortSignal.timeout(3000) });
  } catch {
    throw new Error(`moto is not answering on ${MOTO_ENDPOINT}: run "bash scripts/setup/moto.sh start" first`);
  }
}

/** Wipes every resource in moto. */
export async function resetMoto(): Promise<void> {
  await fetch(`${MOTO_ENDPOINT}/moto-api/reset`, { method: "POST" });
}

/** Fresh clients on moto with their own call log (`maxAttempts` 1: no SDK retries, for the fuzzer's pace). */
export function motoClients(options: { maxAttempts?: number } = {}): Promise<AwsClients> {
  return createAwsClients({ region: MOTO_REGION, credentials: MOTO_CREDENTIALS, endpoint: MOTO_ENDPOINT, ...options });
}

export { ec2Value, uniqueImageManifest };

/** The deploy lock table the seeded environments use (created on first use, shared: one item per service). */
export const LOCK_TABLE = "faultmaven-deploy-locks";

/** Creates the lock table (partition key `lockId`, a string) unless it exists: the documented layout. */
export async function ensureLockTable(clients: AwsClients): Promise<void> {
  try {
    await clients.dynamodb.send(new DescribeTableCommand({ TableName: LOCK_TABLE }));
  } catch {
    await clients.dynamodb
      .send(
        new CreateTableCommand({
          TableName: LOCK_TABLE,
          AttributeDefinitions: [{ AttributeName: "lockId", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "lockId", KeyType: "HASH" }],
          BillingMode: "PAY_PER_REQUEST",
        }),
      )
      .catch((error: Error) => {
        if (error.name !== "ResourceInUseException") throw error; // another test file created it meanwhile
      });
  }
}

/** What `seedEnvironment` created. */
export interface Seeded {
  readonly environment: EnvironmentConfig;
  readonly taskDefinitionArn: string;
  /** Digest of an image pushed to the repository, ready to promote. */
  readonly imageDigest: string;
  readonly repositoryUri: string;
  /** Pushes another distinct image (a "build") and returns its digest. */
  readonly pushImage: (tag?: string) => Promise<string>;
}

/** Options of `seedEnvironment`. */
export interface SeedOptions {
  /** `staging` or `production` rules. @default "staging" */
  readonly name?: "staging" | "production";
  /** Desired tasks; moto reports 2 running (MOTO_ECS_SERVICE_RUNNING), so 3 leaves the rollout IN_PROGRESS. @default 2 */
  readonly desiredCount?: number;
  /** @default { type: "ECS" } */
  readonly deploymentController?: DeploymentController;
  /** Containers of the first task definition. @default one container named like the environment's */
  readonly containers?: ContainerDefinition[];
  /** Skip creating the service. @default false */
  readonly withoutService?: boolean;
  /** Account id the environment expects. @default MOTO_ACCOUNT */
  readonly accountId?: string;
  /** Base URL used as publicUrl. @default https://auth-staging.example.test */
  readonly publicUrl?: string;
  /** Use the deploy lock table LOCK_TABLE. @default true */
  readonly lock?: boolean;
}

/** Creates a uniquely named cluster, task definition, service and ECR repository, and the matching environment. */
export async function seedEnvironment(options: SeedOptions = {}): Promise<Seeded> {
  const clients = await motoClients();
  const id = randomBytes(4).toString("hex");
  const name = options.name ?? "staging";
  const cluster = `fm-${name}-${id}`;
  const service = "auth-service";
  const containerName = "auth-service";
  const repository = `fm-auth-service-${id}`;
  const repo = await clients.ecr.send(new CreateRepositoryCommand({ repositoryName: repository }));
  const repositoryUri = repo.repository?.repositoryUri as string;
  const pushImage = async (tag?: string) => {
    const manifest = uniqueImageManifest();
    const out = await clients.ecr.send(
      new PutImageCommand({ repositoryName: repository, imageManifest: manifest, ...(tag ? { imageTag: tag } : {}) }),
    );
    return out.image?.imageId?.imageDigest as string;
  };
  const initialDigest = await pushImage("initial");
  await clients.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  const containers = options.containers ?? [
    {
      name: containerName,
      image: `${repositoryUri}@${initialDigest}`,
      essential: true,
      memory: 512,
      environment: [{ name: "ENVIRONMENT", value: name }],
      secrets: ["DATABASE_URL", "REDIS_URL", "JWT_SECRET_KEY"].map((s) => ({
        name: s,
        valueFrom: `arn:aws:secretsmanager:${MOTO_REGION}:${MOTO_ACCOUNT}:secret:${s}`,
      })),
    },
  ];
  const td = await clients.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: `auth-service-${id}`,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      containerDefinitions: containers,
    }),
  );
  const taskDefinitionArn = td.taskDefinition?.taskDefinitionArn as string;
  if (!options.withoutService) {
    const subnet = await ec2Value(MOTO_ENDPOINT, MOTO_REGION, "DescribeSubnets", "subnetId");
    const group = await ec2Value(MOTO_ENDPOINT, MOTO_REGION, "DescribeSecurityGroups", "groupId");
    await clients.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: service,
        taskDefinition: taskDefinitionArn,
        desiredCount: options.desiredCount ?? 2,
        launchType: "FARGATE",
        networkConfiguration: {
          awsvpcConfiguration: { subnets: [subnet], securityGroups: [group], assignPublicIp: "DISABLED" },
        },
        ...(options.deploymentController ? { deploymentController: options.deploymentController } : {}),
      }),
    );
  }
  const environment: EnvironmentConfig = {
    name,
    region: MOTO_REGION,
    accountId: options.accountId ?? MOTO_ACCOUNT,
    cluster,
    service,
    containerName,
    ecrRepository: repository,
    publicUrl: options.publicUrl ?? "https://auth-staging.example.test",
    taskEnvironment: { ENVIRONMENT: name, LOG_LEVEL: name === "production" ? "INFO" : "DEBUG" },
    requiredTaskSecrets: ["DATABASE_URL", "REDIS_URL", "JWT_SECRET_KEY"],
    versionTagRequired: name === "production",
    allowPrerelease: name !== "production",
    deployFrom: name === "production" ? "tag" : "main",
    ...(options.lock === false ? {} : { lockTable: LOCK_TABLE }),
  };
  if (options.lock !== false) await ensureLockTable(clients);
  clients.ecs.destroy();
  clients.dynamodb.destroy();
  return { environment, taskDefinitionArn, imageDigest: await pushImage(), repositoryUri, pushImage };
}

/** The service as moto holds it now, read by an unrecorded client (for end-state assertions). */
export async function serviceNow(environment: EnvironmentConfig) {
  const clients = await motoClients();
  try {
    return (
      await clients.ecs.send(
        new DescribeServicesCommand({ cluster: environment.cluster, services: [environment.service] }),
      )
    ).services?.[0];
  } finally {
    clients.ecs.destroy();
  }
}
