import {
  DescribeTasksCommand,
  RunTaskCommand,
  TagResourceCommand,
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

/** Tag put on a task definition revision once its `alembic upgrade head` passed: a rerun skips the migration. */
export const MIGRATED_TAG = "faultmaven:migrated";

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

/** What the migration did, for the report. */
export interface MigrationResult {
  readonly command: string;
  readonly taskArn?: string;
  readonly exitCode?: number;
  readonly stoppedReason?: string;
  readonly logTail?: readonly string[];
  readonly polls: number;
  /** Set when the migration did not run, with why (e.g. already applied by a previous run). */
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
        startedBy: "faultmaven-migrate",
        ...placement,
        ...network,
        ...(service.platformVersion && placement.launchType === "FARGATE"
          ? { platformVersion: service.platformVersion }
          : {}),
        overrides: { containerOverrides: [{ name: containerName, command: [...command] }] },
      }),
    );
  } catch (error) {
    throw new MigrationFailedError(
      `migration "${commandText}" could not start on cluster ${cluster} (${awsErrorText(error)}): the service was not updated; fix the task definition or cluster capacity and rerun`,
    );
  }
  const failures = run.failures ?? [];
  const started = run.tasks?.[0];
  if (failures.length > 0 || !started?.taskArn) {
    const verdict = judgeMigration({ runTaskFailures: failures, task: started, taskDefinition, containerName });
    throw new MigrationFailedError(
      `migration "${commandText}" failed on cluster ${cluster}: ${verdict.reasons.join("; ")}: the service was not updated`,
    );
  }
  const taskArn = started.taskArn;
  const timeoutMs = options.timeoutMs ?? 900_000;
  const startedAt = clock.now();
  let task: Task | undefined = started;
  let polls = 0;
  while (task?.lastStatus !== "STOPPED") {
    const delay = backoffDelay(polls, options.backoff);
    if (clock.now() - startedAt + delay > timeoutMs) {
      throw new DeploymentTimeoutError(
        `migration task ${taskArn} did not stop within ${Math.round(timeoutMs / 1000)} s on cluster ${cluster} (last status ${task?.lastStatus ?? "unknown"}): the service was not updated; inspect the task, stop it if it hangs, then rerun`,
      );
    }
    await clock.sleep(delay);
    polls += 1;
    const described = await clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
    task = described.tasks?.[0];
    if (!task)
      throw new MigrationFailedError(
        `migration task ${taskArn} vanished from cluster ${cluster}: the service was not updated; rerun`,
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
    ...(verdict.exitCode === undefined ? {} : { exitCode: verdict.exitCode }),
    ...(stoppedReason ? { stoppedReason } : {}),
    logTail,
    polls,
  };
  if (!verdict.passed) {
    const tail = logTail.length > 0 ? ` Log tail: ${logTail.slice(-5).join(" | ")}` : "";
    throw Object.assign(
      new MigrationFailedError(
        `migration "${commandText}" failed (task ${taskArn}): ${verdict.reasons.join("; ")}: the service was not updated; fix the migration and rerun.${tail}`,
      ),
      { migration: result },
    );
  }
  return result;
}

/** Marks a task definition revision as migrated, so that a rerun does not migrate twice. */
export async function markMigrated(
  clients: Pick<AwsClients, "ecs">,
  taskDefinitionArn: string,
  command: string,
): Promise<void> {
  await clients.ecs.send(
    new TagResourceCommand({ resourceArn: taskDefinitionArn, tags: [{ key: MIGRATED_TAG, value: command }] }),
  );
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
