/** Time source and sleeper, injectable so tests can run waits without real delays. */
export interface Clock {
  /** Milliseconds, monotonic enough for durations. */
  now(): number;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** How long to wait between polls: starts at `initialMs`, grows by `factor`, capped at `maxMs`. */
export interface BackoffOptions {
  /** First delay. @default 2000 */
  readonly initialMs?: number;
  /** Largest delay. @default 15000 */
  readonly maxMs?: number;
  /** Growth per poll. @default 1.5 */
  readonly factor?: number;
}

/** Delay before poll number `attempt` (0-based): `min(maxMs, initialMs * factor^attempt)`, rounded. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 2000;
  const max = options.maxMs ?? 15000;
  const factor = options.factor ?? 1.5;
  return Math.round(Math.min(max, initial * factor ** Math.max(0, attempt)));
}

/**
 * A clock wrapper that adds up the time spent sleeping, so a report can split wall time into
 * "waiting on AWS" and the pipeline's own overhead.
 */
export class WaitTimer implements Clock {
  waitedMs = 0;
  constructor(private readonly inner: Clock) {}
  now(): number {
    return this.inner.now();
  }
  async sleep(ms: number): Promise<void> {
    const start = this.inner.now();
    await this.inner.sleep(ms);
    this.waitedMs += this.inner.now() - start;
  }
}
