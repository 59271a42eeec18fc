/**
 * The security verdicts against real advisories, on the engine rig.
 *
 * The rig's Trivy DB stand-in (tests/e2e/rig/trivy-db, `aquasecurity/trivy-db:2`) holds a few REAL
 * public advisories and nothing else: urllib3 CVE-2023-43804 (HIGH, fixed in 1.26.17 and 2.0.6),
 * PyYAML CVE-2020-14343 (CRITICAL, fixed in 5.4), requests CVE-2023-32681 (MEDIUM) and Debian 12's
 * apt CVE-2011-3374 (LOW, not fixed). So a finding here is a true positive, and "no findings" means
 * only "none of those". `aquasecurity/trivy-db:empty` is the same DB with no advisories.
 *
 * Proven here: "vulnerabilities found" on both scans naming CVE, package, installed and fixed
 * versions and where; `.trivyignore` and `.trivyignore.yaml` suppressions listed in the verdict; --ignore-unfixed; SARIF
 * with the result and its location; the DB's build date in the verdict; and a republished DB seen by
 * the very next scan (no verdict replayed from an older DB). "Scanner failed" is in ci.test.ts.
 */
import { dag } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { resolveSettings } from "../../src/core/settings.js";
import { buildImage } from "../../src/stages/image.js";
import type { StageOutcome } from "../../src/stages/outcome.js";
import { scanImageStage, scanSourceStage } from "../../src/stages/scan.js";
import { BUNDLED_SERVICE, brokenCopy, pipelineFor, type PipelineOverrides } from "./support/pipeline.js";
import { type EngineSession, openSession, rigImages } from "./support/session.js";
import { retagTrivyDb as retag, VULNERABLE_PINS, VULNERABLE_PIN_CVES, vulnerabilityIds } from "../support/trivy-db.js";

/** requirements.txt with the vulnerable pins appended. */
const pinned = (extra: string) => (old: string) => `${old}${extra}`;

const DB_NOTE = /\[(?:suppressed: [^;\]]+; )?vulnerability DB built \d{4}-\d\d-\d\dT[\d:.]+Z, sha256:[0-9a-f]{12}\]$/;

function dbRepository(): string {
  const repo = rigImages().trivyDb;
  if (!repo) throw new Error("the rig has no Trivy DB stand-in (images.json trivyDb): run tests/e2e/rig/up");
  return repo;
}

function settingsFor(overrides: { trivyIgnoreUnfixed?: boolean; trivySeverities?: string } = {}) {
  const images = rigImages();
  return resolveSettings({
    pythonImage: images.python,
    postgresImage: images.postgres,
    redisImage: images.redis,
    trivyImage: images.trivy,
    trivyDbRepository: dbRepository(),
    ...overrides,
  });
}

const hostDir = (dir: string) => dag.host().directory(dir, { exclude: [".venv", "**/__pycache__"] });

async function sourceScan(dir: string, overrides = {}): Promise<StageOutcome> {
  return scanSourceStage(hostDir(dir), settingsFor(overrides));
}

async function imageScan(dir: string, overrides = {}): Promise<StageOutcome> {
  const settings = settingsFor(overrides);
  const source = hostDir(dir);
  return scanImageStage(buildImage(source, settings, "e2e"), source, settings);
}

let session: EngineSession;
beforeAll(async () => {
  session = await openSession("scan-verdicts");
});
afterAll(async () => {
  await session?.close();
});

