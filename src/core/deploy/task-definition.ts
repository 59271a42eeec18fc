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
const REGISTERABLE_FIELDS = [
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

/** One line of a task definition diff. */
export interface FieldChange {
  readonly field: string;
  readonly from: string | undefined;
  readonly to: string | undefined;
}

/** The differences that matter between two container definitions: image and each environment variable. Pure. */
export function diffContainer(
  before: ContainerDefinition | undefined,
  after: ContainerDefinition | undefined,
): FieldChange[] {
  const changes: FieldChange[] = [];
  if (before?.image !== after?.image) changes.push({ field: "image", from: before?.image, to: after?.image });
  const envOf = (c: ContainerDefinition | undefined) =>
    new Map((c?.environment ?? []).map((p) => [p.name ?? "", p.value]));
  const a = envOf(before);
  const b = envOf(after);
  for (const name of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    if (a.get(name) !== b.get(name)) changes.push({ field: `environment.${name}`, from: a.get(name), to: b.get(name) });
  }
  return changes;
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

/** Whether a task definition already runs `image` with `environment` in `containerName` (rerun detection). */
export function alreadyMatches(taskDefinition: TaskDefinition | undefined, change: TaskDefinitionChange): boolean {
  const container = findContainer(taskDefinition, change.containerName);
  if (!container || container.image !== change.image) return false;
  const env = new Map((container.environment ?? []).map((p) => [p.name, p.value]));
  return Object.entries(change.environment).every(([k, v]) => env.get(k) === v);
}
