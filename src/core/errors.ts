/**
 * One base error, one subclass per kind of failure. Every message says what failed,
 * where, and what to do next; tool output tails may be attached, secrets never.
 */
export class PipelineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A setting or argument is malformed. Raised before any container runs or any AWS call is made. */
export class SettingsError extends PipelineError {}

/** The source directory does not have the layout the pipeline expects (package, Dockerfile, ...). */
export class SourceLayoutError extends PipelineError {}

/** One or more stages of a run failed; `failures` names each of them. */
export class StageFailedError extends PipelineError {
  constructor(
    message: string,
    readonly failures: readonly string[] = [],
  ) {
    super(message);
  }
}

/** A security scanner found vulnerabilities or secrets at or above the configured severities. */
export class VulnerabilitiesFoundError extends PipelineError {}

/** A security scanner could not do its job (database unreachable, crash): no verdict either way. */
export class ScannerFailedError extends PipelineError {}

/** The built image breaks the size limit. */
export class ImageTooLargeError extends PipelineError {}

/** A deploy precondition does not hold; nothing was changed. */
export class PreflightError extends PipelineError {}

/** The one-off migration task failed; the service was not updated. */
export class MigrationFailedError extends PipelineError {}

/** The rollout failed (circuit breaker, FAILED deployment, smoke checks). */
export class DeploymentFailedError extends PipelineError {}

/** Waiting for ECS ran out of time: a state of its own, never a silent success. */
export class DeploymentTimeoutError extends PipelineError {}

/** A smoke check against the deployed URL failed after its retries. */
export class SmokeCheckError extends PipelineError {}

/** Rolling back did not bring the recorded task definition back to PRIMARY and stable. */
export class RollbackFailedError extends PipelineError {}

/** A release precondition or publication failed. */
export class ReleaseError extends PipelineError {}

/** A migration does not upgrade, downgrade and upgrade again cleanly on a throwaway database. */
export class MigrationRehearsalError extends PipelineError {}
