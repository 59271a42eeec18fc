import { type Container, dag, ReturnType, type Service } from "@dagger.io/dagger";

import { REHEARSAL_SCRIPT, rehearsalVerdict } from "../core/rehearsal.js";
import type { PipelineSettings } from "../core/settings.js";
import { settle, type StageOutcome } from "./outcome.js";

/** Throwaway credentials of a throwaway database that lives only as long as this stage's service. */
const REHEARSAL_DB = { user: "rehearsal", password: "rehearsal-only", name: "rehearsal" };

/**
 * A Postgres of its own (not the test suites' one: another database name makes it another
 * service), empty at every start: the rehearsal must begin from nothing.
 */
function rehearsalDatabase(settings: PipelineSettings): Service {
  return dag
    .container()
    .from(settings.images.postgres)
    .withEnvVariable("POSTGRES_USER", REHEARSAL_DB.user)
    .withEnvVariable("POSTGRES_PASSWORD", REHEARSAL_DB.password)
    .withEnvVariable("POSTGRES_DB", REHEARSAL_DB.name)
    .withExposedPort(5432)
    .asService({ useEntrypoint: true });
}

/**
 * upgrade head → downgrade base → upgrade head (and `alembic check` where env.py has
 * target_metadata) with the service's own alembic and env.py, in its test container, against a
 * throwaway Postgres. Returns migrations/rehearsal.log.
 */
export async function rehearsalStage(python: Container, settings: PipelineSettings): Promise<StageOutcome> {
  const { user, password, name } = REHEARSAL_DB;
  const ran = python
    .withServiceBinding("rehearsal-db", rehearsalDatabase(settings))
    .withEnvVariable("DATABASE_URL", `postgresql://${user}:${password}@rehearsal-db:5432/${name}`)
    .withNewFile("/tmp/faultmaven-rehearsal.py", REHEARSAL_SCRIPT)
    .withExec(["python", "/tmp/faultmaven-rehearsal.py"], { expect: ReturnType.Any });
  const [exitCode, output] = await Promise.all([ran.exitCode(), ran.combinedOutput()]);
  const reports = dag.directory().withNewFile("migrations/rehearsal.log", output);
  return settle(reports, () => rehearsalVerdict(exitCode, output));
}
