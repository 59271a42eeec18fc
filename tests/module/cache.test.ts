/**
 * The function cache in module mode. `ci`, `scan` and `scan-image` are never served from Dagger's function cache
 * (their JSDoc says why): a verdict must come from the vulnerability DB the repository serves now. What may be
 * replayed is the layer cache of unchanged steps, so a repeated `ci` with nothing changed is fast and gives the same
 * verdicts, while a DB republished under the same tag is used by the very next `scan`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { brokenCopy } from "../support/service-copy.js";
import { retagTrivyDb, VULNERABLE_PINS, VULNERABLE_PIN_CVES, vulnerabilityIds } from "../support/trivy-db.js";
import { type EngineSession, openSession, rigImages } from "../e2e/support/session.js";
import { callForDirectory, hostDirectory, rigConstructorArgs, serveModule } from "./support/module.js";

interface Summary {
  failed: string[];
  stages: Array<{ name: string; status: string; summary: string }>;
}

const noFail = { failOnError: { type: "Boolean", value: false } };
let session: EngineSession;

beforeAll(async () => {
  session = await openSession("module-cache");
  await serveModule();
});
afterAll(async () => session?.close());

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = Date.now();
  const value = await fn();
  return { value, seconds: (Date.now() - started) / 1000 };
}

describe("the function cache (module mode)", () => {
  it("a repeated ci with nothing changed gives the same verdicts from the layer cache", async () => {
    const ci = async () => {
      const reports = await callForDirectory("ci", noFail);
      return JSON.parse(await reports.file("summary.json").contents()) as Summary;
    };
    const first = await timed(ci);
    const repeated = await timed(ci);
    console.log(
      `ci (module mode): ${first.seconds.toFixed(1)} s, repeated with nothing changed: ${repeated.seconds.toFixed(1)} s (goal <= 3 s)`,
    );
    const verdicts = (s: Summary) => s.stages.map((stage) => [stage.name, stage.status]);
    expect(repeated.value.failed).toEqual([]);
    expect(verdicts(repeated.value)).toEqual(verdicts(first.value));
  });

  it("a DB republished under the same tag is used by the very next scan (no stale verdict)", async () => {
    const tag = `module-${Date.now()}`;
    const repository = (rigImages().trivyDb ?? "").replace(/:2$/, `:${tag}`);
    expect(repository).toMatch(new RegExp(`:${tag}$`));
    const source = await hostDirectory(brokenCopy({ "requirements.txt": (old) => `${old}${VULNERABLE_PINS}` }));
    const constructor = rigConstructorArgs({ source, trivyDbRepository: { type: "String", value: repository } });
    const scan = async () =>
      vulnerabilityIds(
        await (await callForDirectory("scan", noFail, constructor)).file("scan/trivy-fs-vuln.json").contents(),
      );

    await retagTrivyDb("empty", tag);
    expect(await scan()).toEqual([]);
    await retagTrivyDb("2", tag);
    expect(await scan()).toEqual(VULNERABLE_PIN_CVES);
  });
});
