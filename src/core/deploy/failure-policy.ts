import { DeploymentTimeoutError, PreflightError } from "../errors.js";
import type { RollbackCause } from "./rollback.js";
import type { RolloutFailure } from "./rollout.js";

/** The phases of a deploy after preflight and the lock, in order (docs/deploy.md, "What deploy does"). */
export type DeployPhase = "image" | "revision" | "migrate" | "update" | "wait" | "smoke";

/** What a failure means: the outcome, and whether to roll back (and why, as observed) or why not. */
export type FailureDecision =
  | { readonly outcome: "failed" | "timed-out"; readonly rollBack: true; readonly cause: RollbackCause }
  | { readonly outcome: "failed" | "timed-out"; readonly rollBack: false; readonly why: string };

/**
 * The one place that decides what a failure in each phase means (the failure table of docs/deploy.md):
 * - before UpdateService (image, revision, migrate) and a refused UpdateService: nothing changed, no rollback;
 * - during the wait: roll back, with the cause ECS showed (breaker, FAILED, replaced) or timeout / wait-error;
 * - smoke: roll back (cause smoke), unless this run did not change the service (a rerun on what already served).
 * Pure.
 */
export function decideFailure(phase: DeployPhase, error: unknown, serviceChanged: boolean): FailureDecision {
  const outcome = error instanceof DeploymentTimeoutError ? "timed-out" : "failed";
  switch (phase) {
    case "image":
    case "revision":
    case "migrate":
      return { outcome, rollBack: false, why: "the deploy stopped before UpdateService: the service was not changed" };
    case "update":
      return error instanceof PreflightError
        ? {
            outcome,
            rollBack: false,
            why: "the deploy lock was lost before UpdateService: the service was not changed",
          }
        : { outcome, rollBack: false, why: "ECS did not accept UpdateService: the service was not changed" };
    case "wait": {
      if (error instanceof DeploymentTimeoutError) return { outcome, rollBack: true, cause: "timeout" };
      const observed = (error as Partial<RolloutFailure> | null)?.observed;
      return { outcome, rollBack: true, cause: observed ?? "wait-error" };
    }
    case "smoke":
      return serviceChanged
        ? { outcome, rollBack: true, cause: "smoke" }
        : {
            outcome,
            rollBack: false,
            why: "the service already ran this revision before the deploy: nothing to roll back",
          };
  }
}
