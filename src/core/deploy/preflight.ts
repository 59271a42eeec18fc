import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  type Service,
  type Tag,
  type TaskDefinition,
} from "@aws-sdk/client-ecs";
import { DescribeImagesCommand, DescribeRepositoriesCommand } from "@aws-sdk/client-ecr";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { PreflightError } from "../errors.js";
import type { AwsClients } from "../aws/clients.js";
import { awsErrorText } from "../aws/clients.js";
import { ecrRepositoryOf, type EnvironmentConfig } from "./environments.js";
import { busyReason } from "./deployment-verdict.js";
import { findContainer, imageDigestOf } from "./task-definition.js";
import { runningMigrations } from "./migration.js";

/** What serves now, recorded before any change: the rollback target. */
export interface ServingState {
  readonly service: Service;
  readonly taskDefinition: TaskDefinition;
  readonly taskDefinitionTags: readonly Tag[];
  /** The named container's image, and its digest when it is referenced by digest. */
  readonly image: string | undefined;
  readonly imageDigest: string | undefined;
}

/** Everything preflight learned, all read-only. */
export interface PreflightResult {
  readonly accountId: string;
  readonly serving: ServingState;
  /** `<registry>/<repository>` of the environment's ECR repository. */
  readonly repositoryUri: string;
  /** Digest each requested tag points to now (absent tags are missing). */
  readonly tagDigests: Readonly<Record<string, string>>;
}

/** Options of `preflight`. */
export interface PreflightOptions {
  readonly clients: AwsClients;
  readonly environment: EnvironmentConfig;
  /** Image tags whose current digest to look up. @default [] */
  readonly imageTags?: readonly string[];
  /** Tags that must not point to another digest than `expectedDigest`. @default [] */
  readonly immutableTags?: readonly string[];
  /** Digest that will be deployed, when known before publishing (promote). */
  readonly expectedDigest?: string;
  /** Refuse when a deployment is IN_PROGRESS, several are active, or a migration task still runs. @default true */
  readonly requireIdle?: boolean;
  /**
   * Check that the serving revision has the container and the required secrets. A manual rollback passes false:
   * it validates its target instead, since the serving revision may be the broken one. @default true
   */
  readonly validateServing?: boolean;
  /**
   * Check that the serving revision has the environment's container and required secrets. False when a template
   * gives the next revision (checked on load): the serving one may predate it. @default true
   */
  readonly validateServingContainer?: boolean;
}

/**
 * Checks every precondition with read-only calls: AWS account, ECS service (exists, ACTIVE, ECS controller,
 * idle), the serving task definition (has the container and the required secrets), the ECR repository and tags.
 * @throws PreflightError (one line naming cluster/service and what to do) on the first failed check.
 */
