import {
  DescribeServicesCommand,
  TagResourceCommand,
  type ServiceEvent,
  type TaskDefinition,
} from "@aws-sdk/client-ecs";
import { PreflightError, SettingsError } from "../errors.js";
import type { AwsClients } from "../aws/clients.js";
import { awsErrorText } from "../aws/clients.js";
import { isTransientAwsError } from "../aws/transient.js";
import { notifySlack } from "../notify/slack.js";
import { assertSmokePassed, runSmokeChecks, validateSmokeUrl } from "../smoke/smoke.js";
import { systemClock, WaitTimer, type Clock } from "./backoff.js";
import { decideDeploy, gatherDeployFacts, type DeployDecision } from "./decide.js";
import { stoppedServiceTasks } from "./diagnostics.js";
import { decideFailure, type DeployPhase } from "./failure-policy.js";
import { decideImageAction, publishImage, tagImage, type PublishImage } from "./image.js";
import {
  parseImageDigest,
  resolveVersion,
  resolveWebhook,
  validateWaitBounds,
  type ResolvedVersion,
} from "./inputs.js";
import { acquireDeployLock, lockLostReason, releaseDeployLock, type DeployLock } from "./lock.js";
import { migrationOf, runMigrationTask } from "./migration.js";
import { parseMigrationCommand, type MigrationCommand } from "./migration-gate.js";
import {
  clientsFor,
  smokeTuning,
  validateAccess,
  type AwsAccessOptions,
  type SmokeSettings,
  type WaitSettings,
} from "./options.js";
import { preflight, type PreflightResult } from "./preflight.js";
import { markVerified, promotesVerifiedOnly, promotionDigest } from "./promotion.js";
import { errorEntry, finishReport, newReport, notificationText, summaryLine, type DeployReport } from "./report.js";
import { registerRevision, revisionSpec } from "./revision.js";
import { LAST_DEPLOY_PREVIOUS_TAG, LAST_DEPLOY_TAG, rollBackService } from "./rollback.js";
import { startRollout, waitForDeployment } from "./rollout.js";
import { ecrRepositoryOf, isTableName } from "./environments.js";
import type { TaskDefinitionTemplate } from "./task-template.js";

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
  /** Alembic command run before the rollout (every deploy: it is idempotent), or `false` to skip. @default "upgrade head" */
  readonly migration?: string | false;
  /** Smoke check settings. */
  readonly smoke?: SmokeSettings;
  /** Slack incoming-webhook URL (secret); empty means no notification and a warning. @default no notification */
  readonly slackWebhookUrl?: string;
  /** DynamoDB table of the deploy lock. @default the environment's `lockTable`, else no lock (with a warning) */
  readonly lockTable?: string;
  /** Wall clock for the lock's expiry (ms since epoch). @default Date.now */
  readonly wallClock?: () => number;
  /**
   * The service's task definition template: what gets registered, rendered for the environment. Every `dagger call`
   * passes one (the service's deploy/task-definition.json, else the module's). @default the serving revision with
   * the container's image and variables replaced (library use)
   */
  readonly template?: TaskDefinitionTemplate;
}

/** Inputs validated before any AWS call (phase 1). */
interface DeployInputs {
  readonly version: ResolvedVersion;
  readonly promoteDigest?: string;
  readonly migration?: MigrationCommand;
  readonly smokeUrl: string;
  readonly webhook?: string;
  readonly webhookWarning?: string;
  readonly lockTable?: string;
}

/** One deploy in progress: its clients, clocks, report and phase timings. */
interface DeployRun {
  readonly options: DeployOptions;
  readonly clients: AwsClients;
  readonly clock: WaitTimer;
  readonly baseClock: Clock;
  readonly report: DeployReport;
  readonly log: (line: string) => void;
  readonly startedAt: number;
  readonly callsAtStart: number;
  readonly phases: Record<string, number>;
  readonly seenEventIds: Set<string>;
  /** The revision being rolled out, once decided (its awslogs options locate the stopped tasks' logs). */
  target?: TaskDefinition;
}

