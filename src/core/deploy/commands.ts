import { DescribeTaskDefinitionCommand, type ServiceEvent } from "@aws-sdk/client-ecs";
import { PreflightError, SettingsError } from "../errors.js";
import { awsErrorText } from "../aws/clients.js";
import { notifySlack } from "../notify/slack.js";
import { runSmokeChecks, validateSmokeUrl } from "../smoke/smoke.js";
import { systemClock, WaitTimer } from "./backoff.js";
import { validateWebhookUrl } from "./inputs.js";
import { runMigrationTask } from "./migration.js";
import { parseMigrationCommand } from "./migration-gate.js";
import { clientsFor, validateAccess, type AwsAccessOptions, type WaitSettings } from "./options.js";
import { preflight } from "./preflight.js";
import { errorEntry, newReport, summaryLine, type DeployReport } from "./report.js";
import { resolveRollbackTarget, rollBackService } from "./rollback.js";
import { finish, type SmokeSettings } from "./deploy.js";
import { findContainer } from "./task-definition.js";

/** Options of `rollback`. */
export interface RollbackOptions extends AwsAccessOptions, WaitSettings {
  /** `previous` (what served before the last deploy), a revision number, `family:N`, or an ARN. @default "previous" */
  readonly to?: string;
  /** Smoke checks after the rollback (expects the target's APP_VERSION), or `false` to skip. @default run them */
  readonly smoke?: SmokeSettings | false;
  /** Slack incoming-webhook URL (secret). @default no notification */
  readonly slackWebhookUrl?: string;
}

/**
 * Manual rollback: brings the service back to the revision that served before the last deploy (or a named one),
 * waits until it is steady and still PRIMARY, smoke-checks it, notifies. Works while a deploy is stuck.
 * Bad input and an unknown target throw one-line errors before any change; afterwards a report is returned.
 */
export async function rollback(options: RollbackOptions): Promise<DeployReport> {
  const env = options.environment;
  const log = options.log ?? (() => {});
  validateAccess(options);
  const webhook = validateWebhookUrl(options.slackWebhookUrl);
  const smokeUrl = options.smoke === false ? undefined : validateSmokeUrl(options.smoke?.baseUrl ?? env.publicUrl);
  const clock = new WaitTimer(options.clock ?? systemClock);
  const startedAt = clock.now();
  const clients = await clientsFor(options);
  const since = clients.calls.calls.length;
  const pf = await preflight({ clients, environment: env, requireIdle: false });
  const where = `${env.cluster}/${env.service}`;
  const target = await resolveRollbackTarget({
    clients,
    serving: pf.serving.taskDefinition,
    servingTags: pf.serving.taskDefinitionTags,
    target: options.to ?? "previous",
    containerName: env.containerName,
    where,
  });
  const report = newReport("rollback", env);
  report.taskDefinition.previous = pf.serving.taskDefinition.taskDefinitionArn;
  report.taskDefinition.new = target.taskDefinitionArn;
  log(`rollback: ${where} from ${report.taskDefinition.previous} to ${target.taskDefinitionArn}`);
  const rolled = await rollBackService({
    clients,
    cluster: env.cluster,
    service: env.service,
    taskDefinitionArn: target.taskDefinitionArn as string,
    reason: `manual rollback to ${options.to ?? "previous"}`,
    clock,
    onEvent: (e: ServiceEvent) => log(`ecs event: ${e.message ?? ""}`),
    seenEventIds: new Set((pf.serving.service.events ?? []).map((e) => e.id ?? "")),
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(options.rolloutTimeoutMs !== undefined ? { timeoutMs: options.rolloutTimeoutMs } : {}),
  });
  report.rollback = rolled.rollback;
  report.deploymentId = rolled.rollback.deploymentId;
  report.rolloutPolls = rolled.wait?.polls ?? 0;
  if (!rolled.rollback.succeeded) {
    report.outcome = "failed";
    report.error = { kind: "RollbackFailedError", message: rolled.rollback.error ?? "rollback failed" };
  } else if (smokeUrl && options.smoke !== false) {
    const appVersion = findContainer(target, env.containerName)?.environment?.find(
      (e) => e.name === "APP_VERSION",
    )?.value;
    report.smoke = await runSmokeChecks({
      baseUrl: smokeUrl,
      ...(appVersion ? { expectedVersion: appVersion } : {}),
      clock: options.clock ?? systemClock,
      log,
      ...smokeTuning(options.smoke),
    });
    const failed = report.smoke.filter((s) => !s.passed);
    report.outcome = failed.length === 0 ? "succeeded" : "failed";
    if (failed.length > 0)
      report.error = {
        kind: "SmokeCheckError",
        message: `after rollback: ${failed.map((s) => `${s.url} ${s.detail}`).join("; ")}`,
      };
  } else {
    report.outcome = "succeeded";
  }
  if (webhook) {
    report.notification = await notifySlack({ webhookUrl: webhook, text: summaryLine(report) });
    if (report.notification.warning) report.warnings.push(report.notification.warning);
  }
  finish(report, clock, startedAt, {}, clients.calls.summary(since));
  log(summaryLine(report));
  return report;
}

