import { DescribeServicesCommand, UpdateServiceCommand, type Service, type ServiceEvent } from "@aws-sdk/client-ecs";
import { DeploymentFailedError, DeploymentTimeoutError } from "../errors.js";
import type { AwsClients } from "../aws/clients.js";
import { backoffDelay, type BackoffOptions, type Clock } from "./backoff.js";
import { judgeDeployment, type RolloutFailureCause } from "./deployment-verdict.js";
import { isTransientAwsError } from "../aws/transient.js";
import { awsErrorText } from "../aws/clients.js";

/** The deployment configuration every rollout uses: zero downtime and the circuit breaker with rollback. */
export const ROLLOUT_CONFIGURATION = {
  maximumPercent: 200,
  minimumHealthyPercent: 100,
  deploymentCircuitBreaker: { enable: true, rollback: true },
} as const;

/** Where and what to roll out. */
export interface RolloutTarget {
  readonly clients: Pick<AwsClients, "ecs">;
  readonly cluster: string;
  readonly service: string;
}

/**
 * UpdateService to `taskDefinitionArn` (and `desiredCount` tasks when given) and returns the new PRIMARY
 * deployment's id.
 * @throws DeploymentFailedError when ECS returns no PRIMARY deployment.
 */
export async function startRollout(
  target: RolloutTarget,
  taskDefinitionArn: string,
  desiredCount?: number,
): Promise<string> {
  const out = await target.clients.ecs.send(
    new UpdateServiceCommand({
      cluster: target.cluster,
      service: target.service,
      taskDefinition: taskDefinitionArn,
      ...(desiredCount !== undefined ? { desiredCount } : {}),
      forceNewDeployment: true,
      deploymentConfiguration: structuredClone(ROLLOUT_CONFIGURATION) as never,
    }),
  );
  const primary = out.service?.deployments?.find((d) => d.status === "PRIMARY");
  if (!primary?.id) {
    throw new DeploymentFailedError(
      `UpdateService on ${target.cluster}/${target.service} returned no PRIMARY deployment: inspect the service events`,
    );
  }
  return primary.id;
}

/** Options of `waitForDeployment`. */
export interface WaitOptions extends RolloutTarget {
  readonly deploymentId: string;
  readonly taskDefinitionArn: string;
  /** The revision that served before (so a breaker rollback to it is recognised as such). */
  readonly previousTaskDefinitionArn?: string;
  /** Give up after this long, with DeploymentTimeoutError. @default 900000 (15 min) */
  readonly timeoutMs?: number;
  /** Poll delays. @default { initialMs: 2000, maxMs: 15000, factor: 1.5 } */
  readonly backoff?: BackoffOptions;
  readonly clock: Clock;
  /** Receives each new service event once, oldest first. */
  readonly onEvent: (event: ServiceEvent) => void;
  /** Event ids already shown (e.g. before UpdateService), so they are not streamed again. */
  readonly seenEventIds?: Set<string>;
}

/** How the wait went: polls made (one DescribeServices each), of which `unknownPolls` met a transient error. */
export interface WaitResult {
  readonly polls: number;
  readonly unknownPolls: number;
  readonly waitedMs: number;
}

/** Thrown when a poll shows the rollout failed: carries what was observed. */
export interface RolloutFailure {
  readonly observed: RolloutFailureCause;
  readonly polls: number;
}

/**
 * Polls DescribeServices (once per poll, with backoff) until the deployment is steady, streaming new events.
 * @throws DeploymentFailedError as soon as a poll shows it rolled back or FAILED, DeploymentTimeoutError on timeout.
 */
export async function waitForDeployment(options: WaitOptions): Promise<WaitResult> {
  const { clients, cluster, service, deploymentId, taskDefinitionArn, clock } = options;
  const timeoutMs = options.timeoutMs ?? 900_000;
  const seen = options.seenEventIds ?? new Set<string>();
  const startedAt = clock.now();
  let polls = 0;
  let unknownPolls = 0;
  let detail = "no answer yet";
  for (;;) {
    polls += 1;
    let current: Service | undefined;
    let known = true;
    try {
      current = (await clients.ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services?.[0];
    } catch (error) {
      // Throttling, 5xx, a timeout: not a verdict. Keep waiting until the deadline.
      if (!isTransientAwsError(error)) throw Object.assign(error as Error, { polls });
      known = false;
      unknownPolls += 1;
      detail = `last poll: ${awsErrorText(error)}`;
    }
    if (known) {
      streamNewEvents(current, seen, options.onEvent);
      const verdict = judgeDeployment(current, deploymentId, taskDefinitionArn, options.previousTaskDefinitionArn);
      if (verdict.state === "steady") return { polls, unknownPolls, waitedMs: clock.now() - startedAt };
      if (verdict.state === "failed") {
        throw Object.assign(new DeploymentFailedError(`rollout on ${cluster}/${service} failed: ${verdict.reason}`), {
          polls,
          observed: verdict.cause,
        } satisfies RolloutFailure);
      }
      detail = verdict.detail;
    }
    const delay = backoffDelay(polls - 1, options.backoff);
    if (clock.now() - startedAt + delay > timeoutMs) {
      throw Object.assign(
        new DeploymentTimeoutError(
          `deployment ${deploymentId} on ${cluster}/${service} was not steady after ${Math.round((clock.now() - startedAt) / 1000)} s (${detail}): raise the timeout or inspect the service events`,
        ),
        { polls },
      );
    }
    await clock.sleep(delay);
  }
}

/** Calls `onEvent` for events not seen yet, oldest first (ECS lists newest first). */
export function streamNewEvents(
  service: Service | undefined,
  seen: Set<string>,
  onEvent: (event: ServiceEvent) => void,
): void {
  const fresh = (service?.events ?? []).filter((e) => e.id && !seen.has(e.id)).reverse();
  for (const event of fresh) {
    seen.add(event.id as string);
    onEvent(event);
  }
}
