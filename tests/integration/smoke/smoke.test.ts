/** Smoke checks against real HTTP servers on loopback. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSmokeChecks } from "../../../src/core/smoke/smoke.js";
import { smoke } from "../../../src/core/smoke/command.js";
import { SmokeCheckError } from "../../../src/core/errors.js";
import { startServer, startServiceStandIn, type LoopbackServer } from "../deploy/servers.js";

const FAST = { attempts: 3, backoff: { initialMs: 10, maxMs: 40 }, requestTimeoutMs: 1000 };
let servers: LoopbackServer[] = [];
const track = (s: LoopbackServer) => (servers.push(s), s);
beforeAll(() => {
  servers = [];
});
afterAll(async () => Promise.all(servers.map((s) => s.close())));

describe("smoke checks", () => {
  it("all three pass and report status, attempts and duration", async () => {
    const site = track(await startServiceStandIn({ version: () => "1.2.3" }));
    const results = await smoke({ baseUrl: site.url, expectedVersion: "v1.2.3", ...FAST });
    expect(results.map((r) => [r.name, r.passed, r.status, r.attempts])).toEqual([
      ["health", true, 200, 1],
      ["ready", true, 200, 1],
      ["version", true, 200, 1],
    ]);
    expect(site.requests.map((r) => r.path)).toEqual(["/health", "/ready", "/"]);
  });

  it("/ready 503 twice then 200: passes within the bounded retries", async () => {
    let readyCalls = 0;
    const site = track(
      await startServiceStandIn({ version: () => "v2.0.0", readyStatus: () => (++readyCalls <= 2 ? 503 : 200) }),
    );
    const results = await runSmokeChecks({ baseUrl: site.url, expectedVersion: "v2.0.0", ...FAST });
    expect(results.find((r) => r.name === "ready")).toMatchObject({ passed: true, attempts: 3, status: 200 });
  });

  it("/ready 503 for good: fails after exactly `attempts` tries with SmokeCheckError naming the URL", async () => {
    const site = track(await startServiceStandIn({ version: () => "v2.0.0", readyStatus: () => 503 }));
    const attempt = smoke({ baseUrl: site.url, expectedVersion: "v2.0.0", ...FAST });
    await expect(attempt).rejects.toBeInstanceOf(SmokeCheckError);
    await expect(attempt).rejects.toThrow(new RegExp(`${site.url}/ready HTTP 503 after 3 attempts`));
  });

  it("/ reporting another version fails the version check", async () => {
    const site = track(await startServiceStandIn({ version: () => "1.2.2" }));
    const results = await runSmokeChecks({ baseUrl: site.url, expectedVersion: "v1.2.3", ...FAST, attempts: 1 });
    expect(results.find((r) => r.name === "version")).toMatchObject({
      passed: false,
      detail: 'reports version "1.2.2", expected v1.2.3',
    });
  });

  it("/ without JSON fails the version check", async () => {
    const site = track(await startServer((path) => (path === "/" ? { status: 200 } : { status: 200, body: {} })));
    const results = await runSmokeChecks({ baseUrl: site.url, expectedVersion: "v1.2.3", ...FAST, attempts: 1 });
    expect(results.find((r) => r.name === "version")).toMatchObject({ passed: false, detail: "body is not JSON" });
  });

  it("a closed port: request failures are retried, then reported", async () => {
    const site = await startServiceStandIn({ version: () => "x" });
    const url = site.url;
    await site.close();
    const results = await runSmokeChecks({ baseUrl: url, ...FAST, attempts: 2 });
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ passed: false, attempts: 2 });
    expect(results[0]?.detail).toMatch(/^request failed: .*ECONNREFUSED/);
  });

  it("without an expected version only /health and /ready run", async () => {
    const site = track(await startServiceStandIn({ version: () => "anything" }));
    const results = await smoke({ baseUrl: `${site.url}/`, ...FAST });
    expect(results.map((r) => r.name)).toEqual(["health", "ready"]);
  });
});
