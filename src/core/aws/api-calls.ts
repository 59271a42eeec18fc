/** One AWS API call the pipeline made (one `send`, whatever the SDK retried inside it). */
export interface ApiCall {
  /** Client that sent it: `ECS`, `ECR`, `STS`, `CloudWatchLogs`. */
  readonly service: string;
  /** Operation name, e.g. `UpdateService`. */
  readonly name: string;
  /** Whether the operation changes anything in the account. */
  readonly mutating: boolean;
  /** Milliseconds since the log was created. */
  readonly atMs: number;
}

/** Counts of calls per operation, as put in reports. */
export interface ApiCallSummary {
  readonly total: number;
  readonly mutating: number;
  readonly byName: Record<string, { count: number; mutating: boolean }>;
}

// Reads never change state; `AssumeRoleWithWebIdentity` only issues credentials for this run.
const READ_ONLY = /^(Describe|List|Get|BatchGet|BatchCheck)/;
const NON_MUTATING_NAMES = new Set(["AssumeRoleWithWebIdentity"]);

/** Whether an AWS operation name changes state (anything that is not a read). */
export function isMutatingOperation(name: string): boolean {
  return !READ_ONLY.test(name) && !NON_MUTATING_NAMES.has(name);
}

/** The record of every AWS call made through clients built by `createAwsClients`, for reports and tests. */
export class ApiCallLog {
  readonly calls: ApiCall[] = [];
  private readonly startedAt = Date.now();

  /** Appends one call. */
  record(service: string, name: string): void {
    this.calls.push({ service, name, mutating: isMutatingOperation(name), atMs: Date.now() - this.startedAt });
  }

  /** How many calls of `name` were made (all services). */
  count(name: string): number {
    return this.calls.filter((c) => c.name === name).length;
  }

  /** The mutating calls made so far, in order. */
  mutatingCalls(): ApiCall[] {
    return this.calls.filter((c) => c.mutating);
  }

  /** Counts by operation name, JSON-serialisable. */
  summary(since = 0): ApiCallSummary {
    const byName: Record<string, { count: number; mutating: boolean }> = {};
    const slice = this.calls.slice(since);
    for (const call of slice) {
      const entry = (byName[call.name] ??= { count: 0, mutating: call.mutating });
      entry.count += 1;
    }
    return { total: slice.length, mutating: slice.filter((c) => c.mutating).length, byName };
  }
}
