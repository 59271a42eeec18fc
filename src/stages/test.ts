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
 * Postgres 15, as the official image's env contract describes, exposed on 5432. Another `db` makes another
 * service (the migration rehearsal's, empty at every start, is not the test suites').
 */
export function postgresService(settings: PipelineSettings, db: DatabaseSpec = TEST_DB): Service {
  return dag
    .container()
    .from(settings.images.postgres)
    .withEnvVariable("POSTGRES_USER", db.user)
    .withEnvVariable("POSTGRES_PASSWORD", db.password)
    .withEnvVariable("POSTGRES_DB", db.name)
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

/**
 * One shell script that runs every suite in turn (they share one database), recording each one's
 * exit code and output. Every suite runs even when an earlier one failed.
 */
export function suitesScript(settings: PipelineSettings): string {
  const lines = [`mkdir -p ${REPORTS} ${RUNS}`];
  for (const suite of SUITES) {
    const argv = pytestCommand(suite, settings).map(shellQuote).join(" ");
    // Output goes to the log as it runs and to a file; the exit code is pytest's, not tee's.
    lines.push(`{ ${argv}; echo $? > ${RUNS}/${suite}.exit; } 2>&1 | tee ${RUNS}/${suite}.out`);
  }
  return lines.join("\n");
}

/**
 * Runs the unit, integration and security suites in ONE exec against Postgres and Redis service
 * containers, so each service starts once for the three suites (a service bound to a container
 * runs for each exec of it). The reports directory holds every JUnit XML and coverage.xml either way.
 */
export async function testStage(python: Container, settings: PipelineSettings): Promise<StageOutcome> {
  const ran = python
    .withServiceBinding("postgres", postgresService(settings))
    .withServiceBinding("redis", redisService(settings))
    .withEnvVariable("DATABASE_URL", `postgresql://${TEST_DB.user}:${TEST_DB.password}@postgres:5432/${TEST_DB.name}`)
    .withEnvVariable("REDIS_URL", "redis://redis:6379/0")
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
