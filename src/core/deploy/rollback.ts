import { DescribeServicesCommand, DescribeTaskDefinitionCommand, type TaskDefinition } from "@aws-sdk/client-ecs";
import { PreflightError, RollbackFailedError, SettingsError } from "../errors.js";
import type { AwsClients } from "../aws/clients.js";
import { awsErrorText } from "../aws/clients.js";
import type { BackoffOptions, Clock } from "./backoff.js";
import { judgeDeployment } from "./deployment-verdict.js";
import { startRollout, waitForDeployment, type WaitResult } from "./rollout.js";
import type { RollbackReport } from "./report.js";
import type { ServiceEvent } from "@aws-sdk/client-ecs";

/** Tag on each revision this pipeline registers: the task definition that served before it (fallback target). */
export const PREVIOUS_TAG = "faultmaven:previous-task-definition";
/** Service tags written once ECS accepted a deploy's UpdateService: what it rolled out, and what served before. */
export const LAST_DEPLOY_TAG = "faultmaven:last-deploy";
export const LAST_DEPLOY_PREVIOUS_TAG = "faultmaven:last-deploy-previous";

/** Why a rollback was taken: what was observed, never guessed. */
export type RollbackCause =
  "circuit-breaker" | "deployment-failed" | "replaced" | "service-gone" | "timeout" | "smoke" | "wait-error" | "manual";

/** Options of `rollBackService`. */
export interface RollBackOptions {
  readonly clients: AwsClients;
  readonly cluster: string;
  readonly service: string;
  /** ARN to return to. */
  readonly taskDefinitionArn: string;
  /** Task count to restore with the revision (the deploy changed it). @default unchanged */
  readonly desiredCount?: number;
  readonly reason: string;
  /** What was observed; only `circuit-breaker` lets an ECS rollback already in place stand without UpdateService. */
  readonly cause: RollbackCause;
  readonly timeoutMs?: number;
  readonly backoff?: BackoffOptions;
  readonly clock: Clock;
  readonly onEvent: (event: ServiceEvent) => void;
  readonly seenEventIds?: Set<string>;
}

/**
 * Brings the service back to `taskDefinitionArn` and waits until that is steady. When ECS's circuit breaker
 * already rolled back, it only waits and verifies (no second UpdateService).
 * Returns the rollback report entry and the wait statistics; never throws (a failed rollback is reported).
 */
export async function rollBackService(
  options: RollBackOptions,
): Promise<{ rollback: RollbackReport; wait?: WaitResult }> {
  const { clients, cluster, service, taskDefinitionArn, reason, cause } = options;
  let deploymentId: string | undefined;
  let by: "pipeline" | "circuit-breaker" = "pipeline";
  const entry = () => ({ taken: true, reason, cause, toTaskDefinition: taskDefinitionArn, by });
  try {
    if (cause === "circuit-breaker") {
      // Observed: ECS rolled our deployment back. Verify it landed on the recorded revision rather than redo it.
      const now = (await clients.ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services?.[0];
      const primary = now?.deployments?.find((d) => d.status === "PRIMARY");
      if (now?.taskDefinition === taskDefinitionArn && primary?.id) {
        by = "circuit-breaker";
        deploymentId = primary.id;
        if (judgeDeployment(now, deploymentId, taskDefinitionArn).state === "steady")
          return { rollback: { ...entry(), deploymentId, succeeded: true } };
      }
    }
    deploymentId ??= await startRollout({ clients, cluster, service }, taskDefinitionArn, options.desiredCount);
    const wait = await waitForDeployment({ ...options, deploymentId, taskDefinitionArn });
    return { rollback: { ...entry(), deploymentId, succeeded: true }, wait };
  } catch (error) {
    const failure = new RollbackFailedError(
      `rollback of ${cluster}/${service} to ${taskDefinitionArn} did not become steady (${(error as Error).message.split("\n")[0]}): inspect the service now, it may be serving neither revision`,
    );
    return {
      rollback: { ...entry(), ...(deploymentId ? { deploymentId } : {}), succeeded: false, error: failure.message },
    };
  }
}

/**
 * Resolves a manual rollback target: `previous` (the revision that served before the last deploy, read from the
 * serving revision's PREVIOUS_TAG), a revision number of the same family, `family:N`, or a task definition ARN.
 * @throws SettingsError for a malformed target, PreflightError when it does not exist or lacks the container.
 */
export async function resolveRollbackTarget(input: {
  readonly clients: AwsClients;
  readonly serving: TaskDefinition;
  readonly servingTags: readonly { key?: string; value?: string }[];
  /** The service's tags: LAST_DEPLOY_PREVIOUS_TAG says what served before the last deploy. */
  readonly serviceTags: readonly { key?: string; value?: string }[];
  readonly target: string;
  readonly containerName: string;
  readonly requiredSecrets: readonly string[];
  readonly where: string;
}): Promise<TaskDefinition> {
  const { clients, serving, target } = input;
  let reference: string;
  if (target === "previous") {
    // The service's record of its last deploy is right even after a reused revision or a rollback; the
    // revision's own tag is the fallback for services last deployed before that record existed.
    const previous =
      input.serviceTags.find((t) => t.key === LAST_DEPLOY_PREVIOUS_TAG)?.value ??
      input.servingTags.find((t) => t.key === PREVIOUS_TAG)?.value;
    if (!previous) {
      throw new PreflightError(
        `the serving revision ${serving.taskDefinitionArn} of ${input.where} was not deployed by this pipeline (no ${PREVIOUS_TAG} tag): name the revision, e.g. --to=${Math.max(1, (serving.revision ?? 2) - 1)}`,
      );
    }
    reference = previous;
  } else if (/^\d{1,6}$/.test(target)) {
    reference = `${serving.family}:${target}`;
  } else if (
    /^[a-zA-Z0-9_-]{1,255}:\d{1,6}$/.test(target) ||
    /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[a-zA-Z0-9_-]+:\d+$/.test(target)
  ) {
    reference = target;
  } else {
    throw new SettingsError(
      `rollback target ${JSON.stringify(target.slice(0, 100))} is not "previous", a revision number, family:N or a task definition ARN: fix --to`,
    );
  }
  let found: TaskDefinition | undefined;
  try {
    found = (await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: reference }))).taskDefinition;
  } catch (error) {
    throw new PreflightError(
      `rollback target ${reference} cannot be read (${awsErrorText(error)}): list revisions with aws ecs list-task-definitions --family-prefix ${serving.family}`,
    );
  }
  if (!found || found.status !== "ACTIVE")
    throw new PreflightError(
      `rollback target ${reference} is ${found?.status ?? "missing"}, not ACTIVE: pick another revision`,
    );
  if (!found.containerDefinitions?.some((c) => c.name === input.containerName)) {
    throw new PreflightError(
      `rollback target ${found.taskDefinitionArn} has no container "${input.containerName}": pick a revision of this service`,
    );
  }
  const container = found.containerDefinitions.find((c) => c.name === input.containerName);
  const provided = new Set([
    ...(container?.secrets ?? []).map((s) => s.name),
    ...(container?.environment ?? []).filter((e) => (e.value ?? "") !== "").map((e) => e.name),
  ]);
  const missing = input.requiredSecrets.filter((name) => !provided.has(name));
  if (missing.length > 0)
    throw new PreflightError(
      `rollback target ${found.taskDefinitionArn} lacks ${missing.join(", ")} in container "${input.containerName}": pick a revision that has them`,
    );
  return found;
}
