import {
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  type Tag,
  type TaskDefinition,
} from "@aws-sdk/client-ecs";
import { DeploymentFailedError } from "../errors.js";
import type { AwsClients } from "../aws/clients.js";
import type { DeployReport } from "./report.js";
import { PREVIOUS_TAG } from "./rollback.js";
import { alreadyMatches, nextTaskDefinitionInput, type TaskDefinitionChange } from "./task-definition.js";

/** The revision a deploy rolls out, with its tags (which say whether it already migrated). */
export interface DeployRevision {
  readonly definition: TaskDefinition;
  readonly tags: readonly Tag[];
}

/**
 * The revision to deploy: the family's latest if it already holds exactly this change (a rerun), else a new one
 * registered from `previous` and tagged with it (the manual rollback target).
 */
export async function ensureRevision(
  clients: Pick<AwsClients, "ecs">,
  previous: TaskDefinition,
  change: TaskDefinitionChange,
  report: DeployReport,
): Promise<DeployRevision> {
  const latest = await clients.ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: previous.family, include: ["TAGS"] }),
  );
  if (
    latest.taskDefinition &&
    latest.taskDefinition.status === "ACTIVE" &&
    alreadyMatches(latest.taskDefinition, change)
  ) {
    report.warnings.push(
      `reusing ${latest.taskDefinition.taskDefinitionArn}, registered by a previous run with this image and environment`,
    );
    return { definition: latest.taskDefinition, tags: latest.tags ?? [] };
  }
  const input = nextTaskDefinitionInput(previous, change);
  const tags = [
    { key: PREVIOUS_TAG, value: previous.taskDefinitionArn as string },
    { key: "faultmaven:app-version", value: change.environment.APP_VERSION ?? "" },
  ];
  const registered = await clients.ecs.send(new RegisterTaskDefinitionCommand({ ...input, tags }));
  if (!registered.taskDefinition?.taskDefinitionArn)
    throw new DeploymentFailedError(`RegisterTaskDefinition for family ${previous.family} returned no ARN: retry`);
  report.taskDefinition.registered = true;
  return { definition: registered.taskDefinition, tags: registered.tags ?? tags };
}
