import { RegisterTaskDefinitionCommand, type Tag, type TaskDefinition } from "@aws-sdk/client-ecs";
import { DeploymentFailedError } from "../errors.js";
import type { AwsClients } from "../aws/clients.js";
import { PREVIOUS_TAG } from "./rollback.js";
import { nextTaskDefinitionInput, type TaskDefinitionChange } from "./task-definition.js";

/** Tags this pipeline owns on a revision; every other tag of the serving revision is carried over. */
export const APP_VERSION_TAG = "faultmaven:app-version";
const OWN_TAGS = new Set([PREVIOUS_TAG, APP_VERSION_TAG, "faultmaven:migrated"]);

/** The tags of a new revision: the serving revision's own tags (cost centre, owner...) plus ours. Pure. */
export function revisionTags(
  previous: TaskDefinition,
  previousTags: readonly Tag[],
  change: TaskDefinitionChange,
): Tag[] {
  return [
    ...previousTags.filter((t) => t.key && !OWN_TAGS.has(t.key)).map((t) => ({ key: t.key, value: t.value ?? "" })),
    { key: PREVIOUS_TAG, value: previous.taskDefinitionArn as string },
    { key: APP_VERSION_TAG, value: change.environment.APP_VERSION ?? "" },
  ];
}

/** Registers a revision copied from `previous` with only `change` applied, keeping `previous`'s tags. */
export async function registerRevision(
  clients: Pick<AwsClients, "ecs">,
  previous: TaskDefinition,
  previousTags: readonly Tag[],
  change: TaskDefinitionChange,
): Promise<TaskDefinition> {
  const input = nextTaskDefinitionInput(previous, change);
  const registered = await clients.ecs.send(
    new RegisterTaskDefinitionCommand({ ...input, tags: revisionTags(previous, previousTags, change) }),
  );
  if (!registered.taskDefinition?.taskDefinitionArn)
    throw new DeploymentFailedError(`RegisterTaskDefinition for family ${previous.family} returned no ARN: retry`);
  return registered.taskDefinition;
}
