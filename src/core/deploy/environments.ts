import { readFile } from "node:fs/promises";
import { SettingsError } from "../errors.js";

/** The two environments the pipeline deploys to; names match exactly (no `Prod`, no `PRODUCTION`). */
export const ENVIRONMENT_NAMES = ["staging", "production"] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/** One deployment target, as declared in `dagger/environments.json`. */
export interface EnvironmentConfig {
  /** Environment name (`staging` or `production`). */
  readonly name: EnvironmentName;
  /** AWS region of the cluster and the ECR repository, e.g. `us-east-1`. */
  readonly region: string;
  /** 12-digit AWS account id the credentials must belong to (checked by STS before any change). */
  readonly accountId: string;
  /** ECS cluster name, e.g. `faultmaven-staging`. */
  readonly cluster: string;
  /** ECS service name, e.g. `auth-service`. */
  readonly service: string;
  /** Name of the container in the task definition whose image is replaced. */
  readonly containerName: string;
  /** ECR repository name (not URI), e.g. `fm-auth-service-enterprise`. */
  readonly ecrRepository: string;
  /** Public https URL the smoke checks call. */
  readonly publicUrl: string;
  /** Plain environment variables set on the container (`ENVIRONMENT`, `LOG_LEVEL`). */
  readonly taskEnvironment: Readonly<Record<string, string>>;
  /** Variables the container must receive from `secrets` (or a non-empty `environment` value). */
  readonly requiredTaskSecrets: readonly string[];
  /** True when a release tag `vX.Y.Z` is mandatory (production). */
  readonly versionTagRequired: boolean;
  /** Whether `vX.Y.Z-pre` versions may be deployed here. */
  readonly allowPrerelease: boolean;
  /** Which git refs may deploy: `main` (the main branch) or `tag` (a release tag `refs/tags/vX.Y.Z`). */
  readonly deployFrom: "main" | "tag";
  /**
   * DynamoDB table holding the deploy lock (partition key `lockId`, a string), shared by every deploy of this
   * environment, from a laptop or CI. Optional: without it the report warns that nothing stops two deploys.
   */
  readonly lockTable?: string;
  /**
   * Account that owns the ECR repository, when it is not this environment's own: one registry shared by staging and
   * production (production pulls cross-account, allowed by the repository policy), so production can deploy the very
   * digest staging verified. @default accountId
   */
  readonly ecrRegistryId?: string;
  /** Tasks the service runs; applied with the rollout (and restored by an automatic rollback). @default unchanged */
  readonly desiredCount?: number;
  /** Task-level CPU units and memory (MiB), as ECS strings ("512", "1024"). @default the template's */
  readonly cpu?: string;
  readonly memory?: string;
  /** Secrets of the deployed container: variable name → Secrets Manager or SSM parameter ARN (never a value). */
  readonly taskSecrets?: Readonly<Record<string, string>>;
  /** Values of the template's `{{vars.NAME}}` placeholders for this environment. */
  readonly templateVars?: Readonly<Record<string, string>>;
}

type Kind = "string" | "boolean" | "record" | "list";
const KEYS: Record<keyof Omit<EnvironmentConfig, "name" | (typeof OPTIONAL_FIELDS)[number]>, Kind> = {
  region: "string",
  accountId: "string",
  cluster: "string",
  service: "string",
  containerName: "string",
  ecrRepository: "string",
  publicUrl: "string",
  taskEnvironment: "record",
  requiredTaskSecrets: "list",
  versionTagRequired: "boolean",
  allowPrerelease: "boolean",
  deployFrom: "string",
};
/** Optional fields (their rules: `checkOptional`). */
const OPTIONAL_FIELDS = [
  "lockTable",
  "ecrRegistryId",
  "desiredCount",
  "cpu",
  "memory",
  "taskSecrets",
  "templateVars",
] as const;

/** A Secrets Manager secret or SSM parameter ARN: what ECS `secrets[].valueFrom` takes, never the value itself. */
export const SECRET_ARN = /^arn:aws[a-z-]*:(secretsmanager|ssm):[a-z0-9-]+:\d{12}:(secret:|parameter\/)\S+$/;

/**
 * Validates the parsed content of `dagger/environments.json` and returns every environment.
 * @throws SettingsError (one line: which environment, which field, what to do) on the first problem found.
 */
