import type { Service } from "@aws-sdk/client-ecs";

/** What one DescribeServices answer says about the deployment being watched. */
export type DeploymentVerdict =
  | { readonly state: "steady" }
  | { readonly state: "in-progress"; readonly detail: string }
  | { readonly state: "failed"; readonly reason: string };

/**
 * Judges the deployment `deploymentId` that UpdateService returned. "Stable" is not "succeeded": the deployment
 * must still exist, be PRIMARY, not FAILED, COMPLETED, alone, with every desired task running, and the service
 * must still point at the target task definition; otherwise the circuit breaker (or someone) rolled it back. Pure.
 */
export function judgeDeployment(
  service: Service | undefined,
  deploymentId: string,
  targetTaskDefinitionArn: string,
): DeploymentVerdict {
  if (!service) return { state: "failed", reason: "the service is gone" };
  if (service.status !== "ACTIVE")
    return { state: "failed", reason: `the service is ${service.status ?? "in an unknown state"}` };
  const deployments = service.deployments ?? [];
  const ours = deployments.find((d) => d.id === deploymentId);
  const primary = deployments.find((d) => d.status === "PRIMARY");
  if (!ours) {
    return {
      state: "failed",
      reason: `deployment ${deploymentId} is gone (the circuit breaker rolled back${primary?.taskDefinition ? ` to ${primary.taskDefinition}` : ""})`,
    };
  }
  if (ours.rolloutState === "FAILED")
    return {
      state: "failed",
      reason: `deployment ${deploymentId} FAILED: ${ours.rolloutStateReason ?? "no reason given"}`,
    };
  if (ours.status !== "PRIMARY") {
    return {
      state: "failed",
      reason: `deployment ${deploymentId} is ${ours.status ?? "unknown"}, no longer PRIMARY (PRIMARY is ${primary?.id ?? "none"})`,
    };
  }
  if (service.taskDefinition && service.taskDefinition !== targetTaskDefinitionArn) {
    return {
      state: "failed",
      reason: `the service now runs ${service.taskDefinition}, not ${targetTaskDefinitionArn}`,
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

/** The rollout state of a service before a deploy: why it is not safe to start another deployment, if so. Pure. */
export function busyReason(service: Service): string | undefined {
  const deployments = service.deployments ?? [];
  const inProgress = deployments.find((d) => d.rolloutState === "IN_PROGRESS");
  if (inProgress) return `deployment ${inProgress.id ?? "?"} is IN_PROGRESS`;
  if (deployments.length > 1)
    return `${deployments.length} deployments are active (${deployments.map((d) => `${d.id}:${d.status}`).join(", ")})`;
  return undefined;
}
