import {
  DescribeTasksCommand,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type NetworkConfiguration,
  type Service,
  type Task,
  type TaskDefinition,
  type CapacityProviderStrategyItem,
  type LaunchType,
} from "@aws-sdk/client-ecs";
import { GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DeploymentTimeoutError, MigrationFailedError } from "../errors.js";
import type { AwsClients } from "../aws/clients.js";
import { awsErrorText } from "../aws/clients.js";
import { backoffDelay, type BackoffOptions, type Clock } from "./backoff.js";
import { judgeMigration, type MigrationCommand } from "./migration-gate.js";
import { isTransientAwsError } from "../aws/transient.js";

/** `startedBy` of every migration task: how a deploy finds one still running. */
export const MIGRATION_STARTED_BY = "faultmaven-migrate";

/** Options of `runMigrationTask`. */
export interface MigrationTaskOptions {
  readonly clients: Pick<AwsClients, "ecs" | "logs">;
  readonly cluster: string;
  /** The service whose network configuration and launch type the one-off task copies. */
  readonly service: Service;
  /** Task definition to run (the new revision, so the new image migrates). */
  readonly taskDefinition: TaskDefinition;
  readonly containerName: string;
  readonly command: MigrationCommand;
  /** Give up waiting for STOPPED after this long. @default 900000 (15 min) */
  readonly timeoutMs?: number;
  /** Poll delays. @default { initialMs: 2000, maxMs: 15000 } */
  readonly backoff?: BackoffOptions;
  readonly clock: Clock;
  /** Progress lines. */
  readonly log: (line: string) => void;
}

/** What the migration did, for the report: present in every outcome once RunTask was attempted. */
export interface MigrationResult {
  readonly command: string;
  readonly taskArn?: string;
  /** The task's last known status (`STOPPED` when it ended, `RUNNING`... when the wait gave up). */
  readonly lastStatus?: string;
  /** True when this run stopped the task (StopTask after the wait timed out). */
  readonly stoppedByPipeline?: boolean;
  readonly exitCode?: number;
  /** Exit code and reason of every container of the stopped task. */
  readonly containers?: readonly { name: string; exitCode?: number; reason?: string }[];
  readonly stoppedReason?: string;
  readonly logTail?: readonly string[];
  readonly polls: number;
  /** Polls that met a transient AWS error (throttling, 5xx) and were retried at the next poll. */
  readonly unknownPolls?: number;
  /** Set when the migration did not run, with why (disabled). */
  readonly skipped?: string;
}

/**
 * Runs the migration as a one-off ECS task, waits for STOPPED, and applies the gate.
 * @throws MigrationFailedError (the service must not be updated), DeploymentTimeoutError if it never stops.
 */
export async function runMigrationTask(options: MigrationTaskOptions): Promise<MigrationResult> {
  const { clients, cluster, service, taskDefinition, containerName, command, clock, log } = options;
  const commandText = command.join(" ");
  const arn = taskDefinition.taskDefinitionArn ?? "";
  const placement: { launchType?: LaunchType; capacityProviderStrategy?: CapacityProviderStrategyItem[] } =
    service.capacityProviderStrategy && service.capacityProviderStrategy.length > 0
      ? { capacityProviderStrategy: service.capacityProviderStrategy }
      : service.launchType
        ? { launchType: service.launchType }
        : {};
  const network: { networkConfiguration?: NetworkConfiguration } = service.networkConfiguration?.awsvpcConfiguration
    ? { networkConfiguration: service.networkConfiguration }
    : {};
  log(`migration: running "${commandText}" with ${arn} on cluster ${cluster}`);
  let run;
  try {
    run = await clients.ecs.send(
      new RunTaskCommand({
        cluster,
        taskDefinition: arn,
        count: 1,
        startedBy: MIGRATION_STARTED_BY,
        ...placement,
        ...network,
        ...(service.platformVersion && placement.launchType === "FARGATE"
          ? { platformVersion: service.platformVersion }
          : {}),
        overrides: { containerOverrides: [{ name: containerName, command: [...command] }] },
      }),
    );
  } catch (error) {
    throw withMigration(
      new MigrationFailedError(
        `migration "${commandText}" could not start on cluster ${cluster} (${awsErrorText(error)}): the service was not updated; fix the task definition or cluster capacity and rerun`,
      ),
      { command: commandText, polls: 0 },
    );
  }
  const failures = run.failures ?? [];
  const started = run.tasks?.[0];
  if (failures.length > 0 || !started?.taskArn) {
    const verdict = judgeMigration({ runTaskFailures: failures, task: started, taskDefinition, containerName });
    throw withMigration(
      new MigrationFailedError(
        `migration "${commandText}" failed on cluster ${cluster}: ${verdict.reasons.join("; ")}: the service was not updated`,
      ),
      { command: commandText, ...(started?.taskArn ? { taskArn: started.taskArn } : {}), polls: 0 },
    );
  }
  const taskArn = started.taskArn;
  const timeoutMs = options.timeoutMs ?? 900_000;
  const startedAt = clock.now();
  let task: Task | undefined = started;
  let polls = 0;
  let unknownPolls = 0;
  while (task?.lastStatus !== "STOPPED") {
    const delay = backoffDelay(polls, options.backoff);
    if (clock.now() - startedAt + delay > timeoutMs) {
      const stopped = await stopTimedOutTask(options, taskArn);
      throw withMigration(
        new DeploymentTimeoutError(
          `migration task ${taskArn} did not stop within ${Math.round(timeoutMs / 1000)} s on cluster ${cluster} (last status ${task?.lastStatus ?? "unknown"}): ${stopped.ok ? "the pipeline stopped it" : `StopTask failed (${stopped.error}): stop it by hand`}; the service was not updated; rerun when the database is reachable`,
        ),
        {
          command: commandText,
          taskArn,
          lastStatus: stopped.lastStatus ?? task?.lastStatus ?? "unknown",
          stoppedByPipeline: stopped.ok,
          polls,
          unknownPolls,
        },
      );
    }
    await clock.sleep(delay);
    polls += 1;
    let described;
    try {
      described = await clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
    } catch (error) {
      // Throttling, 5xx, a timeout: the task's state is not known yet; the next poll asks again.
      if (!isTransientAwsError(error)) throw withMigration(error as Error, { command: commandText, taskArn, polls });
      unknownPolls += 1;
      continue;
    }
    task = described.tasks?.[0];
    if (!task)
      throw withMigration(
        new MigrationFailedError(
          `migration task ${taskArn} vanished from cluster ${cluster}: the service was not updated; rerun`,
        ),
        { command: commandText, taskArn, polls, unknownPolls },
      );
  }
  const verdict = judgeMigration({ runTaskFailures: [], task, taskDefinition, containerName });
  const logTail = await readLogTail(options, taskArn);
  const stoppedReason = task.stoppedReason || undefined;
  log(`migration: task stopped (${stoppedReason ?? "no reason given"}), exit code ${verdict.exitCode ?? "none"}`);
  for (const line of logTail) log(`migration log: ${line}`);
  const result: MigrationResult = {
    command: commandText,
    taskArn,
    lastStatus: "STOPPED",
    ...(verdict.exitCode === undefined ? {} : { exitCode: verdict.exitCode }),
    containers: (task.containers ?? []).map((c) => ({
      name: c.name ?? "?",
      ...(c.exitCode !== undefined && c.exitCode !== null ? { exitCode: c.exitCode } : {}),
      ...(c.reason ? { reason: c.reason } : {}),
    })),
    ...(stoppedReason ? { stoppedReason } : {}),
    logTail,
    polls,
    ...(unknownPolls > 0 ? { unknownPolls } : {}),
  };
  if (!verdict.passed) {
    const tail = logTail.length > 0 ? ` Log tail: ${logTail.slice(-5).join(" | ")}` : "";
    throw withMigration(
      new MigrationFailedError(
        `migration "${commandText}" failed (task ${taskArn}): ${verdict.reasons.join("; ")}: the service was not updated; fix the migration and rerun.${tail}`,
      ),
      result,
    );
  }
  return result;
}

