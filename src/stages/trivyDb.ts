import { randomUUID } from "node:crypto";

import { dag, ReturnType } from "@dagger.io/dagger";

import type { PipelineSettings } from "../core/settings.js";
import {
  DEFAULT_DB_REPOSITORIES,
  type DbVersion,
  DIGEST_PROBE_SCRIPT,
  parseProbeOutput,
  probeArguments,
} from "../core/trivyDb.js";

/**
 * Resolves the digest the vulnerability DB repository (the mirror given, else Trivy's own, in
 * Trivy's order) serves right now. The probe runs in the pipeline's Python image with a nonce as
 * an input, so it is never served from the cache: each call asks the registry again.
 */
export async function resolveDbVersion(settings: PipelineSettings): Promise<DbVersion> {
  const nonce = randomUUID();
  const repositories = settings.trivyDbRepository ? [settings.trivyDbRepository] : DEFAULT_DB_REPOSITORIES;
  const probe = dag
    .container()
    .from(settings.images.python)
    .withEnvVariable("FAULTMAVEN_DB_PROBE_NONCE", nonce)
    .withNewFile("/probe/digest.py", DIGEST_PROBE_SCRIPT)
    .withExec(["python3", "/probe/digest.py", ...probeArguments(repositories)], { expect: ReturnType.Any });
  try {
    return parseProbeOutput(await probe.stdout(), nonce);
  } catch (error) {
    return { resolved: false, reason: `the probe did not run: ${(error as Error).message.split("\n")[0]}`, nonce };
  }
}
