/**
 * Benchmark of `ci` on the engine rig. Prints wall times and the ratios measured in this one run
 * (timings on a shared 2-core machine are noisy: compare the ratios, not the seconds).
 *
 *   1. ci cold (engine cache pruned) vs warm (nothing changed) vs one source file changed;
 *   2. ci vs its stages run one after another (lint, test, scan, build, scan-image);
 *   3. ci vs the spec's "Running CI Locally" commands as one plain script in a fresh Python
 *      container (no cache volume, sequential; Postgres and Redis as services): the obvious peer.
 *      The peer only lints and tests; ci also scans the source, builds and checks the image and
 *      scans it, so this ratio overstates ci's cost for the same work.
 *
 * Usage: eval "$(tests/e2e/rig/env.sh)" && npx tsx scripts/bench-ci.ts
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

import { connection, dag, ReturnType } from "@dagger.io/dagger";

import { brokenCopy, BUNDLED_SERVICE, pipelineFor } from "../tests/e2e/support/pipeline.js";
import { rigImages } from "../tests/e2e/support/session.js";

async function timed<T>(label: string, run: () => Promise<T>): Promise<number> {
  const started = Date.now();
  await run();
  const seconds = (Date.now() - started) / 1000;
  console.log(`${label.padEnd(46)} ${seconds.toFixed(1).padStart(7)} s`);
  return seconds;
}

/** A copy of the service with one source file that differs from every earlier run (and passes every linter). */
function changedCopy(): string {
  return brokenCopy({ "enterprise/bench_marker.py": `"""Benchmark run ${Date.now()}."""\n` });
}

/** The spec's "Running CI Locally" lint + test commands, verbatim, in one fresh container. */
async function specScript(): Promise<void> {
  const images = rigImages();
  const postgres = dag
    .container()
    .from(images.postgres)
    .withEnvVariable("POSTGRES_USER", "auth")
    .withEnvVariable("POSTGRES_PASSWORD", "auth-test-only")
    .withEnvVariable("POSTGRES_DB", "auth_test")
    .withExposedPort(5432)
    .asService({ useEntrypoint: true });
  const redis = dag.container().from(images.redis).withExposedPort(6379).asService({ useEntrypoint: true });
  const script = [
    "pip install black flake8 isort mypy bandit",
    "pip install -r requirements-dev.txt",
    "black --check enterprise/ tests/",
    "isort --check-only enterprise/ tests/",
    "flake8 enterprise/ tests/ --max-line-length=100",
    "mypy enterprise/ --ignore-missing-imports",
    "bandit -r enterprise/ -ll",
    "pytest -v -m unit --cov=enterprise --cov-fail-under=70",
    "pytest -v -m integration",
    "pytest -v -m security",
  ].join(" && ");
  await dag
    .container()
    .from(images.python)
    .withEnvVariable("BENCH_FRESH", String(Date.now())) // a fresh container: no layer reuse
    .withDirectory("/src", dag.host().directory(BUNDLED_SERVICE, { exclude: [".venv", "**/__pycache__"] }))
    .withWorkdir("/src")
    .withServiceBinding("postgres", postgres)
    .withServiceBinding("redis", redis)
    .withEnvVariable("DATABASE_URL", "postgresql://auth:auth-test-only@postgres:5432/auth_test")
    .withEnvVariable("REDIS_URL", "redis://redis:6379/0")
    .withEnvVariable("JWT_SECRET_KEY", "bench-signing-key-not-a-secret-0123456789")
    .withExec(["sh", "-c", script], { expect: ReturnType.Any })
    .sync();
}

await connection(
  async () => {
    // Trivy reads the rig's DB stand-in, so the scans run as they would against a mirror.
    const pipeline = (dir: string) => pipelineFor(dir, { trivyDbRepository: rigImages().trivyDb });
    const ci = (dir: string) => pipeline(dir).ci("bench", false);
    await dag.engine().localCache().prune();
    const cold = await timed("ci, cold (engine cache pruned)", () => ci(BUNDLED_SERVICE));
    const warm = await timed("ci, warm (nothing changed)", () => ci(BUNDLED_SERVICE));
    const oneFile = await timed("ci, one source file changed", () => ci(changedCopy()));

    const sequentialDir = changedCopy();
    const sequential = await timed("stages one after another, one file changed", async () => {
      const p = pipeline(sequentialDir);
      await p.lint(false);
      await p.test(false);
      await p.scan(false);
      await p.build("bench");
      await p.scanImage("bench", false);
    });
    const ciSame = await timed("ci, one file changed (same kind of run)", () => ci(changedCopy()));
    const peer = await timed("spec's local commands, fresh container", specScript);

    const lines = [
      `warm / cold                      ${(warm / cold).toFixed(3)}`,
      `one file changed / cold          ${(oneFile / cold).toFixed(3)}`,
      `ci / stages one after another    ${(ciSame / sequential).toFixed(3)}`,
      `ci (one file changed) / peer     ${(oneFile / peer).toFixed(3)}`,
      `ci (cold) / peer                 ${(cold / peer).toFixed(3)}`,
    ];
    console.log("\nratios (lower is better for the first of each pair):\n" + lines.join("\n"));
    mkdirSync("reports", { recursive: true });
    appendFileSync(join("reports", "bench-ci.txt"), lines.join("\n") + "\n");
  },
  { LogOutput: process.stderr },
);
