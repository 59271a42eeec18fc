import { createHash } from "node:crypto";
import type {
  ContainerDefinition,
  KeyValuePair,
  RegisterTaskDefinitionCommandInput,
  Secret,
} from "@aws-sdk/client-ecs";
import { SettingsError } from "../errors.js";
import { SECRET_ARN, type EnvironmentConfig } from "./environments.js";
import { REGISTERABLE_FIELDS, mergeEnvironment } from "./task-definition.js";

/**
 * A task definition template from the service's repository: RegisterTaskDefinition's input as JSON, with
 * placeholders in its strings. The deployed container's image is exactly `{{image}}` (the digest being deployed);
 * the environments file adds that container's variables and secrets, and the task's CPU and memory.
 */
export interface TaskDefinitionTemplate {
  /** Where it was read, as named in messages and in the deploy report. */
  readonly file: string;
  /** sha256 of the file's text: which template a revision came from. */
  readonly sha256: string;
  readonly body: Readonly<Record<string, unknown>>;
}

/** What a render fills in besides the environment's own values. */
export interface RenderValues {
  /** `repo@sha256:...` of the deployed container. */
  readonly image: string;
  /** APP_VERSION of the deployed container. */
  readonly appVersion: string;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_.]*)\s*\}\}/g;
const FIXED_PLACEHOLDERS = ["image", "appVersion", "environment", "accountId", "region"] as const;

/**
 * Parses a template and checks what needs no environment: JSON object, only RegisterTaskDefinition fields, a
 * family, named containers, known placeholders, string environment values, no APP_VERSION (the pipeline sets it).
 * @throws SettingsError naming the file, the field and the fix.
 */
export function parseTaskDefinitionTemplate(text: string, file: string): TaskDefinitionTemplate {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new SettingsError(`${file} is not valid JSON (${(error as Error).message.split("\n")[0]}): fix ${file}`);
  }
  if (!isObject(body))
    throw new SettingsError(`${file}: the template must be a JSON object (RegisterTaskDefinition's input)`);
  for (const key of Object.keys(body)) {
    if (key === "tags")
      throw new SettingsError(
        `${file}: tags are set by the pipeline (the serving revision's tags are kept): remove "tags"`,
      );
    if (!(REGISTERABLE_FIELDS as readonly string[]).includes(key))
      throw new SettingsError(
        `${file}: "${key}" is not a RegisterTaskDefinition field (known: ${REGISTERABLE_FIELDS.join(", ")}): remove it`,
      );
  }
  if (typeof body.family !== "string" || !/^[A-Za-z0-9_-]{1,255}$/.test(body.family))
    throw new SettingsError(`${file}: "family" must be a task definition family name (letters, digits, _ and -)`);
  const containers = body.containerDefinitions;
  if (!Array.isArray(containers) || containers.length === 0)
    throw new SettingsError(`${file}: "containerDefinitions" must list at least the deployed container`);
  const names = new Set<string>();
  containers.forEach((container: unknown, index) => {
    const at = `containerDefinitions[${index}]`;
    if (!isObject(container) || typeof container.name !== "string" || container.name === "")
      throw new SettingsError(`${file}: ${at} must be an object with a "name"`);
    if (names.has(container.name))
      throw new SettingsError(`${file}: ${at} repeats the container name "${container.name}"`);
    names.add(container.name);
    const environment = container.environment ?? [];
    if (!Array.isArray(environment) || !environment.every((p) => isObject(p) && typeof p.value === "string"))
      throw new SettingsError(`${file}: ${at}.environment must be a list of {"name", "value"} with string values`);
    if (environment.some((p) => p.name === "APP_VERSION"))
      throw new SettingsError(
        `${file}: ${at}.environment sets APP_VERSION, which the pipeline sets to the version deployed: remove it`,
      );
  });
  for (const [path, name] of placeholdersOf(body)) {
    if (!(FIXED_PLACEHOLDERS as readonly string[]).includes(name) && !/^vars\.[A-Za-z][A-Za-z0-9_]*$/.test(name))
      throw new SettingsError(
        `${file}: ${path} uses {{${name}}}, not a known placeholder (${FIXED_PLACEHOLDERS.map((p) => `{{${p}}}`).join(", ")}, {{vars.NAME}})`,
      );
  }
  return { file, sha256: createHash("sha256").update(text).digest("hex"), body };
}

/**
 * Checks the template against one environment and renders it with a stand-in image, so that everything a deploy
 * would refuse is refused at load, before any AWS call: the deployed container exists and its image is exactly
 * `{{image}}`, every `{{vars.X}}` has a value, every secret is an ARN, every required secret is provided.
 * @throws SettingsError naming the file, the field and the fix.
 */
