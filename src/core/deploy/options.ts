import type { AwsClients } from "../aws/clients.js";
import { createAwsClients } from "../aws/clients.js";
import type { AwsCredentialsInput } from "../aws/credentials.js";
import { validateCredentials } from "../aws/credentials.js";
import { validateEndpoint } from "../aws/clients.js";
import type { BackoffOptions, Clock } from "./backoff.js";
import type { SmokeOptions } from "../smoke/smoke.js";
import type { EnvironmentConfig } from "./environments.js";

/** How to reach AWS: shared by every entry point. */
export interface AwsAccessOptions {
  /** The target environment (from `dagger/environments.json`). */
  readonly environment: EnvironmentConfig;
  /** Static keys or a GitHub OIDC web identity. Ignored when `aws` is given. */
  readonly credentials?: AwsCredentialsInput;
  /** Endpoint for every AWS client (moto in tests), e.g. `http://127.0.0.1:55000`. @default undefined (real AWS) */
  readonly endpoint?: string;
  /** Ready-made clients (tests wrap them with fault injection). @default built from credentials/region/endpoint */
  readonly aws?: AwsClients;
  /** Progress lines (service events, phases). @default no output */
  readonly log?: (line: string) => void;
  /** Time source for waits. @default the system clock */
  readonly clock?: Clock;
}

/** Timeouts and poll pacing. */
export interface WaitSettings {
  /** Longest wait for a rollout to become steady, 60 s..6 h at the default pacing. @default 900000 (15 min) */
  readonly rolloutTimeoutMs?: number;
  /** Longest wait for the migration task to stop. @default 900000 (15 min) */
  readonly migrationTimeoutMs?: number;
  /** Longest wait for a rollback to become steady (its own budget, not what is left of the rollout's). @default 900000 */
  readonly rollbackTimeoutMs?: number;
  /** Poll delays while waiting on ECS. @default { initialMs: 2000, maxMs: 15000, factor: 1.5 } */
  readonly backoff?: BackoffOptions;
}

/** Validates the access inputs without side effects (so bad input fails before any AWS call). */
export function validateAccess(options: AwsAccessOptions): void {
  if (!options.aws) validateCredentials(options.credentials);
  validateEndpoint(options.endpoint);
}

/** The clients to use: the given ones, or new ones from credentials (STS call for a web identity). */
export async function clientsFor(options: AwsAccessOptions): Promise<AwsClients> {
  if (options.aws) return options.aws;
  return createAwsClients({
    region: options.environment.region,
    credentials: validateCredentials(options.credentials),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
}

/** Smoke check settings of a deploy or rollback. */
export interface SmokeSettings {
  /** Base URL to check instead of the environment's public URL (tests, private endpoints). @default environment.publicUrl */
  readonly baseUrl?: string;
  /** Attempts per check. @default 5 */
  readonly attempts?: number;
  /** Delay between attempts. @default { initialMs: 2000, maxMs: 10000, factor: 2 } */
  readonly backoff?: BackoffOptions;
  /** Timeout of one request. @default 5000 */
  readonly requestTimeoutMs?: number;
}

/** The retry settings of `SmokeSettings`, as `runSmokeChecks` options (only those that were given). */
export function smokeTuning(
  smoke: SmokeSettings | undefined,
): Pick<SmokeOptions, "attempts" | "backoff" | "requestTimeoutMs"> {
  return {
    ...(smoke?.attempts !== undefined ? { attempts: smoke.attempts } : {}),
    ...(smoke?.backoff ? { backoff: smoke.backoff } : {}),
    ...(smoke?.requestTimeoutMs !== undefined ? { requestTimeoutMs: smoke.requestTimeoutMs } : {}),
  };
}
