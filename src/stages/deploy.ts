/**
 * Dagger glue of the CD core: turns Dagger Secrets into the core's in-memory credentials and calls its entry
 * points. No decision is made here (see src/core/deploy). `plaintext()` is called only to hand a value to the
 * AWS SDK or fetch, in memory; it is never logged, returned, or put in a container.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Container, Directory, Secret } from "@dagger.io/dagger";

import type { AwsCredentialsInput } from "../core/aws/credentials.js";
import { deploy, type DeployOptions } from "../core/deploy/deploy.js";
import { migrate } from "../core/deploy/migrate-command.js";
import { rollback } from "../core/deploy/rollback-command.js";
import { plan } from "../core/deploy/plan.js";
import type { EnvironmentConfig } from "../core/deploy/environments.js";
import {
  SERVICE_ENVIRONMENTS_FILE,
  SERVICE_TEMPLATE_FILE,
  chooseDescriptorSource,
  environmentOf,
  parseDescriptors,
  type Descriptors,
} from "../core/deploy/descriptors.js";
import { summaryLine, type DeployReport } from "../core/deploy/report.js";
import { smoke } from "../core/smoke/command.js";
import {
  DeploymentFailedError,
  DeploymentTimeoutError,
  MigrationFailedError,
  RollbackFailedError,
  SettingsError,
} from "../core/errors.js";
import { ecrPublisher, publishToEcr } from "./publish.js";
import { resolveVersion } from "../core/deploy/inputs.js";
import { clientsFor } from "../core/deploy/options.js";
import { ecrLogin } from "../core/aws/ecr-login.js";
import { destroyAwsClients } from "../core/aws/clients.js";

/** The module's default descriptors, next to its source (works in the module runtime and from plain Node). */
const MODULE_DESCRIPTORS = {
  environments: fileURLToPath(new URL("../../dagger/environments.json", import.meta.url)),
  template: fileURLToPath(new URL("../../dagger/task-definition.json", import.meta.url)),
};

/** AWS access arguments shared by every CD function. */
export interface AwsArgs {
  /** The service's repository: its deploy/ descriptors, when it has them, are the ones used. */
  readonly source: Directory;
  /** Environment name, exactly `staging` or `production`. */
  readonly env: string;
  readonly awsAccessKeyId?: Secret;
  readonly awsSecretAccessKey?: Secret;
  readonly awsSessionToken?: Secret;
  /** Role to assume with a GitHub OIDC token (instead of keys). */
  readonly awsRoleArn?: string;
  readonly awsWebIdentityToken?: Secret;
  /** Endpoint for every AWS client (moto in tests). @default AWS (never read from the environment) */
  readonly awsEndpointUrl?: string;
}

/** Arguments of the deploy function. */
export interface DeployArgs extends AwsArgs {
  readonly version?: string;
  readonly gitSha?: string;
  readonly gitRef?: string;
  /** Deploy this digest from ECR instead of building (promotion). */
  readonly promoteDigest?: string;
  /** `upgrade head` (default), `downgrade -1`, `downgrade <rev>`, or `none`. */
  readonly migration?: string;
  readonly smokeUrl?: string;
  readonly slackWebhook?: Secret;
  readonly rolloutTimeoutSeconds?: number;
  readonly migrationTimeoutSeconds?: number;
  readonly rollbackTimeoutSeconds?: number;
  /** DynamoDB table of the deploy lock. @default the environment's lockTable */
  readonly lockTable?: string;
}

/**
 * The deployment descriptors: the service's `deploy/environments.json` and `deploy/task-definition.json` when it
 * has them, else the module's `dagger/` defaults (the bundled example's). Validated together before any AWS call.
 */
export async function descriptorsOf(source: Directory): Promise<Descriptors> {
  const [environments, template] = await Promise.all([
    source.exists(SERVICE_ENVIRONMENTS_FILE),
    source.exists(SERVICE_TEMPLATE_FILE),
  ]);
  if (chooseDescriptorSource({ environments, template }) === "service") {
    const [environmentsText, templateText] = await Promise.all([
      source.file(SERVICE_ENVIRONMENTS_FILE).contents(),
      source.file(SERVICE_TEMPLATE_FILE).contents(),
    ]);
    return parseDescriptors({
      environmentsFile: SERVICE_ENVIRONMENTS_FILE,
      environmentsText,
      templateFile: SERVICE_TEMPLATE_FILE,
      templateText,
    });
  }
  const [environmentsText, templateText] = await Promise.all([
    readFile(MODULE_DESCRIPTORS.environments, "utf8"),
    readFile(MODULE_DESCRIPTORS.template, "utf8"),
  ]);
  return parseDescriptors({
    environmentsFile: "dagger/environments.json (the module's default)",
    environmentsText,
    templateFile: "dagger/task-definition.json (the module's default)",
    templateText,
  });
}

