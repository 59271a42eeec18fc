import type { ServiceEvent } from "@aws-sdk/client-ecs";
import {
  DeploymentFailedError,
  DeploymentTimeoutError,
  MigrationFailedError,
  SettingsError,
  SmokeCheckError,
} from "../errors.js";
import { notifySlack } from "../notify/slack.js";
import { assertSmokePassed, runSmokeChecks, validateSmokeUrl } from "../smoke/smoke.js";
import { systemClock, WaitTimer } from "./backoff.js";
import { judgeDeployment } from "./deployment-verdict.js";
import { decideImageAction, publishImage, tagImage, type PublishImage } from "./image.js";
import { parseImageDigest, resolveVersion, validateWebhookUrl } from "./inputs.js";
import { MIGRATED_TAG, markMigrated, runMigrationTask } from "./migration.js";
import { parseMigrationCommand } from "./migration-gate.js";
import {
  clientsFor,
  smokeTuning,
  validateAccess,
  type AwsAccessOptions,
  type SmokeSettings,
  type WaitSettings,
} from "./options.js";
import { markVerified, promotesVerifiedOnly, promotionDigest } from "./promotion.js";
import { ensureRevision } from "./revision.js";
import { preflight } from "./preflight.js";
import { errorEntry, finishReport, newReport, summaryLine, type DeployReport } from "./report.js";
import { rollBackService } from "./rollback.js";
import { startRollout, waitForDeployment } from "./rollout.js";
import { alreadyMatches, type TaskDefinitionChange } from "./task-definition.js";

/** Everything `deploy` needs. Exactly one of `publish` and `promoteDigest` gives the image. */
export interface DeployOptions extends AwsAccessOptions, WaitSettings {
  /** Release tag `vX.Y.Z[-pre]`; required in production. */
  readonly version?: string;
  /** Commit deployed (names the staging image tag); required in staging. */
  readonly gitSha?: string;
  /** Git ref that triggered the deploy, checked against the environment's `deployFrom` when given. */
  readonly gitRef?: string;
  /** Pushes the built image to ECR and returns `repo@sha256:...`; called after preflight, before registering. */
  readonly publish?: PublishImage;
  /** Deploy this digest, already in the environment's ECR repository (promote what passed staging; no rebuild). */
  readonly promoteDigest?: string;
  /** Alembic command run before the rollout, or `false` to skip. @default "upgrade head" */
  readonly migration?: string | false;
  /** Smoke check settings. */
  readonly smoke?: SmokeSettings;
  /** Slack incoming-webhook URL (secret). @default no notification */
  readonly slackWebhookUrl?: string;
}

/**
 * Deploys one version to one environment: preflight → record what serves → push by digest (or promote) →
 * register the revision → migrate → UpdateService (200/100, circuit breaker) → wait (events streamed) → verify the
 * deployment is still PRIMARY and not FAILED → smoke → on failure roll back to the recorded revision → notify.
 *
 * Bad input and failed preflight throw a one-line PipelineError before any change. Once preflight passed, the
 * result is always a report: check `report.outcome` (`succeeded`, `failed`, `timed-out`, `rolled-back`).
 */
