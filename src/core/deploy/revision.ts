import {
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type Tag,
  type TaskDefinition,
} from "@aws-sdk/client-ecs";
import { DeploymentFailedError } from "../errors.js";
import type { AwsClients } from "../aws/clients.js";
import type { EnvironmentConfig } from "./environments.js";
import { PREVIOUS_TAG } from "./rollback.js";
import { nextTaskDefinitionInput } from "./task-definition.js";
import { renderedHash, renderTaskDefinition, type TaskDefinitionTemplate } from "./task-template.js";

/** Tags this pipeline owns on a revision; every other tag of the serving revision is carried over. */
export const APP_VERSION_TAG = "faultmaven:app-version";
/** sha256 of the rendered definition, and of the template file it came from. */
export const RENDERED_TAG = "faultmaven:rendered-sha256";
export const TEMPLATE_TAG = "faultmaven:template-sha256";
const OWN_TAGS = new Set([PREVIOUS_TAG, APP_VERSION_TAG, RENDERED_TAG, TEMPLATE_TAG, "faultmaven:migrated"]);

/** The revision a deploy wants serving: RegisterTaskDefinition's input and where it came from. */
export interface RevisionSpec {
  readonly input: RegisterTaskDefinitionCommandInput;
  readonly appVersion: string;
  /** sha256 of `input` in canonical JSON. */
  readonly renderedSha256: string;
  /** The template it was rendered from; absent when it is the serving revision with the image swapped. */
  readonly template?: { readonly file: string; readonly sha256: string };
}

/**
 * What to register for `image`: the template rendered for the environment when there is one (the repository is the
 * source of truth), else a copy of the serving revision with the container's image and variables replaced. Pure.
 */
export function revisionSpec(
  env: EnvironmentConfig,
  serving: TaskDefinition,
  image: string,
  appVersion: string,
  template: TaskDefinitionTemplate | undefined,
): RevisionSpec {
  const input = template
    ? renderTaskDefinition(template, env, { image, appVersion })
    : nextTaskDefinitionInput(serving, {
        containerName: env.containerName,
        image,
        environment: { ...env.taskEnvironment, APP_VERSION: appVersion },
      });
  return {
    input,
    appVersion,
    renderedSha256: renderedHash(input),
    ...(template ? { template: { file: template.file, sha256: template.sha256 } } : {}),
  };
}

/** The tags of a new revision: the serving revision's own tags (cost centre, owner...) plus ours. Pure. */
export function revisionTags(previous: TaskDefinition, previousTags: readonly Tag[], spec: RevisionSpec): Tag[] {
  return [
    ...previousTags.filter((t) => t.key && !OWN_TAGS.has(t.key)).map((t) => ({ key: t.key, value: t.value ?? "" })),
    { key: PREVIOUS_TAG, value: previous.taskDefinitionArn as string },
    { key: APP_VERSION_TAG, value: spec.appVersion },
    { key: RENDERED_TAG, value: spec.renderedSha256 },
    ...(spec.template ? [{ key: TEMPLATE_TAG, value: spec.template.sha256 }] : []),
  ];
}

/** Registers `spec` as a new revision, keeping `previous`'s tags. */
export async function registerRevision(
  clients: Pick<AwsClients, "ecs">,
  previous: TaskDefinition,
  previousTags: readonly Tag[],
  spec: RevisionSpec,
): Promise<TaskDefinition> {
  const registered = await clients.ecs.send(
    new RegisterTaskDefinitionCommand({ ...spec.input, tags: revisionTags(previous, previousTags, spec) }),
  );
  if (!registered.taskDefinition?.taskDefinitionArn)
    throw new DeploymentFailedError(`RegisterTaskDefinition for family ${spec.input.family} returned no ARN: retry`);
  return registered.taskDefinition;
}
