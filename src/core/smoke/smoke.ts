import { SettingsError, SmokeCheckError } from "../errors.js";
import { sameVersion } from "../version/tags.js";
import { backoffDelay, systemClock, type BackoffOptions, type Clock } from "../deploy/backoff.js";

/** The result of one smoke check after its retries. */
export interface SmokeResult {
  /** `health`, `ready` or `version`. */
  readonly name: string;
  readonly url: string;
  readonly passed: boolean;
  /** HTTP status of the last attempt (undefined when the request itself failed). */
  readonly status?: number;
  readonly attempts: number;
  /** What the last attempt saw, one line. */
  readonly detail: string;
  readonly durationMs: number;
}

/** Options of `runSmokeChecks`. */
export interface SmokeOptions {
  /** Base URL of the deployed service, e.g. `https://auth-staging.faultmaven.com`. */
  readonly baseUrl: string;
  /** Version `/` must report in its JSON `version` field (with or without a leading `v`). Skipped when undefined. */
  readonly expectedVersion?: string;
  /** Attempts per check, including the first. @default 5 */
  readonly attempts?: number;
  /** Delay between attempts. @default { initialMs: 2000, maxMs: 10000, factor: 2 } */
  readonly backoff?: BackoffOptions;
  /** Timeout of one request. @default 5000 */
  readonly requestTimeoutMs?: number;
  /** @default the system clock */
  readonly clock?: Clock;
  /** Progress lines. @default no output */
  readonly log?: (line: string) => void;
}

interface Check {
  readonly name: string;
  readonly path: string;
  readonly judge: (status: number, body: string) => string | undefined; // undefined = passed, else why not
}

/**
 * Validates a smoke base URL: http(s), no credentials, no query.
 * @throws SettingsError otherwise.
 */
export function validateSmokeUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SettingsError(
      `smoke URL ${JSON.stringify(url.slice(0, 100))} is not a URL: pass --smoke-url=https://host`,
    );
  }
  if (!/^https?:$/.test(parsed.protocol) || parsed.username || parsed.password || parsed.search || parsed.hash) {
    throw new SettingsError(
      `smoke URL ${JSON.stringify(url.slice(0, 100))} must be http(s)://host[:port][/path] without credentials or query: fix --smoke-url`,
    );
  }
  return url.replace(/\/+$/, "");
}

function checksFor(expectedVersion: string | undefined): Check[] {
  const ok2xx = (status: number) => (status >= 200 && status < 300 ? undefined : `HTTP ${status}`);
  const checks: Check[] = [
    { name: "health", path: "/health", judge: ok2xx },
    { name: "ready", path: "/ready", judge: ok2xx },
  ];
  if (expectedVersion !== undefined) {
    checks.push({
      name: "version",
      path: "/",
      judge: (status, body) => {
        const bad = ok2xx(status);
        if (bad) return bad;
        let version: unknown;
        try {
          version = (JSON.parse(body) as { version?: unknown }).version;
        } catch {
          return "body is not JSON";
        }
        if (typeof version !== "string") return "JSON has no string `version`";
        return sameVersion(version, expectedVersion)
          ? undefined
          : `reports version ${JSON.stringify(version.slice(0, 64))}, expected ${expectedVersion}`;
      },
    });
  }
  return checks;
}

/** Runs `/health`, `/ready` and `/` (version) with bounded retries; never throws for a failed check. */
export async function runSmokeChecks(options: SmokeOptions): Promise<SmokeResult[]> {
  const base = validateSmokeUrl(options.baseUrl);
  const clock = options.clock ?? systemClock;
  const attempts = Math.max(1, options.attempts ?? 5);
  const backoff = options.backoff ?? { initialMs: 2000, maxMs: 10000, factor: 2 };
  const results: SmokeResult[] = [];
  for (const check of checksFor(options.expectedVersion)) {
    const url = `${base}${check.path}`;
    const started = clock.now();
    let status: number | undefined;
    let detail = "";
    let attempt = 0;
    let passed = false;
    while (attempt < attempts) {
      if (attempt > 0) await clock.sleep(backoffDelay(attempt - 1, backoff));
      attempt += 1;
      try {
        const response = await fetch(url, {
          signal: AbortSignal.timeout(options.requestTimeoutMs ?? 5000),
          redirect: "manual",
        });
        status = response.status;
        const body = (await response.text()).slice(0, 65536);
        const problem = check.judge(response.status, body);
        detail = problem ?? `HTTP ${response.status}`;
        passed = problem === undefined;
      } catch (error) {
        status = undefined;
        detail =
          `request failed: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`.split(
            "\n",
          )[0] ?? "request failed";
      }
      if (passed) break;
      options.log?.(`smoke ${check.name}: attempt ${attempt}/${attempts} failed: ${detail}`);
    }
    results.push({
      name: check.name,
      url,
      passed,
      ...(status === undefined ? {} : { status }),
      attempts: attempt,
      detail,
      durationMs: Math.round(clock.now() - started),
    });
  }
  return results;
}

/** @throws SmokeCheckError naming each failed check, when any failed. */
export function assertSmokePassed(results: readonly SmokeResult[]): void {
  const failed = results.filter((r) => !r.passed);
  if (failed.length > 0) {
    throw new SmokeCheckError(
      `smoke checks failed: ${failed.map((r) => `${r.url} ${r.detail} after ${r.attempts} attempts`).join("; ")}`,
    );
  }
}