export function parseEnvironments(
  raw: unknown,
  source = "dagger/environments.json",
): Record<EnvironmentName, EnvironmentConfig> {
  const hint = `fix ${source}`;
  if (!isObject(raw)) throw new SettingsError(`${source}: top level must be an object of environments: ${hint}`);
  const unknown = Object.keys(raw).filter((k) => !(ENVIRONMENT_NAMES as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new SettingsError(
      `${source}: unknown environment ${JSON.stringify(unknown[0])}: only ${ENVIRONMENT_NAMES.join(", ")} exist`,
    );
  }
  const result = {} as Record<EnvironmentName, EnvironmentConfig>;
  for (const name of ENVIRONMENT_NAMES) {
    const entry = raw[name];
    if (!isObject(entry))
      throw new SettingsError(`${source}: environment "${name}" is missing or not an object: ${hint}`);
    result[name] = parseOne(name, entry, source);
  }
  if (result.staging.accountId === result.production.accountId) {
    throw new SettingsError(
      `${source}: staging.accountId and production.accountId are both ${result.staging.accountId}: give each environment its own AWS account, so credentials for one can never change the other`,
    );
  }
  return result;
}

function parseOne(name: EnvironmentName, entry: Record<string, unknown>, source: string): EnvironmentConfig {
  const hint = `fix ${source}`;
  const where = (field: string) => `${source}: ${name}.${field}`;
  for (const key of Object.keys(entry)) {
    if (!(key in KEYS) && !(OPTIONAL_FIELDS as readonly string[]).includes(key))
      throw new SettingsError(
        `${where(key)} is not a known field (known: ${[...Object.keys(KEYS), ...OPTIONAL_FIELDS].join(", ")}): remove it or ${hint}`,
      );
  }
  for (const [key, kind] of Object.entries(KEYS)) {
    const value = entry[key];
    const ok =
      kind === "string"
        ? typeof value === "string" && value.trim() !== ""
        : kind === "boolean"
          ? typeof value === "boolean"
          : kind === "list"
            ? Array.isArray(value) && value.every((v) => typeof v === "string" && /^[A-Z_][A-Z0-9_]*$/.test(v))
            : isObject(value) &&
              Object.entries(value).every(([k, v]) => /^[A-Z_][A-Z0-9_]*$/.test(k) && typeof v === "string");
    if (!ok) throw new SettingsError(`${where(key)} must be a ${describeKind(kind)}: ${hint}`);
  }
  const config = { name, ...entry } as unknown as EnvironmentConfig;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(config.region))
    throw new SettingsError(`${where("region")} "${config.region}" is not an AWS region like us-east-1: ${hint}`);
  if (!/^\d{12}$/.test(config.accountId)) throw new SettingsError(`${where("accountId")} must be 12 digits: ${hint}`);
  if (!/^[a-zA-Z0-9_-]{1,255}$/.test(config.cluster))
    throw new SettingsError(`${where("cluster")} "${config.cluster}" is not an ECS cluster name: ${hint}`);
  if (!/^[a-zA-Z0-9_-]{1,255}$/.test(config.service))
    throw new SettingsError(`${where("service")} "${config.service}" is not an ECS service name: ${hint}`);
  if (!/^[a-zA-Z0-9_-]{1,255}$/.test(config.containerName))
    throw new SettingsError(`${where("containerName")} "${config.containerName}" is not a container name: ${hint}`);
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(config.ecrRepository)) {
    throw new SettingsError(
      `${where("ecrRepository")} "${config.ecrRepository}" is not an ECR repository name: ${hint}`,
    );
  }
  if (!/^https:\/\/[^\s/]+(\/[^\s]*)?$/.test(config.publicUrl))
    throw new SettingsError(`${where("publicUrl")} must be an https:// URL: ${hint}`);
  if (config.lockTable !== undefined && !isTableName(config.lockTable))
    throw new SettingsError(
      `${where("lockTable")} must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -): ${hint}`,
    );
  checkOptional(config, where, hint);
  if (config.deployFrom !== "main" && config.deployFrom !== "tag")
    throw new SettingsError(`${where("deployFrom")} must be "main" or "tag": ${hint}`);
  if (config.versionTagRequired && config.deployFrom !== "tag")
    throw new SettingsError(`${where("deployFrom")} must be "tag" when versionTagRequired is true: ${hint}`);
  return config;
}