/** One environment of the service's descriptors, by exact name. */
export async function environmentNamed(source: Directory, name: string): Promise<EnvironmentConfig> {
  return environmentOf(await descriptorsOf(source), name);
}

/** Builds the core's credentials from Secrets; `undefined` when none were passed (the core then says what is missing). */
export async function credentialsFromSecrets(args: AwsArgs): Promise<AwsCredentialsInput | undefined> {
  if (args.awsRoleArn !== undefined || args.awsWebIdentityToken !== undefined) {
    if (args.awsAccessKeyId || args.awsSecretAccessKey) {
      throw new SettingsError("pass AWS keys or --aws-role-arn with --aws-web-identity-token, not both");
    }
    return {
      kind: "web-identity",
      roleArn: args.awsRoleArn ?? "",
      webIdentityToken: args.awsWebIdentityToken ? await args.awsWebIdentityToken.plaintext() : "",
    };
  }
  if (!args.awsAccessKeyId && !args.awsSecretAccessKey) return undefined;
  return {
    kind: "static",
    accessKeyId: args.awsAccessKeyId ? await args.awsAccessKeyId.plaintext() : "",
    secretAccessKey: args.awsSecretAccessKey ? await args.awsSecretAccessKey.plaintext() : "",
    ...(args.awsSessionToken ? { sessionToken: await args.awsSessionToken.plaintext() } : {}),
  };
}

/** How the CD core reaches the environment, and the template its next revision is rendered from. */
async function access(args: AwsArgs) {
  const descriptors = await descriptorsOf(args.source);
  const environment = environmentOf(descriptors, args.env);
  const credentials = await credentialsFromSecrets(args);
  // Only the argument: under `dagger call` this process's environment is the runtime container's, not the caller's.
  const endpoint = args.awsEndpointUrl;
  const log = (line: string) => console.error(`[${args.env}] ${line}`);
  log(`descriptors: ${descriptors.environmentsFile} and ${descriptors.template.file}`);
  const base = {
    environment,
    ...(credentials ? { credentials } : {}),
    ...(endpoint ? { endpoint } : {}),
    log,
  };
  return { base, template: descriptors.template };
}

const seconds = (s: number | undefined) => (s === undefined ? undefined : Math.round(s * 1000));

/** Throws the report's failure as the matching error kind (summary line + JSON report), else returns the JSON. */
export function reportOrThrow(report: DeployReport): string {
  const json = JSON.stringify(report, null, 2);
  if (report.outcome === "succeeded") return json;
  const message = `${summaryLine(report)}\n${json}`;
  if (report.outcome === "timed-out") throw new DeploymentTimeoutError(message);
  if (report.error?.kind === "MigrationFailedError") throw new MigrationFailedError(message);
  if (report.error?.kind === "RollbackFailedError") throw new RollbackFailedError(message);
  throw new DeploymentFailedError(message);
}

function deployOptions(
  base: Awaited<ReturnType<typeof access>>["base"],
  args: DeployArgs,
  slackWebhookUrl: string | undefined,
): Omit<DeployOptions, "publish"> {
  const rolloutTimeoutMs = seconds(args.rolloutTimeoutSeconds);
  const migrationTimeoutMs = seconds(args.migrationTimeoutSeconds);
  const rollbackTimeoutMs = seconds(args.rollbackTimeoutSeconds);
  return {
    ...base,
    ...(args.version ? { version: args.version } : {}),
    ...(args.gitSha ? { gitSha: args.gitSha } : {}),
    ...(args.gitRef ? { gitRef: args.gitRef } : {}),
    ...(args.promoteDigest ? { promoteDigest: args.promoteDigest } : {}),
    ...(args.migration !== undefined ? { migration: args.migration === "none" ? false : args.migration } : {}),
    ...(args.smokeUrl ? { smoke: { baseUrl: args.smokeUrl } } : {}),
    ...(slackWebhookUrl !== undefined ? { slackWebhookUrl } : {}),
    ...(rolloutTimeoutMs !== undefined ? { rolloutTimeoutMs } : {}),
    ...(migrationTimeoutMs !== undefined ? { migrationTimeoutMs } : {}),
    ...(rollbackTimeoutMs !== undefined ? { rollbackTimeoutMs } : {}),
    ...(args.lockTable ? { lockTable: args.lockTable } : {}),
  };
}

/**
 * Runs the core deploy. `build` is called only when the core decides to push (not for a promotion or a rerun).
 * Returns the JSON report; throws (with the report) when the outcome is not `succeeded`.
 */
