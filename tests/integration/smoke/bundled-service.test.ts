/**
 * Smoke checks against the bundled auth service itself, run with uvicorn on loopback (the best stand-in for a
 * deployed task). Needs the service's venv, built by scripts/service-checks.sh under
 * $PIPELINE_CACHE/venvs/auth-service-*; without it these tests are skipped and say so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { runSmokeChecks } from "../../../src/core/smoke/smoke.js";
import { smoke } from "../../../src/core/smoke/command.js";
import { SmokeCheckError } from "../../../src/core/errors.js";

const CACHE = process.env.PIPELINE_CACHE ?? "/var/cache/faultmaven-pipeline";
const venvs = existsSync(join(CACHE, "venvs"))
  ? readdirSync(join(CACHE, "venvs")).filter((d) => d.startsWith("auth-service-"))
  : [];
const venv = venvs
  .map((d) => join(CACHE, "venvs", d))
  .find((d) => existsSync(join(d, ".complete")) && existsSync(join(d, "bin", "python")));
const FAST = { attempts: 2, backoff: { initialMs: 50, maxMs: 100 }, requestTimeoutMs: 5000 };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts uvicorn with the service's own command line and waits until /health answers. */
async function startService(env: Record<string, string>): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    join(venv as string, "bin", "python"),
    ["-m", "uvicorn", "--factory", "enterprise.main:create_app", "--host", "127.0.0.1", "--port", String(port)],
    {
      cwd: "examples/auth-service",
      env: {
        PATH: process.env.PATH ?? "",
        JWT_SECRET_KEY: randomBytes(32).toString("hex"),
        ENVIRONMENT: "test",
        ...env,
      },
      stdio: "ignore",
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i += 1) {
    try {
      if ((await fetch(`${url}/health`, { signal: AbortSignal.timeout(500) })).ok) return { url, process: child };
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill();
  throw new Error(`the auth service did not answer on ${url}/health within 20 s`);
}

const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) child.kill("SIGTERM");
});

describe.skipIf(!venv)(
  `bundled auth service under uvicorn${venv ? "" : " (skipped: no service venv; run scripts/service-checks.sh)"}`,
  () => {
    let down: { url: string };
    beforeAll(async () => {
      // Postgres and Redis pointed at closed ports: the real service must answer /ready with 503.
      const service = await startService({
        APP_VERSION: "v3.1.4",
        DATABASE_URL: "postgresql://auth:auth@127.0.0.1:1/auth",
        REDIS_URL: "redis://127.0.0.1:1/0",
      });
      started.push(service.process);
      down = service;
    }, 60_000);

    it("/health and / (APP_VERSION) pass; /ready is 503 while its database is down → SmokeCheckError", async () => {
      const results = await runSmokeChecks({ baseUrl: down.url, expectedVersion: "v3.1.4", ...FAST });
      expect(results.map((r) => [r.name, r.passed, r.status])).toEqual([
        ["health", true, 200],
        ["ready", false, 503],
        ["version", true, 200],
      ]);
      await expect(smoke({ baseUrl: down.url, expectedVersion: "v3.1.4", ...FAST })).rejects.toBeInstanceOf(
        SmokeCheckError,
      );
    });

    it("a different expected version fails the version check against the real service", async () => {
      const results = await runSmokeChecks({ baseUrl: down.url, expectedVersion: "v3.1.5", ...FAST, attempts: 1 });
      expect(results.find((r) => r.name === "version")).toMatchObject({
        passed: false,
        detail: 'reports version "v3.1.4", expected v3.1.5',
      });
    });

    const dependencies =
      process.env.DATABASE_URL && process.env.REDIS_URL
        ? { DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL }
        : undefined;
    it.skipIf(!dependencies)(
      `all checks pass with Postgres and Redis up${dependencies ? "" : " (skipped: DATABASE_URL/REDIS_URL not set; eval scripts/setup/postgres-redis.sh)"}`,
      async () => {
        const service = await startService({ APP_VERSION: "v3.1.4", ...(dependencies as Record<string, string>) });
        started.push(service.process);
        const results = await smoke({ baseUrl: service.url, expectedVersion: "3.1.4", ...FAST });
        expect(results.every((r) => r.passed)).toBe(true);
      },
    );
  },
);
