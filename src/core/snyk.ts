import { ScannerFailedError, VulnerabilitiesFoundError } from "./errors.js";
import { applySnykPolicy, type SnykIgnoreRule, type SnykSuppression } from "./snykPolicy.js";

/**
 * Snyk's dependency test of a Python service, through Snyk's documented v1 API
 * (`POST {api}/test/pip`, "Test requirements.txt file"): the same test `snyk test` runs. The npm
 * `snyk` package is only a wrapper that downloads the real CLI binary from static.snyk.io on
 * first use, so the pipeline speaks to the API itself: one HTTPS request, no binary to fetch.
 */
export const SNYK_API_DEFAULT = "https://api.snyk.io/v1";

/** The spec's pass criteria: no critical and no high-severity issue in the dependencies. */
export const SNYK_FAILING_SEVERITIES = ["critical", "high"] as const;

export interface SnykTestOptions {
  /** Snyk API token (SNYK_TOKEN); only ever sent in the Authorization header. */
  token: string;
  /** requirements.txt as the service pins it. */
  requirements: string;
  /** Organisation id to test under. @default the token's default organisation */
  org?: string;
  /** @default SNYK_API_DEFAULT */
  apiUrl?: string;
  fetchImpl?: typeof fetch;
  /** @default 120000 */
  timeoutMs?: number;
}

/** One issue as Snyk's test response lists it (the fields the verdict reads). */
export interface SnykVulnerability {
  id: string;
  title?: string;
  severity: string;
  package: string;
  version: string;
  fixedIn?: string[];
  identifiers?: { CVE?: string[] };
  /** The dependency path, the project first (what a .snyk ignore path matches). */
  from?: string[];
}

export interface SnykTestResult {
  ok: boolean;
  dependencyCount?: number;
  vulnerabilities: SnykVulnerability[];
  /** The raw response, written to scan/snyk.json. */
  raw: string;
}

/**
 * Runs the test. A network failure, a rejected token or an answer that is not Snyk's test result
 * is a ScannerFailedError (no verdict), never a pass. The token never appears in an error.
 */
export async function snykTest(options: SnykTestOptions): Promise<SnykTestResult> {
  const api = (options.apiUrl ?? SNYK_API_DEFAULT).replace(/\/+$/, "");
  const url = `${api}/test/pip${options.org ? `?org=${encodeURIComponent(options.org)}` : ""}`;
  const doFetch = options.fetchImpl ?? fetch;
  let response: Response;
  try {
    response = await doFetch(url, {
      method: "POST",
      headers: { authorization: `token ${options.token}`, "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ encoding: "plain", files: { target: { contents: options.requirements } } }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
    });
  } catch (error) {
    throw new ScannerFailedError(
      `snyk: the scanner failed, so there is no verdict: ${url} unreachable (${(error as Error).message})`,
    );
  }
  const raw = await response.text();
  if (response.status === 401 || response.status === 403) {
    throw new ScannerFailedError(
      `snyk: the scanner failed, so there is no verdict: Snyk refused the token (HTTP ${response.status}); check SNYK_TOKEN and its organisation`,
    );
  }
  let body: { ok?: unknown; issues?: { vulnerabilities?: unknown }; dependencyCount?: number };
  try {
    body = JSON.parse(raw) as typeof body;
  } catch {
    body = {};
  }
  if (!response.ok || typeof body.ok !== "boolean" || !Array.isArray(body.issues?.vulnerabilities)) {
    throw new ScannerFailedError(
      `snyk: the scanner failed, so there is no verdict: ${url} answered HTTP ${response.status}: ${raw.slice(0, 300)}`,
    );
  }
  return {
    ok: body.ok,
    dependencyCount: body.dependencyCount,
    vulnerabilities: body.issues.vulnerabilities as SnykVulnerability[],
    raw,
  };
}

const isFailing = (v: SnykVulnerability) =>
  (SNYK_FAILING_SEVERITIES as readonly string[]).includes(v.severity.toLowerCase());

/**
 * Fails on any critical or high issue that no rule of the service's .snyk suppresses, naming each
 * (id, CVE, package@version, fixed in). Every verdict lists the suppressions that applied and the
 * ignores that have expired.
 */
export function snykVerdict(
  result: SnykTestResult,
  policy: { rules: SnykIgnoreRule[]; now: Date } = { rules: [], now: new Date() },
): string {
  const { counted, suppressed, expired } = applySnykPolicy(result.vulnerabilities, policy.rules, policy.now);
  const failing = counted.filter(isFailing);
  const unique = [...new Map(failing.map((v) => [`${v.id} ${v.package}@${v.version}`, v])).values()];
  const deps = result.dependencyCount === undefined ? "" : ` in ${result.dependencyCount} dependencies`;
  const notes = [describeSuppressed(suppressed), describeExpired(expired)].filter((n) => n).join("; ");
  const suffix = notes ? ` [${notes}]` : "";
  if (unique.length > 0) {
    const listed = unique
      .slice(0, 5)
      .map((v) => {
        const cve = v.identifiers?.CVE?.length ? ` (${v.identifiers.CVE.join(", ")})` : "";
        const fix = v.fixedIn?.length ? `fixed in ${v.fixedIn.join(", ")}` : "no fixed version yet";
        return `${v.severity.toUpperCase()} ${v.id}${cve} in ${v.package} ${v.version}, ${fix}`;
      })
      .join(", ");
    throw new VulnerabilitiesFoundError(
      `snyk: found ${unique.length} high or critical issue${unique.length === 1 ? "" : "s"}${deps} (${listed}${unique.length > 5 ? ", ..." : ""}); upgrade them or, if accepted, ignore them in .snyk (snyk ignore --id=...)${suffix}`,
    );
  }
  const lower = counted.length;
  return `snyk: no high or critical issues${deps}${lower > 0 ? ` (${lower} of lower severity)` : ""}${suffix}`;
}

function describeSuppressed(suppressed: SnykSuppression[]): string {
  const ids = [
    ...new Set(
      suppressed.map(({ vulnerability, rule }) => {
        const until = rule.expires ? ` until ${rule.expires.toISOString().slice(0, 10)}` : "";
        const why = rule.reason ? `: ${rule.reason}` : "";
        return `${vulnerability.id} in ${vulnerability.package} ${vulnerability.version}${until}${why}`;
      }),
    ),
  ];
  return ids.length === 0 ? "" : `suppressed by .snyk: ${ids.join(", ")}`;
}

function describeExpired(expired: SnykIgnoreRule[]): string {
  if (expired.length === 0) return "";
  return `expired in .snyk: ${expired.map((r) => `${r.id} (${r.expires?.toISOString().slice(0, 10) ?? "?"})`).join(", ")}`;
}
