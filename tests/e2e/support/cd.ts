/**
 * Client-mode wrappers of the CD functions (publish, deploy, rollback, release) for the e2e suites, with named arguments,
 * over the module's class; what runs beside the engine (moto, the service containers, the webhook stand-in) is
 * in tests/support/rig-cd.ts, re-exported here.
 */
import { dag, type Directory, type Secret } from "@dagger.io/dagger";

import { createAwsClients, destroyAwsClients } from "../../../src/core/aws/clients.js";
import { tagImage } from "../../../src/core/deploy/image.js";
import { verifiedTag } from "../../../src/core/deploy/promotion.js";
import type { DeployReport } from "../../../src/core/deploy/report.js";
import type { FaultmavenAuthPipeline } from "../../../src/index.js";
import { type PrivateMoto, STAGING } from "../../support/rig-cd.js";
import { pipelineFor } from "./pipeline.js";
import { rigImages } from "./session.js";

export * from "../../support/rig-cd.js";

/*
 * The module's class for the CD tests: the rig's images plus, when the rig has it, the Trivy vulnerability-DB
 * stand-in (images.json `trivyDb`, a DB with no advisories on the local registry). Without it every image scan
 * fails as "the scanner failed" (the real DB is unreachable here), so publish and deploy stop before any push.
 */

/** The vulnerability-DB repository the rig publishes, or undefined when it has none (yet). */
export function rigTrivyDb(): string | undefined {
  const images = rigImages() as unknown as Record<string, string | undefined>;
  return images.trivyDb || undefined;
}

/** `pipelineFor(dir)` with the rig's Trivy DB stand-in when there is one. */
export function cdPipelineFor(dir: string): FaultmavenAuthPipeline {
  const trivyDbRepository = rigTrivyDb();
  return pipelineFor(dir, trivyDbRepository ? { trivyDbRepository } : {});
}

/** Dagger Secrets for static AWS keys (moto accepts any); names are unique per call so values never clash. */
export function awsKeySecrets(prefix: string, values: { id: string; secret: string; session?: string }) {
  return {
    awsAccessKeyId: dag.setSecret(`${prefix}-aws-access-key-id`, values.id),
    awsSecretAccessKey: dag.setSecret(`${prefix}-aws-secret-access-key`, values.secret),
    ...(values.session !== undefined
      ? { awsSessionToken: dag.setSecret(`${prefix}-aws-session-token`, values.session) }
      : {}),
  };
}

/** The error a call fails with (it must fail). */
export async function failureOf(call: () => Promise<unknown>): Promise<Error> {
  try {
    await call();
  } catch (error) {
    return error as Error;
  }
  throw new Error("the call succeeded but was expected to fail");
}

/** AWS access as the CD functions take it: Secrets, a role, an endpoint. */
export interface AwsSecretArgs {
  awsAccessKeyId?: Secret;
  awsSecretAccessKey?: Secret;
  awsSessionToken?: Secret;
  awsRoleArn?: string;
  awsWebIdentityToken?: Secret;
  awsEndpointUrl?: string;
}

/** `publish` with named arguments (as `dagger call publish --env=... --git-sha=...` names them). */
export function callPublish(
  pipeline: FaultmavenAuthPipeline,
  args: AwsSecretArgs & { env: string; version?: string; gitSha?: string },
): Promise<string> {
  return pipeline.publish(
    args.env,
    args.version,
    args.gitSha,
    args.awsAccessKeyId,
    args.awsSecretAccessKey,
    args.awsSessionToken,
    args.awsRoleArn,
    args.awsWebIdentityToken,
    args.awsEndpointUrl,
  );
}

/** `deploy` with named arguments. */
export function callDeploy(
  pipeline: FaultmavenAuthPipeline,
  args: AwsSecretArgs & {
    env: string;
    version?: string;
    gitSha?: string;
    gitRef?: string;
    promoteDigest?: string;
    migration?: string;
    slackWebhook?: Secret;
    smokeUrl?: string;
    rolloutTimeoutSeconds?: number;
    migrationTimeoutSeconds?: number;
  },
): Promise<string> {
  return pipeline.deploy(
    args.env,
    args.version,
    args.gitSha,
    args.gitRef,
    args.promoteDigest,
    args.migration,
    args.awsAccessKeyId,
    args.awsSecretAccessKey,
    args.awsSessionToken,
    args.awsRoleArn,
    args.awsWebIdentityToken,
    args.awsEndpointUrl,
    args.slackWebhook,
    args.smokeUrl,
    args.rolloutTimeoutSeconds,
    args.migrationTimeoutSeconds,
  );
}

/** `rollback` with named arguments. */
export function callRollback(
  pipeline: FaultmavenAuthPipeline,
  args: AwsSecretArgs & { env: string; to?: string; slackWebhook?: Secret; smokeUrl?: string; timeoutSeconds?: number },
): Promise<string> {
  return pipeline.rollback(
    args.env,
    args.to,
    args.awsAccessKeyId,
    args.awsSecretAccessKey,
    args.awsSessionToken,
    args.awsRoleArn,
    args.awsWebIdentityToken,
    args.awsEndpointUrl,
    args.slackWebhook,
    args.smokeUrl,
    args.timeoutSeconds,
  );
}

/** `release` with named arguments. */
export function callRelease(
  pipeline: FaultmavenAuthPipeline,
  args: Omit<AwsSecretArgs, "awsSessionToken"> & {
    version: string;
    githubToken: Secret;
    dockerUsername: Secret;
    dockerPassword: Secret;
    repo: Directory;
    dryRun?: boolean;
    githubApiUrl?: string;
    dockerRegistry?: string;
    dockerHubApiUrl?: string;
  },
): Promise<string> {
  return pipeline.release(
    args.version,
    args.githubToken,
    args.dockerUsername,
    args.dockerPassword,
    args.repo,
    undefined,
    undefined,
    undefined,
    args.dryRun,
    undefined,
    args.githubApiUrl,
    args.awsRoleArn,
    args.awsWebIdentityToken,
    args.awsAccessKeyId,
    args.awsSecretAccessKey,
    args.awsEndpointUrl,
    args.dockerRegistry,
    args.dockerHubApiUrl,
  );
}

/** The JSON deploy report a failed deploy/rollback carries after its one-line summary. */
export function reportInError(error: Error): DeployReport {
  const json = error.message.slice(error.message.indexOf("\n") + 1);
  try {
    return JSON.parse(json) as DeployReport;
  } catch (cause) {
    throw new Error(`the error carries no JSON report: ${error.message.slice(0, 500)}`, { cause });
  }
}

/** Tags `digest` verified-staging-<sha> in moto's ECR with the re-tag a staging deploy whose smoke checks passed uses. */
export async function markVerified(moto: PrivateMoto, gitSha: string, digest: string): Promise<void> {
  const clients = await createAwsClients({
    region: STAGING.region,
    credentials: { kind: "static", accessKeyId: "testing", secretAccessKey: "testing" },
    endpoint: moto.endpoint,
  });
  try {
    await tagImage(clients, { repositoryName: STAGING.ecrRepository }, digest, [verifiedTag(gitSha)], {});
  } finally {
    destroyAwsClients(clients);
  }
}
