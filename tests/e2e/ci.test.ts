/**
 * `ci` end to end on the engine rig: the bundled service, then broken copies of it, each failing
 * in the stage it breaks with a message naming the cause, while every other stage still reports.
 *
 * Trivy's vulnerability DB cannot be downloaded here (its registry is unreachable): without a DB
 * both scans must fail as "the scanner failed" (asserted). The other runs point Trivy at the rig's
 * DB stand-in (a valid DB with no advisories, tests/e2e/rig/trivy-db) through --trivy-db-repository:
 * that proves the plumbing (download from a mirror, scan, report), not the absence of
 * vulnerabilities. The secret scanner needs no DB and gives a real verdict either way.
 */
import { dag } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { RunReport } from "../../src/core/report.js";
import { startSnykStandin } from "../support/standins/snyk.js";
import {
  BUNDLED_SERVICE,
  brokenCopy,
  ciError,
  ciReport,
  pipelineFor,
  type PipelineOverrides,
  stage,
} from "./support/pipeline.js";
import { type EngineSession, openSession, rigImages } from "./support/session.js";

const SCANNER_FAILED = /the scanner failed, so there is no verdict/;
/** Built at run time so no AWS-key-shaped literal sits in this repository. */
const PLANTED_AWS_KEY = ["AKIA", "2E0A8F3B244C9986"].join("");

let session: EngineSession;
/** The pipeline with the rig's DB stand-in, so only what a test breaks can fail. */
const withDb = (dir: string, overrides: PipelineOverrides = {}) => {
  const trivyDbRepository = rigImages().trivyDb;
  if (!trivyDbRepository)
    throw new Error("the rig has no Trivy DB stand-in (images.json trivyDb): run tests/e2e/rig/up");
  return pipelineFor(dir, { ...overrides, trivyDbRepository });
};
beforeAll(async () => {
  session = await openSession("ci");
});
afterAll(async () => {
  await session?.close();
});

describe("ci on the bundled service", () => {
  it("passes every stage, returns every report, and `ci` itself does not throw", async () => {
    const pipeline = withDb(BUNDLED_SERVICE);
    // Snyk's API through its stand-in (api.snyk.io is unreachable here), called from this process.
    const snyk = await startSnykStandin({ token: "snyk-e2e-token" });
    const reportsDir = await pipeline
      .ci(
        "e2e",
        false,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        dag.setSecret("snyk-token", "snyk-e2e-token"),
        undefined,
        `${snyk.url}/v1`,
      )
      .finally(() => snyk.close());
    const report = JSON.parse(await reportsDir.file("summary.json").contents()) as RunReport;
    const files = await reportsDir.glob("**/*");
    expect(report.failed).toEqual([]);
    expect(stage(report, "snyk").summary).toBe("snyk: no high or critical issues in 10 dependencies");
    expect(stage(report, "lint")).toMatchObject({
      status: "passed",
      summary: "black, isort, flake8, mypy, bandit: all clean",
    });
    expect(stage(report, "test").summary).toMatch(
      /^unit \d+ passed, integration \d+ passed, security \d+ passed; unit coverage [\d.]+% of statements and branches \(threshold 70%\)$/,
    );
    expect(stage(report, "build").summary).toMatch(
      /uncompressed image size \(OCI tarball of all layers\): [\d.]+ MB \(limit 500 MB\)/,
    );
    const dbNote = / \[vulnerability DB built \d{4}-\d\d-\d\dT[\d:.]+Z, sha256:[0-9a-f]{12}\]$/;
    expect(stage(report, "scan").summary).toMatch(/^source scan: no CRITICAL\/HIGH findings \(vuln, secret\)/);
    expect(stage(report, "scan").summary).toMatch(dbNote);
    expect(stage(report, "scan-image").summary).toMatch(/^image scan: no CRITICAL\/HIGH findings \(vuln, secret\)/);
    expect(stage(report, "scan-image").summary).toMatch(dbNote);
    expect(stage(report, "migration-rehearsal").summary).toBe(
      "migration rehearsal: upgrade head (1 revision: 0001) → downgrade base → upgrade head; models match the migrated schema",
    );
    expect(stage(report, "codecov").status).toBe("skipped");
    expect(files).toEqual(
      expect.arrayContaining([
        "lint/black.txt",
        "lint/bandit.txt",
        "tests/junit-unit.xml",
        "tests/junit-integration.xml",
        "tests/junit-security.xml",
        "tests/coverage.xml",
        "migrations/rehearsal.log",
        "scan/trivy-fs-vuln.json",
        "scan/trivy-fs-vuln.sarif",
        "scan/trivy-fs-secret.sarif",
        "scan/trivy-image-vuln.sarif",
        "scan/trivy-image-secret.json",
        "scan/snyk.json",
        "summary.md",
        "summary.json",
      ]),
    );
    const reports = await pipeline.ci("e2e", true);
    expect(await reports.file("summary.md").contents()).toContain("All 6 stages that ran passed");
  });

  it("without a reachable vulnerability DB, both scans fail as 'scanner failed', never as clean", async () => {
    const { report } = await ciReport(pipelineFor(BUNDLED_SERVICE));
    for (const scan of ["scan", "scan-image"]) {
      expect(stage(report, scan).status).toBe("failed");
      expect(stage(report, scan).summary).toMatch(SCANNER_FAILED);
      expect(stage(report, scan).summary).not.toMatch(/also found/);
    }
    expect(report.failed).toEqual(["scan", "scan-image"]);
  });
});