/** What the revision phase settled on. */
interface DeployTarget {
  readonly decision: DeployDecision;
  readonly definition: TaskDefinition;
  readonly arn: string;
}

/**
 * Deploys one version to one environment, in the phases of docs/deploy.md: validate → preflight → lock → image →
 * revision → migrate → update (lock re-checked) → wait → smoke; a failure in any phase goes to `decideFailure`,
 * which says whether to roll back and why; the lock is released in every outcome; then notify.
 *
 * Bad input, a failed preflight and a held lock throw a one-line PipelineError before any change. Afterwards the
 * result is always a report: check `report.outcome` (`succeeded`, `failed`, `timed-out`, `rolled-back`).
 */
export async function deploy(options: DeployOptions): Promise<DeployReport> {
  const validated = validateDeployInputs(options);
  const clients = await clientsFor(options);
  const run = openRun(options, clients);
  // Promotion gate (promotion.ts): production deploys only the digest staging verified for this commit.
  const promoteDigest = await promotionDigest(clients, options.environment, options.gitSha, validated.promoteDigest);
  const inputs: DeployInputs = { ...validated, ...(promoteDigest ? { promoteDigest } : {}) };
  const pf = await timed(run, "preflight", () => preflightPhase(run, inputs));
  const lock = await timed(run, "lock", () => lockPhase(run, inputs));
  run.report.taskDefinition.previous = pf.serving.taskDefinition.taskDefinitionArn;
  for (const e of pf.serving.service.events ?? []) run.seenEventIds.add(e.id ?? "");
  if (inputs.webhookWarning) run.report.warnings.push(inputs.webhookWarning);

  let phase: DeployPhase = "image";
  let serviceChanged = false;
  try {
    const image = await timed(run, "image", () => imagePhase(run, inputs, pf));
    phase = "revision";
    const target = await timed(run, "register", () => revisionPhase(run, inputs, pf, image));
    phase = "migrate";
    await timed(run, "migrate", () => migrationPhase(run, inputs, pf, target));
    if (target.decision.updateService) {
      phase = "update";
      const deploymentId = await timed(run, "rollout", () => updatePhase(run, lock, pf, target));
      serviceChanged = true;
      phase = "wait";
      await timed(run, "wait", () => waitPhase(run, pf, target, deploymentId));
    }
    phase = "smoke";
    await timed(run, "smoke", () => smokePhase(run, inputs));
    run.report.outcome = "succeeded";
  } catch (error) {
    await timed(run, "rollback", () => failurePhase(run, pf, phase, error, serviceChanged));
  } finally {
    if (lock) await releasePhase(run, lock);
  }
  // Verified mark (promotion.ts): a successful staging deploy tags its digest for production.
  await markVerified(clients, options.environment, options.gitSha, run.report, run.log);
  if (inputs.webhook) await timed(run, "notify", () => notifyPhase(run, inputs.webhook as string));
  finishReport(run.report, run.clock, run.startedAt, run.phases, clients.calls.summary(run.callsAtStart));
  run.log(summaryLine(run.report));
  return run.report;
}

/** Phase 1: everything that can be checked without AWS. @throws SettingsError */
function validateDeployInputs(options: DeployOptions): DeployInputs {
  const env = options.environment;
  const version = resolveVersion(env, options);
  validateAccess(options);
  validateWaitBounds(options);
  if (options.publish && options.promoteDigest)
    throw new SettingsError(
      "pass either a build to publish or --promote-digest, not both: promote deploys an existing digest without rebuilding",
    );
  if (!options.publish && !options.promoteDigest && !promotesVerifiedOnly(env))
    throw new SettingsError(
      "nothing to deploy: pass --promote-digest=sha256:... or let deploy build and publish the image",
    );
  const lockTable = options.lockTable || env.lockTable;
  if (lockTable !== undefined && !isTableName(lockTable))
    throw new SettingsError(
      `deploy lock table ${JSON.stringify(String(lockTable).slice(0, 80))} is not a DynamoDB table name: fix --lock-table`,
    );
  const webhook = resolveWebhook(options.slackWebhookUrl);
  return {
    version,
    ...(options.promoteDigest ? { promoteDigest: parseImageDigest(options.promoteDigest) } : {}),
    ...(options.migration === false ? {} : { migration: parseMigrationCommand(options.migration ?? "upgrade head") }),
    smokeUrl: validateSmokeUrl(options.smoke?.baseUrl ?? env.publicUrl),
    ...(webhook.url ? { webhook: webhook.url } : {}),
    ...(webhook.warning ? { webhookWarning: webhook.warning } : {}),
    ...(lockTable ? { lockTable } : {}),
  };
}

