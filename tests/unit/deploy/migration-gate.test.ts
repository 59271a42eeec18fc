import { describe, expect, it } from "vitest";
import type { Task, TaskDefinition } from "@aws-sdk/client-ecs";
import { judgeMigration, parseMigrationCommand } from "../../../src/core/deploy/migration-gate.js";

const td: TaskDefinition = {
  containerDefinitions: [
    { name: "auth-service", essential: true },
    { name: "log-router" }, // essential by default
    { name: "debug-shell", essential: false },
  ],
};
const stopped = (containers: Task["containers"], extra: Partial<Task> = {}): Task => ({
  lastStatus: "STOPPED",
  containers,
  ...extra,
});
const ok = [
  { name: "auth-service", exitCode: 0 },
  { name: "log-router", exitCode: 0 },
];

describe("judgeMigration (the gate of DESIGN.md)", () => {
  it.each([
    ["every essential container exited 0", [], stopped(ok), true, 0, []],
    [
      "a non-essential container failing does not matter",
      [],
      stopped([...ok, { name: "debug-shell", exitCode: 1 }]),
      true,
      0,
      [],
    ],
    ["app exit 1", [], stopped([{ name: "auth-service", exitCode: 1 }, ok[1]!]), false, 1, [/auth-service exited 1/]],
    [
      "sidecar exit 137",
      [],
      stopped([ok[0]!, { name: "log-router", exitCode: 137 }]),
      false,
      0,
      [/log-router exited 137/],
    ],
    [
      "missing exit code",
      [],
      stopped([{ name: "auth-service" }, ok[1]!]),
      false,
      undefined,
      [/auth-service has no exit code/],
    ],
    ["essential container absent", [], stopped([ok[0]!]), false, 0, [/log-router has no exit code/]],
    [
      "TaskFailedToStart",
      [],
      stopped([], { stopCode: "TaskFailedToStart", stoppedReason: "CannotPull" }),
      false,
      undefined,
      [/failed to start: CannotPull/],
    ],
    ["not stopped yet", [], { lastStatus: "RUNNING", containers: ok }, false, 0, [/is RUNNING, not STOPPED/]],
    ["RunTask failures", [{ reason: "RESOURCE:MEMORY" }], stopped(ok), false, 0, [/RunTask failure: RESOURCE:MEMORY/]],
    ["no task at all", [{ reason: "AGENT" }], undefined, false, undefined, [/RunTask failure: AGENT/]],
  ] as const)("%s", (_name, failures, task, passed, exitCode, reasons) => {
    const verdict = judgeMigration({
      runTaskFailures: [...failures],
      task: task as Task | undefined,
      taskDefinition: td,
      containerName: "auth-service",
    });
    expect(verdict.passed).toBe(passed);
    expect(verdict.exitCode).toBe(exitCode);
    for (const reason of reasons) expect(verdict.reasons.join("; ")).toMatch(reason);
    if (passed) expect(verdict.reasons).toEqual([]);
  });
});

describe("parseMigrationCommand", () => {
  it.each([
    ["upgrade head", ["alembic", "upgrade", "head"]],
    ["alembic upgrade head", ["alembic", "upgrade", "head"]],
    ["downgrade -1", ["alembic", "downgrade", "-1"]],
    ["downgrade ae1027a6acf", ["alembic", "downgrade", "ae1027a6acf"]],
  ])("%s", (text, command) => expect(parseMigrationCommand(text)).toEqual(command));
  it.each(["upgrade", "upgrade +1", "downgrade -2", "downgrade base;ls", "stamp head", "", "downgrade $(id)"])(
    "refuses %j",
    (text) => {
      expect(() => parseMigrationCommand(text)).toThrow(
        /is not "upgrade head", "downgrade -1" or "downgrade <revision>"/,
      );
    },
  );
});
