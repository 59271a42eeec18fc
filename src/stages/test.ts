import { dag, type Container, ReturnType, type Service } from "@dagger.io/dagger";

import type { PipelineSettings } from "../core/settings.js";
import { parseCoveragePercent, type SuiteName, type SuiteRun, testVerdict } from "../core/testReports.js";
import { settle, type StageOutcome } from "./outcome.js";

/**
 * Throwaway credentials of the throwaway test database: they exist only inside this run's service
 * containers, so they are plain values, not secrets.
 */
const TEST_DB = { user: "auth", password: "auth-test-only", name: "auth_test" };
/** Signs tokens in tests only; a fixed value keeps the test step cacheable. */
const TEST_JWT_KEY = "ci-test-signing-key-not-a-secret-0123456789";

const REPORTS = "/reports";

/** Postgres 15, as the official image's env contract describes, exposed on 5432. */
export function postgresService(settings: PipelineSettings): Service {
  return dag
    .container()
    .from(settings.images.postgres)
    .withEnvVariable("POSTGRES_USER", TEST_DB.user)
    .withEnvVariable("POSTGRES_PASSWORD", TEST_DB.password)
    .withEnvVariable("POSTGRES_DB", TEST_DB.name)
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
    `--cov-fail-under=${settings.coverageThreshold}`,
  ];
}

/**
 * Runs the unit, integration and security suites, one after another (they share one database),
 * against Postgres and Redis service containers. Every suite runs even when an earlier one failed;
 * the reports directory holds every JUnit XML and coverage.xml either way.
 */
export async function testStage(python: Container, settings: PipelineSettings): Promise<StageOutcome> {
  let container = python
    .withServiceBinding("postgres", postgresService(settings))
    .withServiceBinding("redis", redisService(settings))
    .withEnvVariable("DATABASE_URL", `postgresql://${TEST_DB.user}:${TEST_DB.password}@postgres:5432/${TEST_DB.name}`)
    .withEnvVariable("REDIS_URL", "redis://redis:6379/0")
    .withEnvVariable("JWT_SECRET_KEY", TEST_JWT_KEY)
    .withEnvVariable("ENVIRONMENT", "test")
    .withExec(["mkdir", "-p", REPORTS]);

  const runs: SuiteRun[] = [];
  for (const suite of ["unit", "integration", "security"] as const) {
    container = container.withExec(pytestCommand(suite, settings), { expect: ReturnType.Any });
    const [exitCode, output] = await Promise.all([container.exitCode(), container.combinedOutput()]);
    const junitXml = await readIfPresent(container, `${REPORTS}/junit-${suite}.xml`);
    runs.push({ suite, exitCode, output, junitXml });
  }
  const coverageXml = await readIfPresent(container, `${REPORTS}/coverage.xml`);
  const reports = dag.directory().withDirectory("tests", container.directory(REPORTS));
  return settle(reports, () =>
    testVerdict(runs, {
      percent: coverageXml ? parseCoveragePercent(coverageXml) : undefined,
      threshold: settings.coverageThreshold,
    }),
  );
}

async function readIfPresent(container: Container, path: string): Promise<string | undefined> {
  return (await container.exists(path)) ? container.file(path).contents() : undefined;
}
