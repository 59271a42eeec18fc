import { DescribeTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { PreflightError, SettingsError } from "../errors.js";
import { awsErrorText } from "../aws/clients.js";
import { systemClock, WaitTimer } from "./backoff.js";
import { runMigrationTask } from "./migration.js";
import { parseMigrationCommand } from "./migration-gate.js";
import { validateWaitBounds } from "./inputs.js";
import { acquireDeployLock, releaseDeployLock } from "./lock.js";
import { clientsFor, validateAccess, type AwsAccessOptions, type WaitSettings } from "./options.js";
import { preflight } from "./preflight.js";
import { errorEntry, finishReport, newReport, summaryLine, type DeployReport } from "./report.js";
import { findContainer } from "./task-definition.js";

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
  validateWaitBounds(options);
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
  // A migration changes the database: it takes the deploy lock like a deploy (refused while one runs).
  const lock = env.lockTable
    ? await acquireDeployLock({
        clients,
        table: env.lockTable,
        cluster: env.cluster,
        service: env.service,
        ttlMs: (options.migrationTimeoutMs ?? 900_000) + 600_000,
        holder: `migrate ${command.slice(1).join(" ")}`,
      })
    : undefined;
  const report = newReport("migrate", env);
  report.taskDefinition.previous = pf.serving.taskDefinition.taskDefinitionArn;
  if (lock) report.lock = { table: lock.table, lockId: lock.lockId, acquired: true, released: false };
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
  } finally {
    if (lock) {
      const warning = await releaseDeployLock(clients, lock);
      if (report.lock) report.lock.released = warning === undefined;
      if (warning) report.warnings.push(warning);
    }
  }
  finishReport(report, clock, startedAt, {}, clients.calls.summary(since));
  log(summaryLine(report));
  return report;
}
