/**
 * `dagger call ci` in module mode: the module's own code runs in the TypeScript runtime's container and
 * reads the bundled service through its `defaultPath`; a broken copy is passed as `--source`, as a user
 * would pass their service.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { brokenCopy } from "../support/service-copy.js";
import { type EngineSession, openSession } from "../e2e/support/session.js";
import { callError, callForDirectory, hostDirectory, rigConstructorArgs, serveModule } from "./support/module.js";

interface Summary {
  ok: boolean;
  failed: string[];
  stages: Array<{ name: string; status: string; summary: string; durationMs: number }>;
}

const noFail = { failOnError: { type: "Boolean", value: false } };
let session: EngineSession;

beforeAll(async () => {
  session = await openSession("module-ci");
  const { seconds } = await serveModule();
  console.log(`module served in ${seconds.toFixed(1)} s`);
});
afterAll(async () => session?.close());

async function summaryOf(reports: Awaited<ReturnType<typeof callForDirectory>>): Promise<Summary> {
  return JSON.parse(await reports.file("summary.json").contents()) as Summary;
}

describe("dagger call ci (module mode)", () => {
  it("passes on the bundled service read through its defaultPath, with every stage's reports", async () => {
    const started = Date.now();
    const reports = await callForDirectory("ci", noFail);
    const summary = await summaryOf(reports);
    console.log(`ci (module mode) took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(summary.failed).toEqual([]);
    const byName = Object.fromEntries(summary.stages.map((s) => [s.name, s]));
    for (const name of ["lint", "test", "scan", "build", "scan-image"])
      expect(byName[name]?.status, name).toBe("passed");
    expect(byName.test?.summary).toMatch(/^unit \d+ passed, integration \d+ passed, security \d+ passed/);
    expect(await reports.glob("**/*")).toEqual(
      expect.arrayContaining(["summary.md", "lint/flake8.txt", "tests/junit-unit.xml", "tests/coverage.xml"]),
    );
  });

  it("fails on a broken copy given as --source, naming the stage and the cause", async () => {
    const dir = brokenCopy({
      "tests/unit/test_planted_failure.py":
        "import pytest\n\n\n@pytest.mark.unit\ndef test_planted_failure() -> None:\n    assert 1 + 1 == 3\n",
    });
    const constructor = rigConstructorArgs({ source: await hostDirectory(dir) });
    const error = await callError(() => callForDirectory("ci", {}, constructor));
    expect(error.message).toMatch(/\btest\b/);
    expect(error.message).toMatch(/test_planted_failure/);
  });
});
