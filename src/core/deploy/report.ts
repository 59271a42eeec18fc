import type { ApiCallSummary } from "../aws/api-calls.js";
import type { SmokeResult } from "../smoke/smoke.js";
import { PipelineError } from "../errors.js";
import type { WaitTimer } from "./backoff.js";
import type { MigrationResult } from "./migration.js";
import type { RollbackCause } from "./rollback.js";
import type { StoppedTask } from "./diagnostics.js";

/** Final state of a deploy or rollback. */
export type DeployOutcome = "succeeded" | "failed" | "timed-out" | "rolled-back";

/** The rollback part of a report. */
export interface RollbackReport {
  readonly taken: boolean;
  /** Why it was taken (the failure it answers), or why none was needed. */
  readonly reason?: string;
  /** What was observed: circuit-breaker, deployment-failed, replaced, service-gone, timeout, smoke, wait-error, manual. */
  readonly cause?: RollbackCause;
  /** Task definition rolled back to. */
  readonly toTaskDefinition?: string;
  /** `pipeline` when this run called UpdateService, `circuit-breaker` when ECS had already rolled back. */
  readonly by?: "pipeline" | "circuit-breaker";
  readonly deploymentId?: string;
  readonly succeeded?: boolean;
  readonly error?: string;
}

/** One JSON-serialisable report per deploy, rollback or migration. */
export interface DeployReport {
  readonly action: "deploy" | "rollback" | "migrate";
  readonly environment: string;
  readonly cluster: string;
  readonly service: string;
  outcome: DeployOutcome;
  /** The failure, one line, when the outcome is not `succeeded`. */
  error?: { readonly kind: string; readonly message: string };
  version?: string;
  image?: {
    readonly repository: string;
    readonly digest: string;
    readonly reference: string;
    readonly tags: readonly string[];
    readonly source: "published" | "reused" | "promoted";
  };
  taskDefinition: {
    previous?: string;
    new?: string;
    registered: boolean;
    /** The template file and its sha256 (absent when the serving revision was copied), and the rendered hash. */
    template?: { readonly file: string; readonly sha256: string };
    renderedSha256?: string;
  };
  deploymentId?: string;
  migration?: MigrationResult;
  smoke: SmokeResult[];
  rollback: RollbackReport;
  /** The deploy lock: table, whether it was taken and released. Absent when no lock table is configured. */
  lock?: { readonly table: string; readonly lockId: string; acquired: boolean; released: boolean };
  /** Stopped tasks of a failed rollout or migration: reason, exit codes, log tail. */
  stoppedTasks?: StoppedTask[];
  notification?: { readonly sent: boolean; readonly warning?: string };
  /** Milliseconds: total wall time, each phase, time spent sleeping between ECS polls, and the rest (overhead). */
  timings: { totalMs: number; waitingMs: number; overheadMs: number; phases: Record<string, number> };
  /** Polls of DescribeServices made while waiting for rollouts (one call each). */
  rolloutPolls: number;
  apiCalls: ApiCallSummary;
  warnings: string[];
}

/** A fresh report for `action` on an environment. Pure. */
export function newReport(
  action: DeployReport["action"],
  environment: { name: string; cluster: string; service: string },
): DeployReport {
  return {
    action,
    environment: environment.name,
    cluster: environment.cluster,
    service: environment.service,
    outcome: "failed",
    taskDefinition: { registered: false },
    smoke: [],
    rollback: { taken: false },
    timings: { totalMs: 0, waitingMs: 0, overheadMs: 0, phases: {} },
    rolloutPolls: 0,
    apiCalls: { total: 0, mutating: 0, byName: {} },
    warnings: [],
  };
}

/** The error part of a report: class name and first line (messages carry no secrets by construction). Pure. */
export function errorEntry(error: unknown): { kind: string; message: string } {
  const e = error instanceof Error ? error : new Error(String(error));
  return {
    kind: e instanceof PipelineError ? e.name : e.name || "Error",
    message: (e.message.split("\n")[0] ?? "").slice(0, 2000),
  };
}

/** One-line human summary (Slack, logs). Pure. */
export function summaryLine(report: DeployReport): string {
  const what =
    report.action === "deploy"
      ? `Deploy of Auth Service ${report.version ?? report.image?.tags[0] ?? ""}`.trim()
      : `${report.action === "rollback" ? "Rollback" : "Migration"} of Auth Service`;
  const digest = report.image ? ` (${report.image.digest.slice(0, 19)})` : "";
  const rollback = report.rollback.taken ? `; rolled back to ${report.rollback.toTaskDefinition ?? "?"}` : "";
  const why = report.error ? `: ${report.error.message}` : "";
  return `${what} to ${report.environment}${digest}: ${report.outcome}${rollback}${why}`.slice(0, 1000);
}

/** The Slack text: the summary line, then one line per stopped task (reason, exit codes, last log line). Pure. */
export function notificationText(report: DeployReport): string {
  const lines = [summaryLine(report)];
  for (const task of (report.stoppedTasks ?? []).slice(0, 5)) {
    const codes = task.containers.map((c) => `${c.name}=${c.exitCode ?? "none"}`).join(" ");
    const last = task.logTail.at(-1);
    lines.push(
      `• ${task.taskArn.split("/").pop() ?? task.taskArn}: ${task.stoppedReason ?? "no reason"}; exit ${codes || "none"}${last ? `; log: ${last}` : ""}`.slice(
        0,
        500,
      ),
    );
  }
  return lines.join("\n");
}

/** Fills timings and API call counts. */
export function finishReport(
  report: DeployReport,
  clock: WaitTimer,
  startedAt: number,
  phases: Record<string, number>,
  apiCalls: DeployReport["apiCalls"],
): void {
  const totalMs = Math.round(clock.now() - startedAt);
  const waitingMs = Math.round(clock.waitedMs);
  report.timings = { totalMs, waitingMs, overheadMs: Math.max(0, totalMs - waitingMs), phases };
  report.apiCalls = apiCalls;
}
