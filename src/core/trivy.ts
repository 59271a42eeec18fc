import { ScannerFailedError, VulnerabilitiesFoundError } from "./errors.js";
import { indent, tail } from "./output.js";
import type { TrivySeverity } from "./settings.js";

/** One finding at or above the configured severities. */
export interface Finding {
  kind: "vulnerability" | "secret" | "misconfiguration";
  id: string;
  severity: string;
  target: string;
  title: string;
}

/** One Trivy invocation: what it scanned for, its exit code, output and JSON report. */
export interface TrivyRun {
  scanners: string;
  exitCode: number;
  output: string;
  reportJson?: string;
}

interface TrivyResult {
  Target?: string;
  Vulnerabilities?: { VulnerabilityID?: string; Severity?: string; PkgName?: string; Title?: string }[];
  Secrets?: { RuleID?: string; Severity?: string; Title?: string; StartLine?: number }[];
  Misconfigurations?: { ID?: string; Severity?: string; Title?: string }[];
}

/**
 * Findings of a Trivy JSON report at the given severities. Trivy already filters by `--severity`,
 * but filtering again keeps the verdict right whatever flags produced the report.
 */
export function parseTrivyReport(json: string, severities: readonly TrivySeverity[]): Finding[] {
  let report: { Results?: TrivyResult[] };
  try {
    report = JSON.parse(json) as { Results?: TrivyResult[] };
  } catch {
    throw new ScannerFailedError("trivy wrote a report that is not JSON; rerun the scan");
  }
  const wanted = new Set<string>(severities);
  const findings: Finding[] = [];
  for (const result of report.Results ?? []) {
    const target = result.Target ?? "?";
    for (const v of result.Vulnerabilities ?? []) {
      findings.push({
        kind: "vulnerability",
        id: v.VulnerabilityID ?? "?",
        severity: v.Severity ?? "UNKNOWN",
        target,
        title: `${v.PkgName ?? "?"}: ${v.Title ?? ""}`.trim(),
      });
    }
    for (const s of result.Secrets ?? []) {
      findings.push({
        kind: "secret",
        id: s.RuleID ?? "?",
        severity: s.Severity ?? "UNKNOWN",
        target: `${target}:${s.StartLine ?? "?"}`,
        title: s.Title ?? "",
      });
    }
    for (const m of result.Misconfigurations ?? []) {
      findings.push({
        kind: "misconfiguration",
        id: m.ID ?? "?",
        severity: m.Severity ?? "UNKNOWN",
        target,
        title: m.Title ?? "",
      });
    }
  }
  return findings.filter((f) => wanted.has(f.severity));
}

/**
 * The verdict of a scan made of several Trivy runs. A run that exited non-zero or wrote no report
 * means the scanner failed (no verdict: never read as clean); otherwise findings fail the scan.
 * Scanner failures are reported first: they make any "clean" part of the result incomplete.
 */
export function trivyVerdict(what: string, runs: TrivyRun[], severities: readonly TrivySeverity[]): string {
  const broken = runs.filter((r) => r.exitCode !== 0 || !r.reportJson);
  const findings = runs
    .filter((r) => !broken.includes(r))
    .flatMap((r) => parseTrivyReport(r.reportJson ?? "{}", severities));
  const findingText = findings.length > 0 ? describeFindings(findings) : "";
  if (broken.length > 0) {
    const details = broken
      .map((r) => `trivy --scanners ${r.scanners} exited ${r.exitCode}:\n${indent(tail(r.output, 12))}`)
      .join("\n");
    const partial = findings.length > 0 ? `; the scanners that did run also found ${findingText}` : "";
    throw new ScannerFailedError(
      `${what}: the scanner failed, so there is no verdict (check that Trivy can reach its vulnerability DB, or mirror it)${partial}\n${details}`,
    );
  }
  if (findings.length > 0) {
    throw new VulnerabilitiesFoundError(
      `${what}: found ${findingText} at severity ${severities.join(",")}; fix them or, if accepted, list their IDs in .trivyignore`,
    );
  }
  return `${what}: no ${severities.join("/")} findings (${runs.map((r) => r.scanners).join(", ")})`;
}

const PLURALS: Record<string, string> = {
  vulnerability: "vulnerabilities",
  secret: "secrets",
  misconfiguration: "misconfigurations",
};

function describeFindings(findings: Finding[]): string {
  const byKind = new Map<string, number>();
  for (const f of findings) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
  const counts = [...byKind].map(([kind, n]) => `${n} ${n === 1 ? kind : PLURALS[kind]}`);
  const first = findings
    .slice(0, 5)
    .map((f) => `${f.severity} ${f.id} in ${f.target}`)
    .join(", ");
  return `${counts.join(", ")} (${first}${findings.length > 5 ? ", ..." : ""})`;
}
