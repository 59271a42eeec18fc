import { SettingsError } from "../errors.js";
import { assertSmokePassed, runSmokeChecks, type SmokeOptions, type SmokeResult } from "./smoke.js";

/** Options of the `smoke` entry point. */
export type SmokeCommandOptions = SmokeOptions;

/**
 * Smoke-checks a deployed service: `/health`, `/ready`, and `/` reporting `expectedVersion`, with bounded retries.
 * Returns every check's result when all passed.
 * @throws SmokeCheckError naming each failed check, SettingsError for a bad URL or version.
 */
export async function smoke(options: SmokeCommandOptions): Promise<SmokeResult[]> {
  if (options.expectedVersion !== undefined && !/^[\w.+-]{1,128}$/.test(options.expectedVersion)) {
    throw new SettingsError(
      `expected version ${JSON.stringify(options.expectedVersion.slice(0, 80))} has characters a version cannot have: fix --version`,
    );
  }
  const results = await runSmokeChecks(options);
  assertSmokePassed(results);
  return results;
}
