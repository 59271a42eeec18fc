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
}

const FILE_HINT = "fix dagger/environments.json";
const KEYS: Record<keyof Omit<EnvironmentConfig, "name" | "lockTable">, "string" | "boolean" | "record" | "list"> = {
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

/**
 * Validates the parsed content of `dagger/environments.json` and returns every environment.
 * @throws SettingsError (one line: which environment, which field, what to do) on the first problem found.
 */
export function parseEnvironments(
  raw: unknown,
  source = "dagger/environments.json",
): Record<EnvironmentName, EnvironmentConfig> {
  if (!isObject(raw)) throw new SettingsError(`${source}: top level must be an object of environments: ${FILE_HINT}`);
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
      throw new SettingsError(`${source}: environment "${name}" is missing or not an object: ${FILE_HINT}`);
    result[name] = parseOne(name, entry, source);
  }
  return result;
}

function parseOne(name: EnvironmentName, entry: Record<string, unknown>, source: string): EnvironmentConfig {
  const where = (field: string) => `${source}: ${name}.${field}`;
  for (const key of Object.keys(entry)) {
    if (!(key in KEYS) && key !== "lockTable")
      throw new SettingsError(`${where(key)} is not a known field: remove it or ${FILE_HINT}`);
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
    if (!ok) throw new SettingsError(`${where(key)} must be a ${describeKind(kind)}: ${FILE_HINT}`);
  }
  const config = { name, ...entry } as unknown as EnvironmentConfig;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(config.region))
    throw new SettingsError(`${where("region")} "${config.region}" is not an AWS region like us-east-1: ${FILE_HINT}`);
  if (!/^\d{12}$/.test(config.accountId))
    throw new SettingsError(`${where("accountId")} must be 12 digits: ${FILE_HINT}`);
  if (!/^[a-zA-Z0-9_-]{1,255}$/.test(config.cluster))
    throw new SettingsError(`${where("cluster")} "${config.cluster}" is not an ECS cluster name: ${FILE_HINT}`);
  if (!/^[a-zA-Z0-9_-]{1,255}$/.test(config.service))
    throw new SettingsError(`${where("service")} "${config.service}" is not an ECS service name: ${FILE_HINT}`);
  if (!/^[a-zA-Z0-9_-]{1,255}$/.test(config.containerName))
    throw new SettingsError(
      `${where("containerName")} "${config.containerName}" is not a container name: ${FILE_HINT}`,
    );
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(config.ecrRepository)) {
    throw new SettingsError(
      `${where("ecrRepository")} "${config.ecrRepository}" is not an ECR repository name: ${FILE_HINT}`,
    );
  }
  if (!/^https:\/\/[^\s/]+(\/[^\s]*)?$/.test(config.publicUrl))
    throw new SettingsError(`${where("publicUrl")} must be an https:// URL: ${FILE_HINT}`);
  if (config.lockTable !== undefined && !isTableName(config.lockTable))
    throw new SettingsError(
      `${where("lockTable")} must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -): ${FILE_HINT}`,
    );
  if (config.deployFrom !== "main" && config.deployFrom !== "tag")
    throw new SettingsError(`${where("deployFrom")} must be "main" or "tag": ${FILE_HINT}`);
  if (config.versionTagRequired && config.deployFrom !== "tag")
    throw new SettingsError(`${where("deployFrom")} must be "tag" when versionTagRequired is true: ${FILE_HINT}`);
  return config;
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
 * Reads and validates an environments file (default `dagger/environments.json` under `root`).
 * @throws SettingsError when the file is missing, not JSON, or invalid.
 */
export async function loadEnvironments(path: string): Promise<Record<EnvironmentName, EnvironmentConfig>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new SettingsError(
      `${path} cannot be read: the module expects dagger/environments.json in the source directory`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SettingsError(`${path} is not valid JSON (${(error as Error).message.split("\n")[0]}): ${FILE_HINT}`);
  }
  return parseEnvironments(raw, path);
}
