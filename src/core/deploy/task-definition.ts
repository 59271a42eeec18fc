import type {
  ContainerDefinition,
  KeyValuePair,
  RegisterTaskDefinitionCommandInput,
  TaskDefinition,
} from "@aws-sdk/client-ecs";

/** What changes between the serving task definition and the new revision. */
export interface TaskDefinitionChange {
  /** Container whose image and environment are replaced. */
  readonly containerName: string;
  /** Image by digest: `repo@sha256:...` (never a mutable tag). */
  readonly image: string;
  /** Variables set on that container (added or replaced; others kept). */
  readonly environment: Readonly<Record<string, string>>;
}

// Fields RegisterTaskDefinition accepts. Everything else DescribeTaskDefinition returns (arn, revision,
// status, requiresAttributes, compatibilities, registeredAt/By, deregisteredAt) is read-only and refused.
export const REGISTERABLE_FIELDS = [
  "family",
  "taskRoleArn",
  "executionRoleArn",
  "networkMode",
  "containerDefinitions",
  "volumes",
  "placementConstraints",
  "requiresCompatibilities",
  "cpu",
  "memory",
  "pidMode",
  "ipcMode",
  "proxyConfiguration",
  "inferenceAccelerators",
  "ephemeralStorage",
  "runtimePlatform",
  "enableFaultInjection",
] as const satisfies readonly (keyof RegisterTaskDefinitionCommandInput & keyof TaskDefinition)[];

/**
 * The RegisterTaskDefinition input for a new revision: a copy of `current` in which only the named container's
 * image and the given environment variables differ. Pure.
 * @throws Error when the container is missing (preflight checks this first).
 */
export function nextTaskDefinitionInput(
  current: TaskDefinition,
  change: TaskDefinitionChange,
): RegisterTaskDefinitionCommandInput {
  const input: Record<string, unknown> = {};
  for (const field of REGISTERABLE_FIELDS) {
    const value = current[field];
    if (value !== undefined && value !== null) input[field] = structuredClone(value);
  }
  const containers = (input.containerDefinitions ?? []) as ContainerDefinition[];
  const target = containers.find((c) => c.name === change.containerName);
  if (!target) throw new Error(`container ${change.containerName} is not in task definition ${current.family}`);
  target.image = change.image;
  target.environment = mergeEnvironment(target.environment ?? [], change.environment);
  return input as unknown as RegisterTaskDefinitionCommandInput;
}

/** Replaces variables in place (keeping their position) and appends new ones in sorted order. Pure. */
export function mergeEnvironment(
  current: readonly KeyValuePair[],
  updates: Readonly<Record<string, string>>,
): KeyValuePair[] {
  const result = current.map((pair) =>
    pair.name !== undefined && pair.name in updates ? { name: pair.name, value: updates[pair.name] } : { ...pair },
  );
  const present = new Set(current.map((p) => p.name));
  for (const name of Object.keys(updates).sort()) {
    if (!present.has(name)) result.push({ name, value: updates[name] });
  }
  return result;
}

/** Finds a container by name. */
export function findContainer(
  taskDefinition: TaskDefinition | undefined,
  name: string,
): ContainerDefinition | undefined {
  return taskDefinition?.containerDefinitions?.find((c) => c.name === name);
}

/** The `sha256:` digest in an image reference `repo@sha256:...`, if it has one. */
export function imageDigestOf(image: string | undefined): string | undefined {
  return /@(sha256:[0-9a-f]{64})$/.exec(image ?? "")?.[1];
}
