import { dag, type Directory, type Secret } from "@dagger.io/dagger";

import { snykTest, snykVerdict } from "../core/snyk.js";
import { parseSnykPolicy } from "../core/snykPolicy.js";
import { headerSafeToken } from "../core/tokens.js";
import { failedOutcome, type StageOutcome } from "./outcome.js";

/** What the Snyk stage needs; no token means the stage is skipped. */
export interface SnykOptions {
  /** Read from the Secret only to hand to the HTTP client; empty means "not given". */
  token?: string;
  org?: string;
  apiUrl?: string;
}

/**
 * Reads the Snyk token before any container runs. An empty token is "no token" (GitHub hands
 * forks' pull requests empty secrets, and their CI must still run).
 */
export async function prepareSnyk(snykToken?: Secret, org?: string, apiUrl?: string): Promise<SnykOptions> {
  const token = headerSafeToken("--snyk-token", await snykToken?.plaintext());
  return { token, org, apiUrl };
}

/**
 * Snyk's test of the service's requirements.txt (high and critical issues fail), with the ignores
 * of the service's .snyk applied as `snyk test` applies them. Never served from a cache: Snyk's
 * advisories change on their side, so each run asks again. Returns scan/snyk.json (Snyk's answer)
 * when Snyk answered.
 */
export async function snykStage(source: Directory, options: SnykOptions & { token: string }): Promise<StageOutcome> {
  let reports = dag.directory();
  try {
    if (!(await source.exists("requirements.txt"))) {
      throw new Error("snyk: the service has no requirements.txt to test");
    }
    // Read first: a broken policy fails the stage before the token leaves for Snyk.
    const rules = (await source.exists(".snyk")) ? parseSnykPolicy(await source.file(".snyk").contents()) : [];
    const result = await snykTest({ ...options, requirements: await source.file("requirements.txt").contents() });
    reports = reports.withNewFile("scan/snyk.json", result.raw);
    return { reports, summary: snykVerdict(result, { rules, now: new Date() }) };
  } catch (error) {
    return failedOutcome(reports, error);
  }
}
