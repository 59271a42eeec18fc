import { StageFailedError } from "./errors.js";
import { indent, tail } from "./output.js";

/**
 * "skipped": the stage could not run because one it depends on failed (that one is the failure).
 * "warning": it failed without failing the run (an optional upload: src/core/uploads.ts).
 */
export type StageStatus = "passed" | "failed" | "skipped" | "warning";

/** The outcome of one stage of a run, as the summary table shows it. */
export interface StageResult {
  name: string;
  status: StageStatus;
  durationMs: number;
  /** One line: what passed, or why it failed. */
  summary: string;
}

/** A run of several stages: every stage is listed, failed or not. JSON-serialisable. */
export interface RunReport {
  ok: boolean;
  stages: StageResult[];
  failed: string[];
  totalMs: number;
}

/** Times a stage and turns its outcome, including a thrown error, into a {@link StageResult}. */
export async function runStage(
  name: string,
  stage: () => Promise<string>,
  now: () => number = Date.now,
): Promise<StageResult> {
  const started = now();
  try {
    const summary = await stage();
    return { name, status: "passed", durationMs: now() - started, summary };
  } catch (error) {
    return { name, status: "failed", durationMs: now() - started, summary: errorText(error) };
  }
}

/** A stage that could not run, and why. */
export function skippedStage(name: string, reason: string): StageResult {
  return { name, status: "skipped", durationMs: 0, summary: reason };
}

/** Folds stage results into one report; the run fails if any stage failed. */
export function aggregate(stages: StageResult[], totalMs: number): RunReport {
  const failed = stages.filter((s) => s.status === "failed").map((s) => s.name);
  return { ok: failed.length === 0, stages, failed, totalMs };
}

/** A Markdown table of every stage: status, duration, summary (its first line). */
export function summaryTable(report: RunReport): string {
  const rows = report.stages.map((s) => {
    const status = { passed: "✅ passed", failed: "❌ failed", skipped: "⏭️ skipped", warning: "⚠️ warning" }[s.status];
    const firstLine = (s.summary.split("\n")[0] ?? "").replace(/\|/g, "\\|");
    return `| ${s.name} | ${status} | ${seconds(s.durationMs)} | ${firstLine} |`;
  });
  const skipped = report.stages.filter((s) => s.status === "skipped").length;
  const warned = report.stages.filter((s) => s.status === "warning").map((s) => s.name);
  const ran = report.stages.length - skipped - warned.length;
  const skippedNote = skipped > 0 ? ` (${skipped} skipped)` : "";
  const warningNote = warned.length > 0 ? ` Warnings, not failures: ${warned.join(", ")}.` : "";
  const verdict =
    (report.ok
      ? `All ${ran} stages that ran passed in ${seconds(report.totalMs)}${skippedNote}.`
      : `${report.failed.length} of ${ran} stages failed: ${report.failed.join(", ")}${skippedNote}.`) + warningNote;
  return ["| stage | status | duration | summary |", "|---|---|---|---|", ...rows, "", verdict].join("\n");
}

/** Throws one error naming every failed stage, with each stage's own message below it. */
export function assertRunPassed(report: RunReport): void {
  if (report.ok) return;
  const details = report.stages
    .filter((s) => s.status === "failed")
    .map((s) => `[${s.name}] ${s.summary}`)
    .join("\n\n");
  throw new StageFailedError(`ci failed in ${report.failed.join(", ")}\n\n${details}`, report.failed);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Fields the Dagger SDK's exec and request errors carry (read by shape: this file imports no Dagger). */
interface ToolError extends Error {
  cmd?: string[];
  exitCode?: number;
  stdout?: string;
  stderr?: string;
}

/**
 * One readable failure: a failed command with its exit code and output tail, or the error's message
 * with the first line of its cause (an engine's "API Error" alone says nothing).
 */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const e = error as ToolError;
  if (Array.isArray(e.cmd)) {
    const output = [e.stderr, e.stdout].filter((o) => o && o.trim()).join("\n");
    return `\`${e.cmd.join(" ")}\` exited ${e.exitCode ?? "?"}${output ? `\n${indent(tail(output))}` : ""}`;
  }
  const cause = e.cause instanceof Error ? (e.cause.message.split("\n")[0] ?? "").slice(0, 300) : "";
  return cause && !e.message.includes(cause) ? `${e.message}: ${cause}` : e.message;
}
