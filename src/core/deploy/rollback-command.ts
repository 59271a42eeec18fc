import type { ServiceEvent } from "@aws-sdk/client-ecs";
import { notifySlack } from "../notify/slack.js";
import { runSmokeChecks, validateSmokeUrl } from "../smoke/smoke.js";
import { systemClock, WaitTimer } from "./backoff.js";
import { resolveWebhook, validateWaitBounds } from "./inputs.js";
import {
  clientsFor,
  smokeTuning,
  validateAccess,
  type AwsAccessOptions,
  type SmokeSettings,
  type WaitSettings,
} from "./options.js";
import { preflight } from "./preflight.js";
import { finishReport, newReport, notificationText, summaryLine, type DeployReport } from "./report.js";
import { resolveRollbackTarget, rollBackService } from "./rollback.js";
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
  validateWaitBounds(options);
  const webhook = resolveWebhook(options.slackWebhookUrl);
  const smokeUrl = options.smoke === false ? undefined : validateSmokeUrl(options.smoke?.baseUrl ?? env.publicUrl);
  const clock = new WaitTimer(options.clock ?? systemClock);
  const startedAt = clock.now();
  const clients = await clientsFor(options);
  const since = clients.calls.calls.length;
  // The serving revision may be the broken one: only the target is validated (container, required secrets).
  const pf = await preflight({ clients, environment: env, requireIdle: false, validateServing: false });
  const where = `${env.cluster}/${env.service}`;
  const target = await resolveRollbackTarget({
    clients,
    serving: pf.serving.taskDefinition,
    servingTags: pf.serving.taskDefinitionTags,
    serviceTags: pf.serving.service.tags ?? [],
    target: options.to ?? "previous",
    containerName: env.containerName,
    requiredSecrets: env.requiredTaskSecrets,
    where,
  });
  const report = newReport("rollback", env);
  if (webhook.warning) report.warnings.push(webhook.warning);
  report.taskDefinition.previous = pf.serving.taskDefinition.taskDefinitionArn;
  report.taskDefinition.new = target.taskDefinitionArn;
  if (target.taskDefinitionArn === pf.serving.taskDefinition.taskDefinitionArn) {
    // A repeated rollback (or one after the circuit breaker already rolled back): nothing to do, and it says so.
    const why = `${where} already serves ${target.taskDefinitionArn} (${options.to ?? "previous"}): nothing to roll back, no change made`;
    report.rollback = { taken: false, reason: why };
    report.warnings.push(why);
    report.outcome = "succeeded";
    log(`rollback: ${why}`);
    finishReport(report, clock, startedAt, {}, clients.calls.summary(since));
    return report;
  }
  log(`rollback: ${where} from ${report.taskDefinition.previous} to ${target.taskDefinitionArn}`);
  const rolled = await rollBackService({
    clients,
    cluster: env.cluster,
    service: env.service,
    taskDefinitionArn: target.taskDefinitionArn as string,
    reason: `manual rollback to ${options.to ?? "previous"}`,
    cause: "manual",
    clock,
    onEvent: (e: ServiceEvent) => log(`ecs event: ${e.message ?? ""}`),
    seenEventIds: new Set((pf.serving.service.events ?? []).map((e) => e.id ?? "")),
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(options.rollbackTimeoutMs !== undefined ? { timeoutMs: options.rollbackTimeoutMs } : {}),
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
  if (webhook.url) {
    report.notification = await notifySlack({ webhookUrl: webhook.url, text: notificationText(report) });
    if (report.notification.warning) report.warnings.push(report.notification.warning);
  }
  finishReport(report, clock, startedAt, {}, clients.calls.summary(since));
  log(summaryLine(report));
  return report;
}
