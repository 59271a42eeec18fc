import { type Container, dag, ReturnType } from "@dagger.io/dagger";

import { REHEARSAL_SCRIPT, rehearsalVerdict } from "../core/rehearsal.js";
import type { PipelineSettings } from "../core/settings.js";
import { settle, type StageOutcome } from "./outcome.js";
import { postgresService } from "./test.js";

/**
 * Throwaway credentials of a throwaway database that lives only as long as this stage's service: a Postgres of its
 * own (another database makes another service), empty at every start, so the rehearsal begins from nothing.
 */
const REHEARSAL_DB = { user: "rehearsal", password: "rehearsal-only", name: "rehearsal" };

/**
 * upgrade head → downgrade base → upgrade head (and `alembic check` where env.py has
 * target_metadata) with the service's own alembic and env.py, in its test container, against a
 * throwaway Postgres. Returns migrations/rehearsal.log.
 */
export async function rehearsalStage(python: Container, settings: PipelineSettings): Promise<StageOutcome> {
  const { user, password, name } = REHEARSAL_DB;
  const ran = python
    .withServiceBinding("rehearsal-db", postgresService(settings, REHEARSAL_DB))
    .withEnvVariable("DATABASE_URL", `postgresql://${user}:${password}@rehearsal-db:5432/${name}`)
    .withNewFile("/tmp/faultmaven-rehearsal.py", REHEARSAL_SCRIPT)
    .withExec(["python", "/tmp/faultmaven-rehearsal.py"], { expect: ReturnType.Any });
  const [exitCode, output] = await Promise.all([ran.exitCode(), ran.combinedOutput()]);
  const reports = dag.directory().withNewFile("migrations/rehearsal.log", output);
  return settle(reports, () => rehearsalVerdict(exitCode, output));
}