function openRun(options: DeployOptions, clients: AwsClients): DeployRun {
  const baseClock = options.clock ?? systemClock;
  // Only waits on ECS go through the WaitTimer, so `overheadMs` = wall time minus time waiting on ECS.
  const clock = new WaitTimer(baseClock);
  const report = newReport("deploy", options.environment);
  return {
    options,
    clients,
    clock,
    baseClock,
    report,
    log: options.log ?? (() => {}),
    startedAt: clock.now(),
    callsAtStart: clients.calls.calls.length,
    phases: {},
    seenEventIds: new Set(),
  };
}

async function timed<T>(run: DeployRun, name: string, body: () => Promise<T>): Promise<T> {
  const t0 = run.clock.now();
  try {
    return await body();
  } finally {
    run.phases[name] = Math.round((run.phases[name] ?? 0) + run.clock.now() - t0);
  }
}

/** Phase 2, read-only: account, service idle, no migration running, serving revision valid, ECR tags. */
async function preflightPhase(run: DeployRun, inputs: DeployInputs): Promise<PreflightResult> {
  const env = run.options.environment;
  const pf = await preflight({
    clients: run.clients,
    environment: env,
    imageTags: inputs.version.imageTags,
    immutableTags: inputs.version.immutableTags,
    ...(inputs.promoteDigest ? { expectedDigest: inputs.promoteDigest } : {}),
    // A template was checked against the environment on load; the serving revision is only the rollback target.
    validateServingContainer: !run.options.template,
  });
  if (inputs.version.version) run.report.version = inputs.version.version;
  run.log(
    `${env.name}: ${env.cluster}/${env.service} serves ${pf.serving.taskDefinition.taskDefinitionArn} (${pf.serving.image ?? "no image"}): rollback target recorded`,
  );
  return pf;
}

/** Phase 3: the deploy lock, before the first change. @throws PreflightError when another run holds it. */
async function lockPhase(run: DeployRun, inputs: DeployInputs): Promise<DeployLock | undefined> {
  const env = run.options.environment;
  if (!inputs.lockTable) {
    run.report.warnings.push(
      `no deploy lock table configured for ${env.name}: nothing stops a concurrent deploy (set lockTable in dagger/environments.json)`,
    );
    return undefined;
  }
  const o = run.options;
  // Held for the longest this run can take; a crashed run frees the service when it expires.
  const ttlMs =
    (o.migrationTimeoutMs ?? 900_000) + (o.rolloutTimeoutMs ?? 900_000) + (o.rollbackTimeoutMs ?? 900_000) + 600_000;
  const lock = await acquireDeployLock({
    clients: run.clients,
    table: inputs.lockTable,
    cluster: env.cluster,
    service: env.service,
    ttlMs,
    holder: `deploy of ${inputs.version.appVersion}`,
    ...(o.wallClock ? { now: o.wallClock } : {}),
  });
  run.report.lock = { table: lock.table, lockId: lock.lockId, acquired: true, released: false };
  run.log(`lock: ${lock.lockId} taken in ${lock.table} until ${new Date(lock.expiresAt * 1000).toISOString()}`);
  return lock;
}