function smokeTuning(smoke: SmokeSettings | undefined) {
  return {
    ...(smoke?.attempts !== undefined ? { attempts: smoke.attempts } : {}),
    ...(smoke?.backoff ? { backoff: smoke.backoff } : {}),
    ...(smoke?.requestTimeoutMs !== undefined ? { requestTimeoutMs: smoke.requestTimeoutMs } : {}),
  };
}

/** Options of `migrate`. */
export interface MigrateOptions extends AwsAccessOptions, WaitSettings {
  /** `upgrade head`, `downgrade -1` or `downgrade <revision>`. @default "upgrade head" */
  readonly command?: string;
  /** Task definition (ARN or family:N) whose image runs the command. @default the one the service serves */
  readonly taskDefinition?: string;
}

/**
 * Runs one alembic command as a one-off ECS task (the spec's database rollback: `downgrade -1`), with the gate of
 * DESIGN.md. Returns a report whose outcome is `succeeded` or `failed`/`timed-out`.
 */
export async function migrate(options: MigrateOptions): Promise<DeployReport> {
  const env = options.environment;
  const log = options.log ?? (() => {});
  validateAccess(options);
  const command = parseMigrationCommand(options.command ?? "upgrade head");
  if (
    options.taskDefinition !== undefined &&
    !/^([a-zA-Z0-9_-]{1,255}:\d{1,6}|arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[a-zA-Z0-9_-]+:\d+)$/.test(
      options.taskDefinition,
    )
  ) {
    throw new SettingsError(
      `task definition ${JSON.stringify(options.taskDefinition.slice(0, 100))} is not family:N or a task definition ARN: fix --task-definition`,
    );
  }
  const clock = new WaitTimer(options.clock ?? systemClock);
  const startedAt = clock.now();
  const clients = await clientsFor(options);
  const since = clients.calls.calls.length;
  const pf = await preflight({ clients, environment: env });
  let taskDefinition = pf.serving.taskDefinition;
  if (options.taskDefinition) {
    let found;
    try {
      found = (await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: options.taskDefinition })))
        .taskDefinition;
    } catch (error) {
      throw new PreflightError(
        `task definition ${options.taskDefinition} cannot be read (${awsErrorText(error)}): pass an existing ARN or family:N`,
      );
    }
    if (!found || !findContainer(found, env.containerName)) {
      throw new PreflightError(
        `task definition ${options.taskDefinition} has no container "${env.containerName}": pass a revision of this service`,
      );
    }
    taskDefinition = found;
  }
  const report = newReport("migrate", env);
  report.taskDefinition.previous = pf.serving.taskDefinition.taskDefinitionArn;
  try {
    report.migration = await runMigrationTask({
      clients,
      cluster: env.cluster,
      service: pf.serving.service,
      taskDefinition,
      containerName: env.containerName,
      command,
      clock,
      log,
      ...(options.migrationTimeoutMs !== undefined ? { timeoutMs: options.migrationTimeoutMs } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
    });
    report.outcome = "succeeded";
  } catch (error) {
    report.error = errorEntry(error);
    const migration = (error as { migration?: DeployReport["migration"] }).migration;
    if (migration) report.migration = migration;
    report.outcome = report.error.kind === "DeploymentTimeoutError" ? "timed-out" : "failed";
  }
  finish(report, clock, startedAt, {}, clients.calls.summary(since));
  log(summaryLine(report));
  return report;
}
