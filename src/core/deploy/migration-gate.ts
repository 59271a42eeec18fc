import type { Failure, Task, TaskDefinition } from "@aws-sdk/client-ecs";
import { SettingsError } from "../errors.js";

/** An alembic command run as the one-off migration task. */
export type MigrationCommand = readonly ["alembic", "upgrade", "head"] | readonly ["alembic", "downgrade", string];

/**
 * Parses `upgrade head`, `downgrade -1` or `downgrade <revision>` (the spec's database rollback).
 * @throws SettingsError for anything else.
 */
export function parseMigrationCommand(text: string): MigrationCommand {
  const words = text
    .trim()
    .replace(/^alembic\s+/, "")
    .split(/\s+/);
  if (words.length === 2 && words[0] === "upgrade" && words[1] === "head") return ["alembic", "upgrade", "head"];
  if (
    words.length === 2 &&
    words[0] === "downgrade" &&
    words[1] !== undefined &&
    /^(-1|[0-9a-zA-Z_]{1,64})$/.test(words[1])
  ) {
    return ["alembic", "downgrade", words[1]];
  }
  throw new SettingsError(
    `migration ${JSON.stringify(text.slice(0, 80))} is not "upgrade head", "downgrade -1" or "downgrade <revision>": fix --migration`,
  );
}

/** The verdict on a stopped migration task. */
export interface MigrationVerdict {
  readonly passed: boolean;
  /** Exit code of the migrated container (undefined when ECS reported none). */
  readonly exitCode: number | undefined;
  /** Why it failed, one entry per reason (empty when passed). */
  readonly reasons: readonly string[];
}

/**
 * The migration gate (DESIGN.md): RunTask returned no failures, the task STOPPED without `TaskFailedToStart`,
 * and EVERY essential container exited 0; a missing exit code is a failure. Pure.
 */
export function judgeMigration(input: {
  readonly runTaskFailures: readonly Failure[];
  readonly task: Task | undefined;
  readonly taskDefinition: TaskDefinition;
  readonly containerName: string;
}): MigrationVerdict {
  const reasons: string[] = [];
  for (const f of input.runTaskFailures)
    reasons.push(`RunTask failure: ${f.reason ?? "unknown"}${f.detail ? ` (${f.detail})` : ""}`);
  const task = input.task;
  const mainExit = task?.containers?.find((c) => c.name === input.containerName)?.exitCode ?? undefined;
  if (!task) {
    if (reasons.length === 0) reasons.push("RunTask started no task");
    return { passed: false, exitCode: undefined, reasons };
  }
  if (task.lastStatus !== "STOPPED") reasons.push(`task is ${task.lastStatus ?? "in an unknown state"}, not STOPPED`);
  if (task.stopCode === "TaskFailedToStart")
    reasons.push(`task failed to start: ${task.stoppedReason ?? "no reason given"}`);
  const essential = (input.taskDefinition.containerDefinitions ?? []).filter((c) => c.essential !== false);
  for (const def of essential) {
    const container = task.containers?.find((c) => c.name === def.name);
    const code = container?.exitCode;
    if (code === undefined || code === null)
      reasons.push(
        `essential container ${def.name} has no exit code${container?.reason ? ` (${container.reason})` : ""}`,
      );
    else if (code !== 0)
      reasons.push(
        `essential container ${def.name} exited ${code}${container?.reason ? ` (${container.reason})` : ""}`,
      );
  }
  return { passed: reasons.length === 0, exitCode: mainExit, reasons };
}
