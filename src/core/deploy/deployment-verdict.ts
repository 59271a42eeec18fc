import type { Service } from "@aws-sdk/client-ecs";

/**
 * What was observed when a rollout failed: ECS's circuit breaker rolled it back (our deployment gone or no longer
 * PRIMARY, the service back on another revision), the deployment FAILED, the service was pointed elsewhere, or the
 * service itself is gone/inactive.
 */
export type RolloutFailureCause = "circuit-breaker" | "deployment-failed" | "replaced" | "service-gone";

/** What one DescribeServices answer says about the deployment being watched. */
export type DeploymentVerdict =
  | { readonly state: "steady" }
  | { readonly state: "in-progress"; readonly detail: string }
  | { readonly state: "failed"; readonly reason: string; readonly cause: RolloutFailureCause };

/**
 * Judges the deployment `deploymentId` that UpdateService returned. "Stable" is not "succeeded": the deployment
 * must still exist, be PRIMARY, not FAILED, COMPLETED, alone, with every desired task running, and the service
 * must still point at the target task definition; otherwise the circuit breaker (or someone) rolled it back. Pure.
 */
export function judgeDeployment(
  service: Service | undefined,
  deploymentId: string,
  targetTaskDefinitionArn: string,
  /** The revision that served before; a deployment replaced by one on it is the circuit breaker's rollback. */
  previousTaskDefinitionArn?: string,
): DeploymentVerdict {
  if (!service) return { state: "failed", reason: "the service is gone", cause: "service-gone" };
  if (service.status !== "ACTIVE")
    return {
      state: "failed",
      reason: `the service is ${service.status ?? "in an unknown state"}`,
      cause: "service-gone",
    };
  const deployments = service.deployments ?? [];
  const ours = deployments.find((d) => d.id === deploymentId);
  const primary = deployments.find((d) => d.status === "PRIMARY");
  // Why our deployment stopped being the one that counts: the breaker put the service back, or another replaced it.
  const lostCause = backOnAnother(
    service.taskDefinition ?? primary?.taskDefinition,
    targetTaskDefinitionArn,
    previousTaskDefinitionArn,
  )
    ? "circuit-breaker"
    : "replaced";
  if (!ours) {
    return {
      state: "failed",
      reason: `deployment ${deploymentId} is gone (the circuit breaker rolled back${primary?.taskDefinition ? ` to ${primary.taskDefinition}` : ""})`,
      cause: lostCause,
    };
  }
  if (ours.rolloutState === "FAILED")
    return {
      state: "failed",
      reason: `deployment ${deploymentId} FAILED: ${ours.rolloutStateReason ?? "no reason given"}`,
      cause: "deployment-failed",
    };
  if (ours.status !== "PRIMARY") {
    return {
      state: "failed",
      reason: `deployment ${deploymentId} is ${ours.status ?? "unknown"}, no longer PRIMARY (PRIMARY is ${primary?.id ?? "none"})`,
      cause: lostCause,
    };
  }
  if (service.taskDefinition && service.taskDefinition !== targetTaskDefinitionArn) {
    return {
      state: "failed",
      reason: `the service now runs ${service.taskDefinition}, not ${targetTaskDefinitionArn}`,
      cause: "replaced",
    };
  }
  const running = ours.runningCount ?? 0;
  const desired = ours.desiredCount ?? service.desiredCount ?? 0;
  const settled = ours.rolloutState === "COMPLETED" || (ours.rolloutState === undefined && running === desired);
  if (settled && deployments.length === 1 && running === desired) return { state: "steady" };
  return {
    state: "in-progress",
    detail: `rollout ${ours.rolloutState ?? "unknown"}, ${running}/${desired} running, ${ours.failedTasks ?? 0} failed tasks, ${deployments.length} deployments`,
  };
}

/**
 * Whether the service is back on the previous revision (what a breaker rollback leaves; the service's own
 * taskDefinition is read first: it is what ECS serves, and moto keeps a stale one on the PRIMARY deployment).
 */
function backOnAnother(primaryTaskDefinition: string | undefined, target: string, previous?: string): boolean {
  if (primaryTaskDefinition === undefined) return false;
  return previous !== undefined ? primaryTaskDefinition === previous : primaryTaskDefinition !== target;
}

/** The rollout state of a service before a deploy: why it is not safe to start another deployment, if so. Pure. */
export function busyReason(service: Service): string | undefined {
  const deployments = service.deployments ?? [];
  const inProgress = deployments.find((d) => d.rolloutState === "IN_PROGRESS");
  if (inProgress) return `deployment ${inProgress.id ?? "?"} is IN_PROGRESS`;
  if (deployments.length > 1)
    return `${deployments.length} deployments are active (${deployments.map((d) => `${d.id}:${d.status}`).join(", ")})`;
  return undefined;
}