export function checkTemplateFor(template: TaskDefinitionTemplate, env: EnvironmentConfig, envFile: string): void {
  const { file } = template;
  const containers = template.body.containerDefinitions as Record<string, unknown>[];
  const index = containers.findIndex((c) => c.name === env.containerName);
  if (index < 0)
    throw new SettingsError(
      `${file}: no container named "${env.containerName}" (${env.name}.containerName in ${envFile}): rename one, or fix containerName`,
    );
  if (containers[index]?.image !== "{{image}}")
    throw new SettingsError(
      `${file}: containerDefinitions[${index}].image must be exactly "{{image}}" (the digest being deployed)`,
    );
  containers.forEach((c, i) => {
    if (i !== index && typeof c.image === "string" && c.image.includes("{{image}}"))
      throw new SettingsError(
        `${file}: containerDefinitions[${i}].image uses {{image}}: an extra container keeps its own image`,
      );
  });
  for (const [path, name] of placeholdersOf(template.body)) {
    const variable = name.startsWith("vars.") ? name.slice(5) : undefined;
    if (variable !== undefined && env.templateVars?.[variable] === undefined)
      throw new SettingsError(
        `${file}: ${path} uses {{${name}}}, but ${env.name}.templateVars in ${envFile} has no "${variable}": add it`,
      );
  }
  const rendered = renderTaskDefinition(template, env, {
    image: "stand-in@sha256:" + "0".repeat(64),
    appVersion: "v0.0.0",
  });
  for (const container of rendered.containerDefinitions ?? []) {
    for (const secret of container.secrets ?? []) {
      if (!SECRET_ARN.test(secret.valueFrom ?? ""))
        throw new SettingsError(
          `${file}: secret ${secret.name} of container "${container.name}" is not a Secrets Manager or SSM parameter ARN: give the ARN, never the value`,
        );
    }
  }
  const deployed = rendered.containerDefinitions?.find((c) => c.name === env.containerName);
  const provided = new Set((deployed?.secrets ?? []).map((s) => s.name));
  const plain = new Set((deployed?.environment ?? []).map((p) => p.name));
  for (const name of env.requiredTaskSecrets) {
    if (plain.has(name))
      throw new SettingsError(
        `${file}: ${name} is a required secret given as a plain variable: give its ARN in secrets`,
      );
    if (!provided.has(name))
      throw new SettingsError(
        `${env.name}: required secret ${name} is in neither ${env.name}.taskSecrets (${envFile}) nor the secrets of "${env.containerName}" in ${file}: add its ARN`,
      );
  }
}

/**
 * The RegisterTaskDefinition input for one environment: placeholders filled, the deployed container's variables
 * (template, then the environment's, then APP_VERSION) and secrets (template, then the environment's), and the
 * environment's CPU and memory when it sets them. Pure.
 */
export function renderTaskDefinition(
  template: TaskDefinitionTemplate,
  env: EnvironmentConfig,
  values: RenderValues,
): RegisterTaskDefinitionCommandInput {
  const fill = (text: string) =>
    text.replace(PLACEHOLDER, (_, name: string) => {
      if (name === "image") return values.image;
      if (name === "appVersion") return values.appVersion;
      if (name === "environment") return env.name;
      if (name === "accountId") return env.accountId;
      if (name === "region") return env.region;
      return env.templateVars?.[name.slice(5)] ?? "";
    });
  const input = substitute(structuredClone(template.body), fill) as RegisterTaskDefinitionCommandInput;
  const deployed = input.containerDefinitions?.find((c) => c.name === env.containerName) as ContainerDefinition;
  deployed.environment = mergeEnvironment(deployed.environment ?? [], {
    ...env.taskEnvironment,
    APP_VERSION: values.appVersion,
  });
  deployed.secrets = mergeSecrets(deployed.secrets ?? [], env.taskSecrets ?? {});
  if (env.cpu) input.cpu = env.cpu;
  if (env.memory) input.memory = env.memory;
  return input;
}

/** sha256 of a rendered definition in canonical JSON (sorted keys): the same input always has the same hash. */
export function renderedHash(input: RegisterTaskDefinitionCommandInput): string {
  return createHash("sha256").update(canonicalJson(input)).digest("hex");
}

function mergeSecrets(current: readonly Secret[], updates: Readonly<Record<string, string>>): Secret[] {
  const asPairs = mergeEnvironment(
    current.map((s) => ({ name: s.name, value: s.valueFrom })) as KeyValuePair[],
    updates,
  );
  return asPairs.map((p) => ({ name: p.name, valueFrom: p.value }));
}

function substitute(value: unknown, fill: (text: string) => string): unknown {
  if (typeof value === "string") return fill(value);
  if (Array.isArray(value)) return value.map((v) => substitute(v, fill));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, fill)]));
  return value;
}

/** Every placeholder in the template with the JSON path of the string holding it. */
function placeholdersOf(value: unknown, path = ""): [string, string][] {
  if (typeof value === "string") return [...value.matchAll(PLACEHOLDER)].map((m) => [path, m[1] as string]);
  if (Array.isArray(value)) return value.flatMap((v, i) => placeholdersOf(v, `${path}[${i}]`));
  if (isObject(value))
    return Object.entries(value).flatMap(([k, v]) => placeholdersOf(v, path === "" ? k : `${path}.${k}`));
  return [];
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isObject(value))
    return `{${Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