/** Phase 4: the image, by digest (published, promoted, or reused from an immutable tag). */
async function imagePhase(run: DeployRun, inputs: DeployInputs, pf: PreflightResult): Promise<string> {
  const { clients, report } = run;
  const env = run.options.environment;
  const tags = inputs.version.imageTags;
  const action = decideImageAction({
    ...(inputs.promoteDigest ? { promoteDigest: inputs.promoteDigest } : {}),
    immutableTags: inputs.version.immutableTags,
    tagDigests: pf.tagDigests,
  });
  let digest: string;
  const repositoryUri = pf.repositoryUri;
  if (action.kind === "publish") {
    digest = await publishImage(
      clients,
      ecrRepositoryOf(env),
      repositoryUri,
      tags,
      run.options.publish as PublishImage,
    );
  } else {
    digest = action.digest;
    if (action.kind === "reuse") report.warnings.push(action.why);
    await tagImage(clients, ecrRepositoryOf(env), digest, tags, pf.tagDigests);
  }
  const reference = `${repositoryUri}@${digest}`;
  report.image = {
    repository: repositoryUri,
    digest,
    reference,
    tags,
    source: action.kind === "publish" ? "published" : action.kind === "reuse" ? "reused" : "promoted",
  };
  run.log(`image: ${reference}`);
  return reference;
}

/** Phase 5: the revision to roll out, decided by the code `plan` uses: serving already, reused, or registered. */
async function revisionPhase(
  run: DeployRun,
  inputs: DeployInputs,
  pf: PreflightResult,
  image: string,
): Promise<DeployTarget> {
  const env = run.options.environment;
  const spec = revisionSpec(env, pf.serving.taskDefinition, image, inputs.version.appVersion, run.options.template);
  run.report.taskDefinition.renderedSha256 = spec.renderedSha256;
  if (spec.template) run.report.taskDefinition.template = spec.template;
  const facts = await gatherDeployFacts(run.clients, pf, spec, env.desiredCount);
  const decision = decideDeploy(facts, inputs.migration?.join(" "));
  let definition: TaskDefinition;
  if (decision.revision === "register") {
    definition = await registerRevision(run.clients, pf.serving.taskDefinition, pf.serving.taskDefinitionTags, spec);
    run.report.taskDefinition.registered = true;
  } else {
    definition = decision.existing as TaskDefinition;
    run.report.warnings.push(
      decision.revision === "none"
        ? `${env.cluster}/${env.service} already runs ${definition.taskDefinitionArn} as rendered, at its task count: no new deployment`
        : `reusing ${definition.taskDefinitionArn}: it already is the revision rendered for this deploy`,
    );
  }
  const arn = definition.taskDefinitionArn as string;
  run.report.taskDefinition.new = arn;
  run.target = definition;
  return { decision, definition, arn };
}

/** Phase 6: the migration task with the new image; on every deploy unless disabled (upgrade head is idempotent). */
async function migrationPhase(
  run: DeployRun,
  inputs: DeployInputs,
  pf: PreflightResult,
  target: DeployTarget,
): Promise<void> {
  if (!inputs.migration) {
    run.report.migration = { command: "none", polls: 0, skipped: "migration disabled (--migration=none)" };
    return;
  }
  const o = run.options;
  run.report.migration = await runMigrationTask({
    clients: run.clients,
    cluster: o.environment.cluster,
    service: pf.serving.service,
    taskDefinition: target.definition,
    containerName: o.environment.containerName,
    command: inputs.migration,
    clock: run.clock,
    log: run.log,
    ...(o.migrationTimeoutMs !== undefined ? { timeoutMs: o.migrationTimeoutMs } : {}),
    ...(o.backoff ? { backoff: o.backoff } : {}),
  });
}

/**
 * Phase 7: re-check the lock, UpdateService (200/100, circuit breaker), record the last deploy on the service.
 * Returns the new PRIMARY deployment id. An UpdateService that errs transiently but that ECS did apply counts
 * as accepted (one DescribeServices tells).
 */
