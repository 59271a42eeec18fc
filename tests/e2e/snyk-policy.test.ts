/**
 * The Snyk stage on the engine rig reads the service's own .snyk from its source directory, as
 * `snyk test` does (Snyk's API never sees the file), against the local stand-in of Snyk's API
 * (tests/support/standins/snyk.ts). A broken policy fails the stage before the token leaves.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { dag } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { SettingsError, VulnerabilitiesFoundError } from "../../src/core/errors.js";
import { snykStage } from "../../src/stages/snyk.js";
import type { RecordingServer } from "../support/standins/recording-server.js";
import { startSnykStandin } from "../support/standins/snyk.js";
import { BUNDLED_SERVICE, brokenCopy } from "./support/pipeline.js";
import { type EngineSession, openSession } from "./support/session.js";

const TOKEN = "snyk-policy-e2e-token";
/** The bundled requirements with urllib3 pinned to a version CVE-2023-43804 affects (HIGH). */
const VULNERABLE = `${readFileSync(join(BUNDLED_SERVICE, "requirements.txt"), "utf8")}urllib3==1.26.16\n`;
const IGNORE_URLLIB3 = [
  "version: v1.25.0",
  "ignore:",
  "  SNYK-PYTHON-URLLIB3-STANDIN1:",
  "    - '*':",
  "        reason: the service sends no cross-host redirects",
  "        expires: 2099-01-01T00:00:00.000Z",
  "",
].join("\n");

let session: EngineSession;
let snyk: RecordingServer;
beforeAll(async () => {
  session = await openSession("snyk-policy");
  snyk = await startSnykStandin({ token: TOKEN });
});
afterAll(async () => {
  await snyk?.close();
  await session?.close();
});

const run = (files: Record<string, string>) =>
  snykStage(dag.host().directory(brokenCopy(files), { exclude: [".venv", "**/__pycache__"] }), {
    token: TOKEN,
    apiUrl: `${snyk.url}/v1`,
  });

describe("the snyk stage and the service's .snyk", () => {
  it("fails on the high issue when the service has no .snyk", async () => {
    const outcome = await run({ "requirements.txt": VULNERABLE });
    expect(outcome.error).toBeInstanceOf(VulnerabilitiesFoundError);
    expect(outcome.summary).toMatch(/^snyk: found 1 high or critical issue .*SNYK-PYTHON-URLLIB3-STANDIN1/);
  });

  it("passes when .snyk ignores it, listing the suppression with its reason and expiry", async () => {
    const outcome = await run({ "requirements.txt": VULNERABLE, ".snyk": IGNORE_URLLIB3 });
    expect(outcome.error).toBeUndefined();
    expect(outcome.summary).toBe(
      "snyk: no high or critical issues in 11 dependencies [suppressed by .snyk: SNYK-PYTHON-URLLIB3-STANDIN1 in urllib3 1.26.16 until 2099-01-01: the service sends no cross-host redirects]",
    );
  });

  it("fails on a .snyk that is not a policy, naming it, before asking Snyk", async () => {
    const asked = snyk.requests.length;
    const outcome = await run({ "requirements.txt": VULNERABLE, ".snyk": "ignore:\n  SNYK-1: '*'\n" });
    expect(outcome.error).toBeInstanceOf(SettingsError);
    expect(outcome.summary).toBe(".snyk: the ignore of SNYK-1 must be a list of paths");
    expect(snyk.requests.length).toBe(asked);
  });
});
