import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { ScannerFailedError, VulnerabilitiesFoundError } from "../../../src/core/errors.js";
import { parseTrivyReport, trivyVerdict } from "../../../src/core/trivy.js";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/trivy/${name}`, import.meta.url), "utf8");
const findings = fixture("fs-findings.json");
const clean = fixture("fs-clean.json");
const suppressed = fixture("fs-suppressed.json");

describe("parseTrivyReport", () => {
  it("keeps findings at the configured severities only", () => {
    expect(parseTrivyReport(findings, ["CRITICAL", "HIGH"])).toEqual([
      {
        kind: "vulnerability",
        id: "CVE-2024-0001",
        severity: "HIGH",
        target: "requirements.txt",
        title: "jinja2: sandbox breakout",
        pkgName: "jinja2",
        installedVersion: "3.1.2",
        fixedVersion: "3.1.3",
      },
      {
        kind: "vulnerability",
        id: "CVE-2024-0003",
        severity: "CRITICAL",
        target: "requirements.txt",
        title: "cryptography: null deref",
        pkgName: "cryptography",
        installedVersion: "41.0.0",
        fixedVersion: undefined,
      },
      {
        kind: "secret",
        id: "aws-access-key-id",
        severity: "CRITICAL",
        target: "enterprise/config.py:12",
        title: "AWS Access Key ID",
      },
    ]);
    expect(parseTrivyReport(findings, ["MEDIUM"]).map((f) => f.id)).toEqual(["CVE-2024-0002"]);
    expect(parseTrivyReport(clean, ["CRITICAL", "HIGH"])).toEqual([]);
  });

  it("treats a report that is not JSON as a scanner failure", () => {
    expect(() => parseTrivyReport("FATAL error", ["HIGH"])).toThrow(ScannerFailedError);
  });
});

describe("trivyVerdict", () => {
  const ran = (scanners: string, reportJson: string) => ({ scanners, exitCode: 0, output: "", reportJson });

  it("passes a clean scan", () => {
    expect(trivyVerdict("source scan", [ran("vuln", clean), ran("secret", clean)], ["CRITICAL", "HIGH"])).toBe(
      "source scan: no CRITICAL/HIGH findings (vuln, secret)",
    );
  });

  it("fails on findings, counting them by kind", () => {
    const run = () => trivyVerdict("source scan", [ran("vuln", findings)], ["CRITICAL", "HIGH"]);
    expect(run).toThrow(VulnerabilitiesFoundError);
    expect(run).toThrow(
      "source scan: found 2 vulnerabilities, 1 secret (HIGH CVE-2024-0001 in jinja2 3.1.2, fixed in 3.1.3 (requirements.txt), CRITICAL CVE-2024-0003 in cryptography 41.0.0, no fixed version yet (requirements.txt), CRITICAL aws-access-key-id in enterprise/config.py:12) at severity CRITICAL,HIGH",
    );
  });

  it("calls a non-zero exit or a missing report a scanner failure, never clean", () => {
    const dbDown = {
      scanners: "vuln",
      exitCode: 1,
      output: "FATAL\tinit error: DB error: failed to download vulnerability DB",
    };
    const run = () => trivyVerdict("source scan", [dbDown, ran("secret", clean)], ["CRITICAL", "HIGH"]);
    expect(run).toThrow(ScannerFailedError);
    expect(run).toThrow("source scan: the scanner failed, so there is no verdict");
    expect(run).toThrow("failed to download vulnerability DB");
    const noReport = { scanners: "vuln", exitCode: 0, output: "" };
    expect(() => trivyVerdict("image scan", [noReport], ["HIGH"])).toThrow(ScannerFailedError);
  });

  it("still reports what the working scanner found when another one failed", () => {
    const dbDown = { scanners: "vuln", exitCode: 1, output: "DB error" };
    const secrets = ran("secret", findings.replace(/"Vulnerabilities": \[[\s\S]*?\]\n/, '"Vulnerabilities": []\n'));
    expect(() => trivyVerdict("source scan", [dbDown, secrets], ["CRITICAL"])).toThrow(
      "; the scanners that did run also found 1 secret (CRITICAL aws-access-key-id in enterprise/config.py:12)",
    );
  });

  it("passes with what .trivyignore suppressed listed, and the DB's build date", () => {
    const db = { updatedAt: "2026-11-30T09:00:00Z", digest: `sha256:${"ab".repeat(32)}` };
    expect(trivyVerdict("source scan", [ran("vuln", suppressed)], ["CRITICAL", "HIGH"], db)).toBe(
      "source scan: no CRITICAL/HIGH findings (vuln) [suppressed: CVE-2024-0001 (jinja2) by .trivyignore; vulnerability DB built 2026-11-30T09:00:00Z, sha256:abababababab]",
    );
  });

  it("names the DB's build date on findings too", () => {
    expect(() =>
      trivyVerdict("image scan", [ran("vuln", findings)], ["CRITICAL"], { updatedAt: "2026-01-02T03:04:05Z" }),
    ).toThrow(/list their IDs in \.trivyignore \[vulnerability DB built 2026-01-02T03:04:05Z\]$/);
  });
});