async function updatePhase(
  run: DeployRun,
  lock: DeployLock | undefined,
  pf: PreflightResult,
  target: DeployTarget,
): Promise<string> {
  const { clients } = run;
  const env = run.options.environment;
  if (lock) {
    const lost = await lockLostReason(clients, lock, run.options.wallClock);
    if (lost)
      throw new PreflightError(
        `not updating ${env.cluster}/${env.service}: ${lost}; another deploy may be running: check, then rerun`,
      );
  }
  let deploymentId: string;
  try {
    deploymentId = await startRollout(
      { clients, cluster: env.cluster, service: env.service },
      target.arn,
      env.desiredCount,
    );
  } catch (error) {
    const applied = isTransientAwsError(error) ? await appliedDeployment(clients, env, target.arn) : undefined;
    if (!applied) throw error;
    deploymentId = applied;
  }
  run.report.deploymentId = deploymentId;
  run.log(`rollout: deployment ${deploymentId} started (max 200%, min healthy 100%, circuit breaker with rollback)`);
  const previousArn = pf.serving.taskDefinition.taskDefinitionArn as string;
  if (previousArn !== target.arn) {
    try {
      await clients.ecs.send(
        new TagResourceCommand({
          resourceArn: pf.serving.service.serviceArn,
          tags: [
            { key: LAST_DEPLOY_TAG, value: target.arn },
            { key: LAST_DEPLOY_PREVIOUS_TAG, value: previousArn },
          ],
        }),
      );
    } catch (error) {
      run.report.warnings.push(
        `could not record the last deploy on the service (${awsErrorText(error)}): rollback --to=previous may pick an older revision`,
      );
    }
  }
  return deploymentId;
}

/** The PRIMARY deployment on `arn`, when the service already points at it (an UpdateService that did land). */
async function appliedDeployment(
  clients: AwsClients,
  env: { cluster: string; service: string },
  arn: string,
): Promise<string | undefined> {
  try {
    const service = (
      await clients.ecs.send(new DescribeServicesCommand({ cluster: env.cluster, services: [env.service] }))
    ).services?.[0];
    const primary = service?.deployments?.find((d) => d.status === "PRIMARY");
    return service?.taskDefinition === arn && primary?.taskDefinition === arn ? primary.id : undefined;
  } catch {
    return undefined;
  }
}

/** Phase 8: wait until our deployment is steady and still PRIMARY (transient errors only delay the verdict). */
async function waitPhase(run: DeployRun, pf: PreflightResult, target: DeployTarget, deploymentId: string) {
  const o = run.options;
  try {
    const waited = await waitForDeployment({
      ...waitBase(run),
      deploymentId,
      taskDefinitionArn: target.arn,
      previousTaskDefinitionArn: pf.serving.taskDefinition.taskDefinitionArn as string,
      ...(o.rolloutTimeoutMs !== undefined ? { timeoutMs: o.rolloutTimeoutMs } : {}),
    });
    run.report.rolloutPolls += waited.polls;
  } catch (error) {
    run.report.rolloutPolls += (error as { polls?: number }).polls ?? 0;
    throw error;
  }
  run.log(`rollout: deployment ${deploymentId} is steady and still PRIMARY`);
}

/** Phase 9: `/health`, `/ready`, `/` (version) with bounded retries. @throws SmokeCheckError */
async function smokePhase(run: DeployRun, inputs: DeployInputs): Promise<void> {
  run.report.smoke = await runSmokeChecks({
    baseUrl: inputs.smokeUrl,
    expectedVersion: inputs.version.appVersion,
    clock: run.baseClock,
    log: run.log,
    ...smokeTuning(run.options.smoke),
  });
  assertSmokePassed(run.report.smoke);
}