export async function preflight(options: PreflightOptions): Promise<PreflightResult> {
  const { clients, environment: env } = options;
  const where = `${env.cluster}/${env.service}`;

  let accountId: string | undefined;
  try {
    accountId = (await clients.sts.send(new GetCallerIdentityCommand({}))).Account;
  } catch (error) {
    throw new PreflightError(
      `STS GetCallerIdentity failed for ${env.name} (${awsErrorText(error)}): check the AWS credentials, or retry if AWS is throttling`,
    );
  }
  if (accountId !== env.accountId) {
    throw new PreflightError(
      `AWS credentials belong to account ${accountId ?? "unknown"}, but ${env.name} is account ${env.accountId}: use the ${env.name} credentials`,
    );
  }

  let described;
  try {
    described = await clients.ecs.send(
      new DescribeServicesCommand({ cluster: env.cluster, services: [env.service], include: ["TAGS"] }),
    );
  } catch (error) {
    throw new PreflightError(
      `cannot describe ECS service ${where} (${awsErrorText(error)}): check the cluster name in the environments file and the credentials' ecs:DescribeServices permission`,
    );
  }
  const service = described.services?.[0];
  if (!service) {
    throw new PreflightError(
      `ECS service ${where} does not exist (${described.failures?.[0]?.reason ?? "MISSING"}): create it, or fix the environments file`,
    );
  }
  if (service.status !== "ACTIVE")
    throw new PreflightError(
      `ECS service ${where} is ${service.status}, not ACTIVE: recreate the service before deploying`,
    );
  const controller = service.deploymentController?.type ?? "ECS";
  if (controller !== "ECS") {
    throw new PreflightError(
      `ECS service ${where} uses the ${controller} deployment controller; this pipeline rolls out with the ECS controller only: deploy it with its own tooling`,
    );
  }
  const busy = options.requireIdle === false ? undefined : busyReason(service);
  if (busy)
    throw new PreflightError(
      `ECS service ${where} is busy: ${busy}: wait for it to finish (one deploy at a time), then rerun`,
    );
  if (!service.taskDefinition)
    throw new PreflightError(`ECS service ${where} has no task definition: register one and attach it first`);

  let taskDefinition: TaskDefinition | undefined;
  let taskDefinitionTags: Tag[];
  try {
    const out = await clients.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition, include: ["TAGS"] }),
    );
    taskDefinition = out.taskDefinition;
    taskDefinitionTags = out.tags ?? [];
  } catch (error) {
    throw new PreflightError(
      `cannot read task definition ${service.taskDefinition} of ${where} (${awsErrorText(error)}): check ecs:DescribeTaskDefinition permission`,
    );
  }
  if (!taskDefinition)
    throw new PreflightError(
      `task definition ${service.taskDefinition} of ${where} was not found: attach a valid task definition`,
    );
  const container = findContainer(taskDefinition, env.containerName);
  const serving = {
    service,
    taskDefinition,
    taskDefinitionTags,
    image: container?.image,
    imageDigest: imageDigestOf(container?.image),
  };
  if (options.validateServing === false) {
    return {
      accountId,
      serving,
      repositoryUri: "",
      tagDigests: {},
    };
  }
  if (options.requireIdle !== false) {
    let migrations: string[];
    try {
      migrations = await runningMigrations(clients, env.cluster, taskDefinition.family ?? "");
    } catch (error) {
      throw new PreflightError(
        `cannot list migration tasks on ${env.cluster} (${awsErrorText(error)}): check ecs:ListTasks and ecs:DescribeTasks permissions`,
      );
    }
    if (migrations.length > 0)
      throw new PreflightError(
        `a migration task of ${where} is still running (${migrations.join(", ")}): wait for it to stop (or stop it), then rerun`,
      );
  }
  if (options.validateServingContainer !== false) checkServingContainer(taskDefinition, env, where);

  let repositoryUri: string | undefined;
  try {
    repositoryUri = (
      await clients.ecr.send(
        new DescribeRepositoriesCommand({
          repositoryNames: [env.ecrRepository],
          ...(env.ecrRegistryId ? { registryId: env.ecrRegistryId } : {}),
        }),
      )
    ).repositories?.[0]?.repositoryUri;
  } catch (error) {
    throw new PreflightError(
      `ECR repository ${env.ecrRepository} is not readable in ${env.region} (${awsErrorText(error)}): create it or fix ecrRepository in the environments file`,
    );
  }
  if (!repositoryUri)
    throw new PreflightError(`ECR repository ${env.ecrRepository} was not found in ${env.region}: create it first`);

  const tagDigests: Record<string, string> = {};
  for (const tag of options.imageTags ?? []) {
    const digest = await digestOfTag(clients, env, tag);
    if (digest) tagDigests[tag] = digest;
  }
  if (options.expectedDigest) {
    await requireDigestExists(clients, env, options.expectedDigest);
    for (const tag of options.immutableTags ?? []) {
      const current = tagDigests[tag];
      if (current && current !== options.expectedDigest) {
        throw new PreflightError(
          `ECR tag ${env.ecrRepository}:${tag} already points to ${current}, not ${options.expectedDigest}: released tags never move; deploy ${current} or release a new version`,
        );
      }
    }
  }
  return {
    accountId,
    serving,
    repositoryUri,
    tagDigests,
  };
}

async function digestOfTag(clients: AwsClients, env: EnvironmentConfig, tag: string): Promise<string | undefined> {
  try {
    const out = await clients.ecr.send(
      new DescribeImagesCommand({ ...ecrRepositoryOf(env), imageIds: [{ imageTag: tag }] }),
    );
    return out.imageDetails?.[0]?.imageDigest;
  } catch (error) {
    if ((error as Error).name === "ImageNotFoundException") return undefined;
    throw new PreflightError(
      `cannot look up ECR tag ${env.ecrRepository}:${tag} (${awsErrorText(error)}): check ecr:DescribeImages permission`,
    );
  }
}

async function requireDigestExists(clients: AwsClients, env: EnvironmentConfig, digest: string): Promise<void> {
  try {
    await clients.ecr.send(new DescribeImagesCommand({ ...ecrRepositoryOf(env), imageIds: [{ imageDigest: digest }] }));
  } catch (error) {
    if ((error as Error).name === "ImageNotFoundException") {
      throw new PreflightError(
        `image ${digest} is not in ECR repository ${env.ecrRepository}: promote a digest that staging deployed (see its deploy report)`,
      );
    }
    throw new PreflightError(
      `cannot look up image ${digest} in ${env.ecrRepository} (${awsErrorText(error)}): check ecr:DescribeImages permission`,
    );
  }
}

/** The serving revision has the environment's container, with every required secret. @throws PreflightError */
function checkServingContainer(taskDefinition: TaskDefinition, env: EnvironmentConfig, where: string): void {
  const container = findContainer(taskDefinition, env.containerName);
  if (!container) {
    const names = (taskDefinition.containerDefinitions ?? []).map((c) => c.name).join(", ");
    throw new PreflightError(
      `container "${env.containerName}" is not in task definition ${taskDefinition.taskDefinitionArn} of ${where} (it has: ${names}): fix containerName in the environments file`,
    );
  }
  const provided = new Set([
    ...(container.secrets ?? []).map((s) => s.name),
    ...(container.environment ?? []).filter((e) => (e.value ?? "") !== "").map((e) => e.name),
  ]);
  const missingSecrets = env.requiredTaskSecrets.filter((name) => !provided.has(name));
  if (missingSecrets.length > 0) {
    throw new PreflightError(
      `container "${env.containerName}" in ${taskDefinition.taskDefinitionArn} lacks ${missingSecrets.join(", ")}: add them as task definition secrets (Secrets Manager/SSM) before deploying`,
    );
  }
}
