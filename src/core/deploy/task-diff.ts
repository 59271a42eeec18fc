import type { RegisterTaskDefinitionCommandInput, TaskDefinition } from "@aws-sdk/client-ecs";
import { REGISTERABLE_FIELDS } from "./task-definition.js";

/** One field that differs between two task definitions: its path and both values (JSON text for non-strings). */
export interface FieldChange {
  readonly field: string;
  readonly from: string | undefined;
  readonly to: string | undefined;
}

/**
 * Every difference between what serves and what would be registered, field by field (`cpu`,
 * `containerDefinitions[auth-service].environment[LOG_LEVEL]`, ...). Both sides are normalised first, so the
 * defaults ECS fills in on registration (empty lists, container `cpu: 0`, `essential: true`, `protocol: "tcp"`)
 * and the read-only fields DescribeTaskDefinition adds are not differences. Pure.
 */
export function diffTaskDefinitions(
  serving: TaskDefinition | RegisterTaskDefinitionCommandInput,
  next: TaskDefinition | RegisterTaskDefinitionCommandInput,
): FieldChange[] {
  const changes: FieldChange[] = [];
  compare(normalise(serving), normalise(next), "", changes);
  return changes;
}

/** Whether two definitions register the same task (no difference after normalisation). Pure. */
export function sameTaskDefinition(
  a: TaskDefinition | RegisterTaskDefinitionCommandInput,
  b: TaskDefinition | RegisterTaskDefinitionCommandInput,
): boolean {
  return diffTaskDefinitions(a, b).length === 0;
}

function normalise(definition: object): Record<string, unknown> {
  const source = definition as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const field of REGISTERABLE_FIELDS) picked[field] = source[field];
  const containers = picked.containerDefinitions;
  if (Array.isArray(containers)) picked.containerDefinitions = containers.map(normaliseContainer);
  return prune(picked) as Record<string, unknown>;
}

function normaliseContainer(container: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...container };
  if (copy.cpu === 0) delete copy.cpu;
  if (copy.essential === true) delete copy.essential; // ECS's default for a container that does not say
  if (Array.isArray(copy.portMappings)) {
    copy.portMappings = copy.portMappings.map((mapping: Record<string, unknown>) => {
      const m = { ...mapping };
      if (m.protocol === "tcp") delete m.protocol;
      if (m.hostPort === m.containerPort) delete m.hostPort; // awsvpc: ECS copies containerPort
      return m;
    });
  }
  return copy;
}

/** Drops what means "not set": undefined, null, empty strings, lists and objects. */
function prune(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(prune).filter((v) => v !== undefined);
    return items.length === 0 ? undefined : items;
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .map(([k, v]) => [k, prune(v)] as const)
      .filter(([, v]) => v !== undefined);
    return entries.length === 0 ? undefined : Object.fromEntries(entries);
  }
  return value === null || value === "" ? undefined : value;
}

/** Lists of objects that all have a `name` (containers, variables, secrets) are compared by name, not position. */
function byName(list: unknown[]): Map<string, unknown> | undefined {
  if (
    !list.every(
      (item) => typeof item === "object" && item !== null && typeof (item as { name?: unknown }).name === "string",
    )
  )
    return undefined;
  return new Map(list.map((item) => [(item as { name: string }).name, item]));
}

function compare(a: unknown, b: unknown, path: string, out: FieldChange[]): void {
  // A list absent on one side is an empty list there, so a new variable shows alone, not the whole list.
  const [listA, listB] = [a ?? (Array.isArray(b) ? [] : a), b ?? (Array.isArray(a) ? [] : b)];
  if (Array.isArray(listA) && Array.isArray(listB)) {
    const named = [byName(listA), byName(listB)];
    if (named[0] && named[1]) {
      const keys = [...new Set([...named[0].keys(), ...named[1].keys()])].sort();
      for (const key of keys) compareNamed(named[0].get(key), named[1].get(key), `${path}[${key}]`, out);
      return;
    }
  }
  if (isRecord(a) && isRecord(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort())
      compare(a[key], b[key], path === "" ? key : `${path}.${key}`, out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ field: path, from: text(a), to: text(b) });
}

/** A variable or secret shows as its value (or ARN); a container is compared field by field. */
function compareNamed(a: unknown, b: unknown, path: string, out: FieldChange[]): void {
  const simple = (item: unknown) => {
    if (!isRecord(item)) return undefined;
    const keys = Object.keys(item).filter((k) => k !== "name");
    return keys.length === 1 && (keys[0] === "value" || keys[0] === "valueFrom") ? item[keys[0]] : undefined;
  };
  const [sa, sb] = [simple(a), simple(b)];
  if ((a === undefined || sa !== undefined) && (b === undefined || sb !== undefined)) {
    if (sa !== sb) out.push({ field: path, from: text(sa), to: text(sb) });
    return;
  }
  compare(a, b, path, out);
}

function text(value: unknown): string | undefined {
  return value === undefined ? undefined : typeof value === "string" ? value : JSON.stringify(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
