import { dag, type Container, ReturnType, type Service } from "@dagger.io/dagger";

import { StageFailedError } from "../core/errors.js";
import { indent, tail } from "../core/output.js";
import type { PipelineSettings } from "../core/settings.js";
import { COVERAGE_PRECISION, parseCobertura, type SuiteName, type SuiteRun, testVerdict } from "../core/testReports.js";
import { settle, type StageOutcome } from "./outcome.js";

/**
 * Throwaway credentials of the throwaway test database: they exist only inside this run's service
 * containers, so they are plain values, not secrets.
 */
const TEST_DB = { user: "auth", password: "auth-test-only", name: "auth_test" };
/** Signs tokens in tests only; a fixed value keeps the test step cacheable. */
const TEST_JWT_KEY = "ci-test-signing-key-not-a-secret-0123456789";

const REPORTS = "/reports";
/** Exit code and output of each suite, kept out of the reports directory. */
const RUNS = "/suite-runs";
const SUITES: readonly SuiteName[] = ["unit", "integration", "security"];

/** A Postgres database's owner and name. */
export interface DatabaseSpec {
  readonly user: string;
  readonly password: string;
  readonly name: string;
}

/**
 * Each suite's own Postgres database and Redis database, on the one server of each: the suites run at once and never
 * see each other's rows or keys, as if each ran alone.
 */
const SUITE_STORES: Record<SuiteName, { database: string; redisDb: number }> = {
  unit: { database: TEST_DB.name, redisDb: 0 },
  integration: { database: `${TEST_DB.name}_integration`, redisDb: 1 },
  security: { database: `${TEST_DB.name}_security`, redisDb: 2 },
};

/**
 * The official image's own initialiser (an image without it initialises at each start instead). Its cluster lands in
 * a cached layer, so each start of the service begins from that empty, initialised cluster in about a second rather
 * than running initdb, a bootstrap server and the init scripts first.
 */
const ENSURE_INITDB = "if command -v docker-ensure-initdb.sh >/dev/null; then exec docker-ensure-initdb.sh; fi";

/**
 * Postgres 15, as the official image's env contract describes, exposed on 5432; `moreDatabases` are created with the
 * cluster, by a script in /docker-entrypoint-initdb.d (that contract too). Another `db` makes another service
 * (the migration rehearsal's, empty at every start, is not the test suites').
 */
export function postgresService(
  settings: PipelineSettings,
  db: DatabaseSpec = TEST_DB,
  moreDatabases: readonly string[] = [],
): Service {
  const init = moreDatabases.map((name) => `CREATE DATABASE "${name}";\n`).join("");
  const server = dag
    .container()
    .from(settings.images.postgres)
    .withEnvVariable("POSTGRES_USER", db.user)
    .withEnvVariable("POSTGRES_PASSWORD", db.password)
    .withEnvVariable("POSTGRES_DB", db.name);
  return (init ? server.withNewFile("/docker-entrypoint-initdb.d/faultmaven-databases.sql", init) : server)
    .withExec(["sh", "-c", ENSURE_INITDB])
    .withExposedPort(5432)
    .asService({ useEntrypoint: true });
}

/** Redis 7, exposed on 6379. */
export function redisService(settings: PipelineSettings): Service {
  return dag.container().from(settings.images.redis).withExposedPort(6379).asService({ useEntrypoint: true });
}

/** The pytest command of one suite, writing its JUnit XML (and, for unit, coverage.xml) under /reports. */
export function pytestCommand(suite: SuiteName, settings: PipelineSettings): string[] {
  const base = ["pytest", "-v", "-m", suite, `--junitxml=${REPORTS}/junit-${suite}.xml`, "-p", "no:cacheprovider"];
  if (suite !== "unit") return base;
  return [
    ...base,
    `--cov=${settings.packageName}`,
    `--cov-report=xml:${REPORTS}/coverage.xml`,
    "--cov-report=term",
    // The verdict reads coverage.xml with this same precision: pytest's gate and ours agree.
    `--cov-precision=${COVERAGE_PRECISION}`,
    `--cov-fail-under=${settings.coverageThreshold}`,
  ];
}