/** Attaches the migration's report entry to an error, so the report has it in every outcome. */
function withMigration<E extends Error>(error: E, migration: MigrationResult): E & { migration: MigrationResult } {
  return Object.assign(error, { migration });
}

/** The report entry carried by an error from `runMigrationTask`, if any. */
export function migrationOf(error: unknown): MigrationResult | undefined {
  return (error as { migration?: MigrationResult } | null)?.migration;
}

/** StopTask on a migration whose wait timed out, so a rerun never starts a second one beside it. */
async function stopTimedOutTask(
  options: MigrationTaskOptions,
  taskArn: string,
): Promise<{ ok: boolean; lastStatus?: string; error?: string }> {
  try {
    const out = await options.clients.ecs.send(
      new StopTaskCommand({
        cluster: options.cluster,
        task: taskArn,
        reason: "faultmaven: migration wait timed out",
      }),
    );
    options.log(`migration: stopped task ${taskArn} after the timeout`);
    return { ok: true, ...(out.task?.lastStatus ? { lastStatus: out.task.lastStatus } : {}) };
  } catch (error) {
    return { ok: false, error: awsErrorText(error) };
  }
}

/**
 * Migration tasks of this service's task definition family (every family when "") that are still running
 * (started by any deploy or `migrate`). moto and ECS keep stopped tasks listed for a while, so each is described and only those not
 * STOPPED count.
 */
export async function runningMigrations(
  clients: Pick<AwsClients, "ecs">,
  cluster: string,
  family: string,
): Promise<string[]> {
  const listed = await clients.ecs.send(
    new ListTasksCommand({ cluster, startedBy: MIGRATION_STARTED_BY, desiredStatus: "RUNNING" }),
  );
  const arns = listed.taskArns ?? [];
  if (arns.length === 0) return [];
  const described = await clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(0, 100) }));
  return (described.tasks ?? [])
    .filter((t) => t.lastStatus !== "STOPPED" && (family === "" || familyOf(t.taskDefinitionArn) === family))
    .map((t) => t.taskArn ?? "?");
}

function familyOf(taskDefinitionArn: string | undefined): string | undefined {
  return /task-definition\/([^:]+):\d+$/.exec(taskDefinitionArn ?? "")?.[1];
}

/** The last log lines of the migrated container, if the task definition sends them to CloudWatch (awslogs). */
async function readLogTail(options: MigrationTaskOptions, taskArn: string): Promise<string[]> {
  const container = options.taskDefinition.containerDefinitions?.find((c) => c.name === options.containerName);
  const logConfig = container?.logConfiguration;
  const group = logConfig?.options?.["awslogs-group"];
  const prefix = logConfig?.options?.["awslogs-stream-prefix"];
  if (logConfig?.logDriver !== "awslogs" || !group || !prefix) return [];
  const taskId = taskArn.split("/").pop() ?? "";
  try {
    const out = await options.clients.logs.send(
      new GetLogEventsCommand({
        logGroupName: group,
        logStreamName: `${prefix}/${options.containerName}/${taskId}`,
        limit: 50,
        startFromHead: false,
      }),
    );
    return (out.events ?? []).map((e) => (e.message ?? "").trimEnd()).filter((m) => m !== "");
  } catch (error) {
    options.log(`migration: could not read log tail from ${group} (${awsErrorText(error)})`);
    return [];
  }
}