export async function deploy(options: DeployOptions): Promise<DeployReport> {
  const env = options.environment;
  const log = options.log ?? (() => {});
  // Only waits on ECS go through the WaitTimer, so `overheadMs` = wall time minus time waiting on ECS.
  const baseClock = options.clock ?? systemClock;
  const clock = new WaitTimer(baseClock);
  const startedAt = clock.now();
  const phases: Record<string, number> = {};
  const phase = async <T>(name: string, body: () => Promise<T>): Promise<T> => {
    const t0 = clock.now();
    try {
      return await body();
    } finally {
      phases[name] = Math.round((phases[name] ?? 0) + clock.now() - t0);
    }
  };

  // Everything that can be checked without AWS, first.
  const version = resolveVersion(env, options);
  validateAccess(options);
  if (options.publish && options.promoteDigest)
    throw new SettingsError(
      "pass either a build to publish or --promote-digest, not both: promote deploys an existing digest without rebuilding",
    );
  if (!options.publish && !options.promoteDigest && !promotesVerifiedOnly(env))
    throw new SettingsError(
      "nothing to deploy: pass --promote-digest=sha256:... or let deploy build and publish the image",
    );
  const givenDigest = options.promoteDigest ? parseImageDigest(options.promoteDigest) : undefined;
  const migrationCommand =
    options.migration === false ? undefined : parseMigrationCommand(options.migration ?? "upgrade head");
  const smokeUrl = validateSmokeUrl(options.smoke?.baseUrl ?? env.publicUrl);
  const webhook = validateWebhookUrl(options.slackWebhookUrl);

  const clients = await clientsFor(options);
  const callsAtStart = clients.calls.calls.length;
  // Promotion gate (promotion.ts): production deploys only the digest staging verified for this commit.
  const promoteDigest = await promotionDigest(clients, env, options.gitSha, givenDigest);
  const pf = await phase("preflight", () =>
    preflight({
      clients,
      environment: env,
      imageTags: version.imageTags,
      immutableTags: version.immutableTags,
      ...(promoteDigest ? { expectedDigest: promoteDigest } : {}),
    }),
  );

  const report = newReport("deploy", env);
  if (version.version) report.version = version.version;
  const previous = pf.serving.taskDefinition;
  const previousArn = previous.taskDefinitionArn as string;
  report.taskDefinition.previous = previousArn;
  log(
    `${env.name}: ${env.cluster}/${env.service} serves ${previousArn} (${pf.serving.image ?? "no image"}): rollback target recorded`,
  );

  const seenEventIds = new Set((pf.serving.service.events ?? []).map((e) => e.id ?? ""));
  const onEvent = (event: ServiceEvent) => log(`ecs event: ${event.message ?? ""}`);
  const waitBase = {
    clients,
    cluster: env.cluster,
    service: env.service,
    clock,
    onEvent,
    seenEventIds,
    ...(options.backoff ? { backoff: options.backoff } : {}),
  };
  let stage: "before-rollout" | "rolled-out" = "before-rollout";
  let newArn: string | undefined;

  try {
    // 1. The image, by digest.
    const action = decideImageAction({
      ...(promoteDigest ? { promoteDigest } : {}),
      immutableTags: version.immutableTags,
      tagDigests: pf.tagDigests,
    });
    let digest: string;
    let repositoryUri = pf.repositoryUri;
    if (action.kind === "publish") {
      const published = await phase("publish", () =>
        publishImage(clients, env.ecrRepository, pf.repositoryUri, version.imageTags, options.publish as PublishImage),
      );
      digest = published.digest;
      repositoryUri = published.repositoryUri;
      if (published.elsewhere)
        report.warnings.push(
          `the image was pushed to ${repositoryUri}, not to ECR ${pf.repositoryUri} (registry override)`,
        );
    } else {
      digest = action.digest;
      if (action.kind === "reuse") report.warnings.push(action.why);
      await phase("tag", () => tagImage(clients, env.ecrRepository, digest, version.imageTags, pf.tagDigests));
    }
    const reference = `${repositoryUri}@${digest}`;
    report.image = {
      repository: repositoryUri,
      digest,
      reference,
      tags: version.imageTags,
      source: action.kind === "publish" ? "published" : action.kind === "reuse" ? "reused" : "promoted",
    };
    log(`image: ${reference}`);

    const change: TaskDefinitionChange = {
      containerName: env.containerName,
      image: reference,
      environment: { ...env.taskEnvironment, APP_VERSION: version.appVersion },
    };

    // 2. Rerun: the service already runs this exact revision content and is steady → no new deployment.
    const servingSteady =
      judgeDeployment(
        pf.serving.service,
        pf.serving.service.deployments?.find((d) => d.status === "PRIMARY")?.id ?? "",
        previousArn,
      ).state === "steady";
    if (alreadyMatches(previous, change) && servingSteady) {
      report.warnings.push(
        `${env.cluster}/${env.service} already runs ${previousArn} with this image and environment: no new deployment`,
      );
      report.taskDefinition.new = previousArn;
      newArn = previousArn;
    } else {
      // 3. The revision: reuse the family's latest when a previous run registered exactly this, else register.
      const revision = await phase("register", () => ensureRevision(clients, previous, change, report));
      newArn = revision.definition.taskDefinitionArn as string;
      report.taskDefinition.new = newArn;

      // 4. Migration, unless this revision already migrated.
      if (migrationCommand) {
        const commandText = migrationCommand.join(" ");
        if (revision.tags.some((t) => t.key === MIGRATED_TAG && t.value === commandText)) {
          report.migration = {
            command: commandText,
            polls: 0,
            skipped: `${newArn} already passed "${commandText}" in a previous run`,
          };
          log(`migration: skipped, ${newArn} already migrated`);
        } else {
          report.migration = await phase("migrate", () =>
            runMigrationTask({
              clients,
              cluster: env.cluster,
              service: pf.serving.service,
              taskDefinition: revision.definition,
              containerName: env.containerName,
              command: migrationCommand,
              clock,
              log,
              ...(options.migrationTimeoutMs !== undefined ? { timeoutMs: options.migrationTimeoutMs } : {}),
              ...(options.backoff ? { backoff: options.backoff } : {}),
            }),
          );
          await markMigrated(clients, newArn, commandText);
        }
      }

      // 5. Rollout and verification.
      stage = "rolled-out";
      const deploymentId = await phase("rollout", () =>
        startRollout({ clients, cluster: env.cluster, service: env.service }, newArn as string),
      );
      report.deploymentId = deploymentId;
      log(`rollout: deployment ${deploymentId} started (max 200%, min healthy 100%, circuit breaker with rollback)`);
      const waited = await phase("wait", () =>
        waitForDeployment({
          ...waitBase,
          deploymentId,
          taskDefinitionArn: newArn as string,
          ...(options.rolloutTimeoutMs !== undefined ? { timeoutMs: options.rolloutTimeoutMs } : {}),
        }).catch((error: unknown) => {
          report.rolloutPolls += (error as { polls?: number }).polls ?? 0;
          throw error;
        }),
      );
      report.rolloutPolls += waited.polls;
      log(`rollout: deployment ${deploymentId} is steady and still PRIMARY`);
    }

    // 6. Smoke.
    stage = "rolled-out";
    report.smoke = await phase("smoke", () =>
      runSmokeChecks({
        baseUrl: smokeUrl,
        expectedVersion: version.appVersion,
        clock: baseClock,
        log,
        ...smokeTuning(options.smoke),
      }),
    );
    assertSmokePassed(report.smoke);
    report.outcome = "succeeded";
  } catch (error) {
    report.error = errorEntry(error);
    if (error instanceof MigrationFailedError) {
      const migration = (error as { migration?: DeployReport["migration"] }).migration;
      if (migration) report.migration = migration;
    }
    log(`${env.name}: ${report.error.kind}: ${report.error.message}`);
    report.outcome = error instanceof DeploymentTimeoutError ? "timed-out" : "failed";
    if (stage === "rolled-out" && newArn !== previousArn) {
      const rolled = await phase("rollback", () =>
        rollBackService({
          ...waitBase,
          taskDefinitionArn: previousArn,
          reason: report.error?.message ?? "deploy failed",
          ...(options.rolloutTimeoutMs !== undefined ? { timeoutMs: options.rolloutTimeoutMs } : {}),
        }),
      );
      report.rollback = rolled.rollback;
      report.rolloutPolls += rolled.wait?.polls ?? 0;
      if (rolled.rollback.succeeded && report.outcome === "failed") report.outcome = "rolled-back";
      if (!rolled.rollback.succeeded) {
        report.outcome = "failed";
        report.error = { kind: "RollbackFailedError", message: rolled.rollback.error ?? "rollback failed" };
      }
      log(`rollback: ${rolled.rollback.succeeded ? `back on ${previousArn}` : rolled.rollback.error}`);
    } else if (!(
      error instanceof DeploymentFailedError ||
      error instanceof SmokeCheckError ||
      error instanceof MigrationFailedError ||
      error instanceof DeploymentTimeoutError
    )) {
      report.warnings.push("the deploy stopped before the rollout: the service was not changed");
    }
  }

  // Verified mark (promotion.ts): a successful staging deploy tags its digest for production.
  await markVerified(clients, env, options.gitSha, report, log);

  if (webhook) {
    report.notification = await phase("notify", () => notifySlack({ webhookUrl: webhook, text: summaryLine(report) }));
    if (report.notification.warning) report.warnings.push(report.notification.warning);
  }
  finishReport(report, clock, startedAt, phases, clients.calls.summary(callsAtStart));
  log(summaryLine(report));
  return report;
}

export type { SmokeSettings };