export async function deployStage(args: DeployArgs, build: () => Promise<Container>): Promise<string> {
  const { base, template } = await access(args);
  const slack = args.slackWebhook ? await args.slackWebhook.plaintext() : undefined;
  const options = { ...deployOptions(base, args, slack), template };
  const report = await deploy(args.promoteDigest ? options : { ...options, publish: ecrPublisher(build) });
  return reportOrThrow(report);
}

/** Runs the core plan (dry run) and returns it as JSON. */
export async function planStage(args: DeployArgs): Promise<string> {
  const { base, template } = await access(args);
  const options = { ...deployOptions(base, args, undefined), template };
  return JSON.stringify(await plan(args.promoteDigest ? options : { ...options, publish: true }), null, 2);
}

/** Arguments of the rollback function. */
export interface RollbackArgs extends AwsArgs {
  /** `previous`, a revision number, `family:N`, or an ARN. */
  readonly to?: string;
  readonly smokeUrl?: string;
  readonly slackWebhook?: Secret;
  readonly timeoutSeconds?: number;
}

/** Runs the core rollback; returns the JSON report or throws with it. */
export async function rollbackStage(args: RollbackArgs): Promise<string> {
  const { base } = await access(args);
  const timeout = seconds(args.timeoutSeconds);
  const report = await rollback({
    ...base,
    ...(args.to ? { to: args.to } : {}),
    ...(args.smokeUrl ? { smoke: { baseUrl: args.smokeUrl } } : {}),
    ...(args.slackWebhook ? { slackWebhookUrl: await args.slackWebhook.plaintext() } : {}),
    ...(timeout !== undefined ? { rollbackTimeoutMs: timeout } : {}),
  });
  return reportOrThrow(report);
}

/** Arguments of the migrate function. */
export interface MigrateArgs extends AwsArgs {
  /** `upgrade head`, `downgrade -1` or `downgrade <revision>`. */
  readonly command?: string;
  /** Task definition whose image runs it (family:N or ARN). @default the serving one */
  readonly taskDefinition?: string;
  readonly timeoutSeconds?: number;
}

/** Runs one alembic command as an ECS task; returns the JSON report or throws with it. */
export async function migrateStage(args: MigrateArgs): Promise<string> {
  const { base } = await access(args);
  const timeout = seconds(args.timeoutSeconds);
  const report = await migrate({
    ...base,
    ...(args.command ? { command: args.command } : {}),
    ...(args.taskDefinition ? { taskDefinition: args.taskDefinition } : {}),
    ...(timeout !== undefined ? { migrationTimeoutMs: timeout } : {}),
  });
  return reportOrThrow(report);
}

/** Smoke-checks an environment's URL (or `url`); returns the results as JSON or throws SmokeCheckError. */
export async function smokeStage(args: {
  source: Directory;
  env: string;
  url?: string;
  version?: string;
  attempts?: number;
}): Promise<string> {
  const environment = await environmentNamed(args.source, args.env);
  const results = await smoke({
    baseUrl: args.url ?? environment.publicUrl,
    ...(args.version ? { expectedVersion: args.version } : {}),
    ...(args.attempts !== undefined ? { attempts: args.attempts } : {}),
    log: (line) => console.error(`[smoke] ${line}`),
  });
  return JSON.stringify(results, null, 2);
}

/** Arguments of the publish function. */
export interface PublishArgs extends AwsArgs {
  readonly version?: string;
  readonly gitSha?: string;
}

/**
 * Pushes the image under the environment's tags (`staging-<sha>`, or `vX.Y.Z` and `latest`) to its ECR repository
 * (login via GetAuthorizationToken), and returns `repo@sha256:...`.
 */
export async function publishStage(args: PublishArgs, image: Container): Promise<string> {
  const environment = await environmentNamed(args.source, args.env);
  const version = resolveVersion(environment, args);
  const { base } = await access(args);
  const clients = await clientsFor(base);
  try {
    const login = await ecrLogin(clients);
    return await publishToEcr(image, {
      repositoryUri: `${login.registry}/${environment.ecrRepository}`,
      tags: version.imageTags,
      login,
    });
  } finally {
    destroyAwsClients(clients);
  }
}

/**
 * The APP_VERSION a deploy will set (and `/` must report): the release tag, else `staging-<sha>`. The @func bakes
 * the same value into the image it builds, so the image and the task agree. Throws the deploy's one-line errors.
 */
export async function appVersionOf(args: {
  source: Directory;
  env: string;
  version?: string;
  gitSha?: string;
  gitRef?: string;
}): Promise<string> {
  return resolveVersion(await environmentNamed(args.source, args.env), args).appVersion;
}