describe("scan: a service pinning vulnerable versions", () => {
  const vulnerable = brokenCopy({ "requirements.txt": pinned(VULNERABLE_PINS) });

  it("fails naming each CVE, package, installed and fixed version, with the DB's build date", async () => {
    const outcome = await sourceScan(vulnerable);
    expect(outcome.error?.name).toBe("VulnerabilitiesFoundError");
    expect(outcome.summary).toMatch(/^source scan: found 2 vulnerabilities \(/);
    // Trivy reports the name as requirements.txt spells it or normalised: either is the package.
    expect(outcome.summary).toMatch(/CRITICAL CVE-2020-14343 in pyyaml 5\.3\.1, fixed in 5\.4 \(requirements\.txt\)/i);
    expect(outcome.summary).toContain(
      "HIGH CVE-2023-43804 in urllib3 1.26.16, fixed in 1.26.17, 2.0.6 (requirements.txt)",
    );
    expect(outcome.summary).toMatch(DB_NOTE);
  });

  it("writes SARIF holding each result with its rule and location", async () => {
    const reports = await pipelineFor(vulnerable, { trivyDbRepository: dbRepository() }).scan(false);
    const sarif = JSON.parse(await reports.file("scan/trivy-fs-vuln.sarif").contents()) as {
      runs: {
        results: {
          ruleId: string;
          level: string;
          message: { text: string };
          locations: { physicalLocation: { artifactLocation: { uri: string } } }[];
        }[];
      }[];
    };
    const results = sarif.runs[0]?.results ?? [];
    const urllib3 = results.find((r) => r.ruleId === "CVE-2023-43804");
    expect(urllib3?.level).toBe("error");
    expect(urllib3?.message.text).toContain("Installed Version: 1.26.16");
    expect(urllib3?.message.text).toContain("Fixed Version: 1.26.17, 2.0.6");
    expect(urllib3?.locations[0]?.physicalLocation.artifactLocation.uri).toBe("requirements.txt");
    expect(results.map((r) => r.ruleId).sort()).toEqual(["CVE-2020-14343", "CVE-2023-43804"]);
  });

  it("passes once .trivyignore accepts both, and the verdict lists the suppressions", async () => {
    const accepted = brokenCopy({
      "requirements.txt": pinned(VULNERABLE_PINS),
      ".trivyignore": "# accepted in this test only\nCVE-2020-14343\nCVE-2023-43804\n",
    });
    const outcome = await sourceScan(accepted);
    expect(outcome.error).toBeUndefined();
    expect(outcome.summary).toMatch(/^source scan: no CRITICAL\/HIGH findings \(vuln, secret\) \[suppressed: /);
    expect(outcome.summary).toMatch(/CVE-2020-14343 \(pyyaml\) by \.trivyignore/i);
    expect(outcome.summary).toContain("CVE-2023-43804 (urllib3) by .trivyignore");
  });

  it("reads .trivyignore.yaml, Trivy's form with statements and expiry dates (beside a .trivyignore of comments only)", async () => {
    const accepted = brokenCopy({
      "requirements.txt": pinned(VULNERABLE_PINS),
      ".trivyignore.yaml": [
        "vulnerabilities:",
        "  - id: CVE-2020-14343",
        "    statement: accepted in this test only",
        "  - id: CVE-2023-43804",
        "    expired_at: 2099-01-01",
        "",
      ].join("\n"),
    });
    const outcome = await sourceScan(accepted);
    expect(outcome.error, outcome.summary).toBeUndefined();
    expect(outcome.summary).toMatch(/CVE-2020-14343 \(pyyaml\) by \.trivyignore\.yaml/i);
    expect(outcome.summary).toContain("CVE-2023-43804 (urllib3) by .trivyignore.yaml");
  });

  it("refuses a service whose two ignore files both list ids, in one line, since Trivy would read only one", async () => {
    const both = brokenCopy({ ".trivyignore": "CVE-2023-43804\n", ".trivyignore.yaml": "vulnerabilities: []\n" });
    const outcome = await sourceScan(both);
    expect(outcome.error?.name).toBe("SettingsError");
    expect(outcome.summary).toBe(
      "the service lists accepted findings in both .trivyignore and .trivyignore.yaml, and Trivy reads only one: merge them into one",
    );
  });
});

describe("scan-image: the built image", () => {
  const withOldUrllib3 = brokenCopy({ "requirements.txt": pinned("urllib3==1.26.16\n") });

  it("fails when a vulnerable package is installed in it, naming the package's path in the image", async () => {
    const outcome = await imageScan(withOldUrllib3);
    expect(outcome.error?.name).toBe("VulnerabilitiesFoundError");
    expect(outcome.summary).toMatch(
      /HIGH CVE-2023-43804 in urllib3 1\.26\.16, fixed in 1\.26\.17, 2\.0\.6 \(opt\/venv\/lib\/python3\.11\/site-packages\/urllib3-1\.26\.16\.dist-info\/METADATA\)/,
    );
    expect(outcome.summary).toMatch(DB_NOTE);
  });

  it("passes with that CVE in .trivyignore, listing the suppression", async () => {
    const accepted = brokenCopy({
      "requirements.txt": pinned("urllib3==1.26.16\n"),
      ".trivyignore": "CVE-2023-43804\n",
    });
    const outcome = await imageScan(accepted);
    expect(outcome.error).toBeUndefined();
    expect(outcome.summary).toContain("suppressed: CVE-2023-43804 (urllib3) by .trivyignore");
  });

  it("passes with that CVE in .trivyignore.yaml, listing the suppression", async () => {
    const accepted = brokenCopy({
      "requirements.txt": pinned("urllib3==1.26.16\n"),
      ".trivyignore.yaml": "vulnerabilities:\n  - id: CVE-2023-43804\n    statement: accepted in this test only\n",
    });
    const outcome = await imageScan(accepted);
    expect(outcome.error, outcome.summary).toBeUndefined();
    expect(outcome.summary).toContain("suppressed: CVE-2023-43804 (urllib3) by .trivyignore.yaml");
  });

  it("finds Debian's unfixed apt advisory at LOW, and --ignore-unfixed passes it", async () => {
    const all = "CRITICAL,HIGH,MEDIUM,LOW";
    const strict = await imageScan(BUNDLED_SERVICE, { trivySeverities: all });
    expect(strict.error?.name).toBe("VulnerabilitiesFoundError");
    expect(strict.summary).toMatch(/LOW CVE-2011-3374 in apt [^,]+, no fixed version yet \(/);

    const unfixedIgnored = await imageScan(BUNDLED_SERVICE, { trivySeverities: all, trivyIgnoreUnfixed: true });
    expect(unfixedIgnored.error, unfixedIgnored.summary).toBeUndefined();
    expect(unfixedIgnored.summary).toMatch(/^image scan: no CRITICAL\/HIGH\/MEDIUM\/LOW findings/);
  });
});

describe("the vulnerability DB is never stale", () => {
  it("a DB republished under the same tag is used by the very next scan; an unchanged one is replayed", async () => {
    const tag = `e2e-${Date.now()}`;
    const repository = dbRepository().replace(/:2$/, `:${tag}`);
    const overrides: PipelineOverrides = { trivyDbRepository: repository };
    const vulnerable = brokenCopy({ "requirements.txt": pinned(VULNERABLE_PINS) });
    const scan = async () => {
      const started = Date.now();
      const reports = await pipelineFor(vulnerable, overrides).scan(false);
      const db = JSON.parse(await reports.file("scan/trivy-fs-db.json").contents()) as { digest?: string };
      const ids = vulnerabilityIds(await reports.file("scan/trivy-fs-vuln.json").contents());
      return { digest: db.digest, ids, seconds: (Date.now() - started) / 1000 };
    };

    await retag("empty", tag);
    const before = await scan();
    expect(before.ids).toEqual([]);

    await retag("2", tag);
    const after = await scan();
    expect(after.digest).not.toBe(before.digest);
    expect(after.ids).toEqual(VULNERABLE_PIN_CVES);

    const again = await scan();
    expect(again).toMatchObject({ digest: after.digest, ids: after.ids });
    console.log(
      `scan, DB empty: ${before.seconds.toFixed(1)} s; DB republished: ${after.seconds.toFixed(1)} s; unchanged (replayed): ${again.seconds.toFixed(1)} s`,
    );
  });
});