/** The optional fields' rules; secrets are ARNs, and a required secret is never a plain variable. */
function checkOptional(config: EnvironmentConfig, where: (field: string) => string, hint: string): void {
  if (config.ecrRegistryId !== undefined && !/^\d{12}$/.test(String(config.ecrRegistryId)))
    throw new SettingsError(`${where("ecrRegistryId")} must be the 12-digit account owning the repository: ${hint}`);
  const count = config.desiredCount;
  if (count !== undefined && !(typeof count === "number" && Number.isInteger(count) && count >= 1 && count <= 1000))
    throw new SettingsError(`${where("desiredCount")} must be a whole number of tasks, 1..1000: ${hint}`);
  for (const field of ["cpu", "memory"] as const) {
    const value = config[field];
    if (value !== undefined && !(typeof value === "string" && /^[1-9]\d{1,5}$/.test(value)))
      throw new SettingsError(`${where(field)} must be a string of ECS units such as "512": ${hint}`);
  }
  const record = (field: "taskSecrets" | "templateVars", keys: RegExp) => {
    const value: unknown = config[field];
    if (value === undefined) return {};
    if (!isObject(value) || !Object.entries(value).every(([k, v]) => keys.test(k) && typeof v === "string"))
      throw new SettingsError(`${where(field)} must be an object of ${keys.source} names to strings: ${hint}`);
    return value as Record<string, string>;
  };
  for (const [secret, arn] of Object.entries(record("taskSecrets", /^[A-Z_][A-Z0-9_]*$/))) {
    if (!SECRET_ARN.test(arn))
      throw new SettingsError(
        `${where(`taskSecrets.${secret}`)} is not a Secrets Manager or SSM parameter ARN: give the ARN of the secret, never its value (${hint})`,
      );
  }
  record("templateVars", /^[A-Za-z][A-Za-z0-9_]*$/);
  const plain = config.requiredTaskSecrets.filter((secret) => secret in config.taskEnvironment);
  if (plain.length > 0)
    throw new SettingsError(
      `${where(`taskEnvironment.${plain[0]}`)} is a required secret given as a plain value: move it to taskSecrets as an ARN (${hint})`,
    );
}

/** Whether `value` is a valid DynamoDB table name. Pure. */
export function isTableName(value: unknown): value is string {
  return typeof value === "string" && /^[a-zA-Z0-9_.-]{3,255}$/.test(value);
}

function describeKind(kind: string): string {
  return kind === "record"
    ? "object of UPPER_CASE names to string values"
    : kind === "list"
      ? "list of UPPER_CASE variable names"
      : `non-empty ${kind}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Picks one environment by its exact name.
 * @throws SettingsError for an unknown name, including case variants such as `Prod` or `PRODUCTION`.
 */
export function selectEnvironment(all: Record<EnvironmentName, EnvironmentConfig>, name: string): EnvironmentConfig {
  if ((ENVIRONMENT_NAMES as readonly string[]).includes(name)) return all[name as EnvironmentName];
  const near = ENVIRONMENT_NAMES.find((n) => n.startsWith(name.toLowerCase().slice(0, 4)) && name.length > 0);
  const suggestion = near ? ` (did you mean "${near}"? names are exact and lower-case)` : "";
  throw new SettingsError(
    `unknown environment ${JSON.stringify(name.slice(0, 40))}${suggestion}: use --env=staging or --env=production`,
  );
}

/**
 * Parses and validates the text of an environments file; `source` names the file in every message.
 * @throws SettingsError when it is not JSON or invalid.
 */
export function parseEnvironmentsText(text: string, source: string): Record<EnvironmentName, EnvironmentConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SettingsError(`${source} is not valid JSON (${(error as Error).message.split("\n")[0]}): fix ${source}`);
  }
  return parseEnvironments(raw, source);
}

/**
 * Reads and validates an environments file from disk.
 * @throws SettingsError when the file is missing, not JSON, or invalid.
 */
export async function loadEnvironments(path: string): Promise<Record<EnvironmentName, EnvironmentConfig>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new SettingsError(`${path} cannot be read: restore it, or give the service its own deploy/environments.json`);
  }
  return parseEnvironmentsText(text, path);
}

/** An ECR repository as the ECR API names it: its name, and the owning account when that is another account. */
export interface EcrRepository {
  readonly repositoryName: string;
  readonly registryId?: string;
}

/** The environment's ECR repository (in `ecrRegistryId`'s registry when set: one registry shared by both). Pure. */
export function ecrRepositoryOf(env: EnvironmentConfig): EcrRepository {
  return { repositoryName: env.ecrRepository, ...(env.ecrRegistryId ? { registryId: env.ecrRegistryId } : {}) };
}