describe("ci on broken copies of the service", () => {
  it("a lint error fails lint, naming the tools and the offending line; tests and build still pass", async () => {
    const dir = brokenCopy({ "enterprise/planted_lint_error.py": "import os\n\n\ndef planted( x ):\n    return x\n" });
    const { report } = await ciReport(withDb(dir));
    expect(stage(report, "lint").status).toBe("failed");
    expect(stage(report, "lint").summary).toMatch(/^lint failed: black \(exit 1\), .*flake8 \(exit 1\)/);
    expect(stage(report, "lint").summary).toContain("planted_lint_error.py:1:1: F401 'os' imported but unused");
    expect(stage(report, "test").status).toBe("passed");
    expect(stage(report, "build").status).toBe("passed");
    const error = await ciError(withDb(dir));
    expect(error.message).toMatch(/^ci failed in lint$/m);
    expect(error.message).toContain("[lint] lint failed");
  });

  it("a failing unit test fails test, naming the test; lint and build still pass", async () => {
    const dir = brokenCopy({
      "tests/unit/test_planted_failure.py":
        "import pytest\n\n\n@pytest.mark.unit\ndef test_planted_failure() -> None:\n    assert 1 + 1 == 3\n",
    });
    const { report } = await ciReport(withDb(dir));
    expect(stage(report, "test").status).toBe("failed");
    expect(stage(report, "test").summary).toMatch(
      /unit suite: 1 of \d+ failed: tests\.unit\.test_planted_failure::test_planted_failure/,
    );
    expect(stage(report, "lint").status).toBe("passed");
    expect(stage(report, "build").status).toBe("passed");
  });

  it("unit coverage below the threshold fails test with both numbers", async () => {
    const { report } = await ciReport(withDb(BUNDLED_SERVICE, { coverageThreshold: 99 }));
    expect(stage(report, "test").status).toBe("failed");
    expect(stage(report, "test").summary).toMatch(/unit coverage [\d.]+% is below the threshold 99%/);
    expect(stage(report, "lint").status).toBe("passed");
  });

  it("a planted AWS key is found by Trivy's secret scanner", async () => {
    const dir = brokenCopy({ "enterprise/planted_secret.py": `AWS_ACCESS_KEY_ID = "${PLANTED_AWS_KEY}"\n` });
    const { report } = await ciReport(withDb(dir));
    expect(stage(report, "scan").status).toBe("failed");
    expect(stage(report, "scan").summary).toMatch(
      /found 1 secret \(CRITICAL aws-access-key-id in enterprise\/planted_secret\.py:1\)/,
    );
    expect(stage(report, "scan").summary).not.toContain(PLANTED_AWS_KEY);
  });

  it("an image over a lowered size limit fails build with the metric measured; the image scan is skipped", async () => {
    const { report } = await ciReport(withDb(BUNDLED_SERVICE, { imageSizeLimitMb: 20 }));
    expect(stage(report, "build").status).toBe("failed");
    expect(stage(report, "build").summary).toMatch(
      /^image too large: uncompressed image size \(OCI tarball of all layers\) is [\d.]+ MB, over the limit of 20 MB/,
    );
    expect(stage(report, "scan-image").status).toBe("skipped");
    expect(stage(report, "lint").status).toBe("passed");
    expect(stage(report, "test").status).toBe("passed");
  });
});
