import type { Directory } from "@dagger.io/dagger";

/**
 * What a stage produced: its reports (always, even on failure, so users can read them), a one-line
 * summary, and the error that fails it, if any. `ci` aggregates outcomes; a single-stage @func
 * returns the reports or throws the error.
 */
export interface StageOutcome {
  reports: Directory;
  summary: string;
  error?: Error;
}

/** Runs a verdict (a core function that returns a summary or throws) into an outcome. */
export function settle(reports: Directory, verdict: () => string): StageOutcome {
  try {
    return { reports, summary: verdict() };
  } catch (error) {
    return failedOutcome(reports, error);
  }
}

/** The outcome of a stage that failed with `error`, with whatever reports it had made. */
export function failedOutcome(reports: Directory, error: unknown): StageOutcome {
  const failure = error instanceof Error ? error : new Error(String(error));
  return { reports, summary: failure.message, error: failure };
}

/** The reports of an outcome, or its error: what a single-stage function returns. */
export function reportsOrThrow(outcome: StageOutcome): Directory {
  if (outcome.error) throw outcome.error;
  return outcome.reports;
}