/** A failure in `phase`: record it, then do what `decideFailure` says (roll back with the observed cause, or not). */
async function failurePhase(
  run: DeployRun,
  pf: PreflightResult,
  phase: DeployPhase,
  error: unknown,
  serviceChanged: boolean,
): Promise<void> {
  const { report, options: o } = run;
  const env = o.environment;
  report.error = errorEntry(error);
  const migration = migrationOf(error);
  if (migration) report.migration = migration;
  run.log(`${env.name}: ${report.error.kind} in ${phase}: ${report.error.message}`);
  const decision = decideFailure(phase, error, serviceChanged);
  report.outcome = decision.outcome;
  await collectDiagnostics(run, phase);
  if (!decision.rollBack) {
    report.rollback = { taken: false, reason: decision.why };
    report.warnings.push(decision.why);
    return;
  }
  const previousArn = pf.serving.taskDefinition.taskDefinitionArn as string;
  const servingCount = pf.serving.service.desiredCount;
  const rolled = await rollBackService({
    ...waitBase(run),
    taskDefinitionArn: previousArn,
    // The task count this deploy changed goes back with the revision.
    ...(o.environment.desiredCount !== undefined && servingCount !== undefined ? { desiredCount: servingCount } : {}),
    reason: report.error.message,
    cause: decision.cause,
    ...(o.rollbackTimeoutMs !== undefined ? { timeoutMs: o.rollbackTimeoutMs } : {}),
  });
  report.rollback = rolled.rollback;
  report.rolloutPolls += rolled.wait?.polls ?? 0;
  if (rolled.rollback.succeeded && report.outcome === "failed") report.outcome = "rolled-back";
  if (!rolled.rollback.succeeded) {
    report.outcome = "failed";
    report.error = { kind: "RollbackFailedError", message: rolled.rollback.error ?? "rollback failed" };
  }
  run.log(
    `rollback (${decision.cause}): ${rolled.rollback.succeeded ? `back on ${previousArn}` : rolled.rollback.error}`,
  );
}

/** Stopped tasks' reasons, exit codes and log tails: of the migration task, or of the new revision's service tasks. */
async function collectDiagnostics(run: DeployRun, phase: DeployPhase): Promise<void> {
  const { report } = run;
  const m = report.migration;
  if (phase === "migrate" && m?.taskArn && m.lastStatus === "STOPPED") {
    report.stoppedTasks = [
      {
        taskArn: m.taskArn,
        ...(m.stoppedReason ? { stoppedReason: m.stoppedReason } : {}),
        containers: m.containers ?? [],
        logTail: m.logTail ?? [],
      },
    ];
    return;
  }
  if ((phase === "wait" || phase === "smoke") && run.target) {
    const env = run.options.environment;
    const found = await stoppedServiceTasks({
      clients: run.clients,
      cluster: env.cluster,
      service: env.service,
      taskDefinition: run.target,
      containerName: env.containerName,
    });
    if (found.tasks.length > 0) report.stoppedTasks = found.tasks;
    if (found.warning) report.warnings.push(found.warning);
  }
}

/** Releases the lock (if still ours); a failure is a warning, the lock then expires by itself. */
async function releasePhase(run: DeployRun, lock: DeployLock): Promise<void> {
  const warning = await releaseDeployLock(run.clients, lock);
  if (run.report.lock) run.report.lock.released = warning === undefined;
  if (warning) run.report.warnings.push(warning);
}

/** Phase 10: one Slack summary with the stopped tasks; its failure is a warning, never a change of outcome. */
async function notifyPhase(run: DeployRun, webhook: string): Promise<void> {
  run.report.notification = await notifySlack({ webhookUrl: webhook, text: notificationText(run.report) });
  if (run.report.notification.warning) run.report.warnings.push(run.report.notification.warning);
}

function waitBase(run: DeployRun) {
  const env = run.options.environment;
  return {
    clients: run.clients,
    cluster: env.cluster,
    service: env.service,
    clock: run.clock,
    onEvent: (event: ServiceEvent) => run.log(`ecs event: ${event.message ?? ""}`),
    seenEventIds: run.seenEventIds,
    ...(run.options.backoff ? { backoff: run.options.backoff } : {}),
  };
}

export type { SmokeSettings };