/** The environment one suite runs with: its own database and Redis database. */
function suiteEnvironment(suite: SuiteName): string {
  const { database, redisDb } = SUITE_STORES[suite];
  const { user, password } = TEST_DB;
  return `DATABASE_URL=postgresql://${user}:${password}@postgres:5432/${database} REDIS_URL=redis://redis:6379/${redisDb}`;
}

/**
 * One shell script that runs the three suites at once (the longest of them, not their sum, is the stage's time), each
 * on its own database, recording each one's exit code and output. A line tells when each ends; the outputs follow
 * in order, whole, once all have ended. Every suite runs even when another fails.
 */
export function suitesScript(settings: PipelineSettings): string {
  const lines = [`mkdir -p ${REPORTS} ${RUNS}`, `echo "running the ${SUITES.join(", ")} suites at once"`];
  for (const suite of SUITES) {
    const argv = pytestCommand(suite, settings).map(shellQuote).join(" ");
    const [out, exit] = [`${RUNS}/${suite}.out`, `${RUNS}/${suite}.exit`];
    lines.push(
      `( started=$(date +%s); ${suiteEnvironment(suite)} ${argv} > ${out} 2>&1; echo $? > ${exit}; ` +
        `echo "${suite}: exit $(cat ${exit}) after $(( $(date +%s) - started )) s" ) &`,
    );
  }
  lines.push("wait");
  for (const suite of SUITES) lines.push(`echo; echo "===== ${suite} ====="; cat ${RUNS}/${suite}.out`);
  return lines.join("\n");
}

/**
 * Runs the unit, integration and security suites at once in ONE exec against Postgres and Redis service
 * containers, so each service starts once for the three suites (a service bound to a container
 * runs for each exec of it). The reports directory holds every JUnit XML and coverage.xml either way.
 */
export async function testStage(python: Container, settings: PipelineSettings): Promise<StageOutcome> {
  const moreDatabases = SUITES.map((suite) => SUITE_STORES[suite].database).filter((name) => name !== TEST_DB.name);
  const ran = python
    .withServiceBinding("postgres", postgresService(settings, TEST_DB, moreDatabases))
    .withServiceBinding("redis", redisService(settings))
    .withEnvVariable("JWT_SECRET_KEY", TEST_JWT_KEY)
    .withEnvVariable("ENVIRONMENT", "test")
    .withExec(["sh", "-c", suitesScript(settings)], { expect: ReturnType.Any });
  const scriptExit = await ran.exitCode();
  if (scriptExit !== 0) {
    const reports = dag.directory();
    const output = await ran.combinedOutput();
    return settle(reports, () => {
      throw new StageFailedError(`tests could not run: the suite runner exited ${scriptExit}\n${indent(tail(output))}`);
    });
  }
  const runs: SuiteRun[] = await Promise.all(
    SUITES.map(async (suite) => {
      const [exitText, output, junitXml] = await Promise.all([
        ran.file(`${RUNS}/${suite}.exit`).contents(),
        ran.file(`${RUNS}/${suite}.out`).contents(),
        readIfPresent(ran, `${REPORTS}/junit-${suite}.xml`),
      ]);
      return { suite, exitCode: Number(exitText.trim()), output, junitXml };
    }),
  );
  const coverageXml = await readIfPresent(ran, `${REPORTS}/coverage.xml`);
  const reports = dag.directory().withDirectory("tests", ran.directory(REPORTS));
  return settle(reports, () =>
    testVerdict(runs, {
      total: coverageXml ? parseCobertura(coverageXml) : undefined,
      threshold: settings.coverageThreshold,
    }),
  );
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

async function readIfPresent(container: Container, path: string): Promise<string | undefined> {
  return (await container.exists(path)) ? container.file(path).contents() : undefined;
}
