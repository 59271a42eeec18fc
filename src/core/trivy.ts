import { ScannerFailedError, VulnerabilitiesFoundError } from "./errors.js";
import { indent, tail } from "./output.js";
import type { TrivySeverity } from "./settings.js";
import type { DbInfo } from "./trivyDb.js";

/** One finding at or above the configured severities. */
export interface Finding {
  kind: "vulnerability" | "secret" | "misconfiguration";
  id: string;
  severity: string;
  /** Where: the scanned file (requirements.txt, an image's OS or a package path), with a line for secrets. */
  target: string;
  title: string;
  /** Vulnerabilities only: the package, the version found and the first version with the fix. */
  pkgName?: string;
  installedVersion?: string;
  fixedVersion?: string;
}

/** A finding Trivy did not count because the user said so (.trivyignore, VEX), from --show-suppressed. */
export interface Suppression {
  id: string;
  kind: string;
  pkgName?: string;
  /** Where the suppression comes from, e.g. ".trivyignore". */
  source: string;
}

/** One Trivy invocation: what it scanned for, its exit code, output and JSON report. */
export interface TrivyRun {
  scanners: string;
  exitCode: number;
  output: string;
  reportJson?: string;
}

interface TrivyVulnerability {
  VulnerabilityID?: string;
  Severity?: string;
  PkgName?: string;
  PkgPath?: string;
  InstalledVersion?: string;
  FixedVersion?: string;
  Title?: string;
}

interface TrivyResult {
  Target?: string;
  Vulnerabilities?: TrivyVulnerability[];
  Secrets?: { RuleID?: string; Severity?: string; Title?: string; StartLine?: number }[];
  Misconfigurations?: { ID?: string; Severity?: string; Title?: string }[];
  ExperimentalModifiedFindings?: {
    Type?: string;
    Status?: string;
    Source?: string;
    Finding?: { VulnerabilityID?: string; RuleID?: string; ID?: string; PkgName?: string };
  }[];
}

function parseReport(json: string): { Results?: TrivyResult[] } {
  try {
    return JSON.parse(json) as { Results?: TrivyResult[] };
  } catch {
    throw new ScannerFailedError("trivy wrote a report that is not JSON; rerun the scan");
  }
}

/**
 * Findings of a Trivy JSON report at the given severities. Trivy already filters by `--severity`,
 * but filtering again keeps the verdict right whatever flags produced the report.
 */
export function parseTrivyReport(json: string, severities: readonly TrivySeverity[]): Finding[] {
  const report = parseReport(json);
  const wanted = new Set<string>(severities);
  const findings: Finding[] = [];
  for (const result of report.Results ?? []) {
    const target = result.Target ?? "?";
    for (const v of result.Vulnerabilities ?? []) {
      findings.push({
        kind: "vulnerability",
        id: v.VulnerabilityID ?? "?",
        severity: v.Severity ?? "UNKNOWN",
        // In an image, a language package's own path says more than the image's name.
        target: v.PkgPath ?? target,
        title: `${v.PkgName ?? "?"}: ${v.Title ?? ""}`.trim(),
        pkgName: v.PkgName ?? "?",
        installedVersion: v.InstalledVersion ?? "?",
        fixedVersion: v.FixedVersion || undefined,
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

/** The findings a report lists as suppressed (Trivy's --show-suppressed), deduplicated. */
export function parseSuppressions(json: string): Suppression[] {
  const seen = new Map<string, Suppression>();
  for (const result of parseReport(json).Results ?? []) {
    for (const m of result.ExperimentalModifiedFindings ?? []) {
      if (m.Status !== "ignored" && m.Status !== "not_affected") continue;
      const id = m.Finding?.VulnerabilityID ?? m.Finding?.RuleID ?? m.Finding?.ID ?? "?";
      const suppression = { id, kind: m.Type ?? "?", pkgName: m.Finding?.PkgName, source: m.Source ?? "?" };
      seen.set(`${id} ${suppression.pkgName ?? ""} ${suppression.source}`, suppression);
    }
  }
  return [...seen.values()];
}

/**
 * The verdict of a scan made of several Trivy runs. A run that exited non-zero or wrote no report
 * means the scanner failed (no verdict: never read as clean); otherwise findings fail the scan.
 * Scanner failures are reported first: they make any "clean" part of the result incomplete.
 * Every verdict names the suppressions that applied and, when known, the DB's build date.
 */
export function trivyVerdict(
  what: string,
  runs: TrivyRun[],
  severities: readonly TrivySeverity[],
  db?: DbInfo,
): string {
  const broken = runs.filter((r) => r.exitCode !== 0 || !r.reportJson);
  const read = runs.filter((r) => !broken.includes(r));
  const findings = read.flatMap((r) => parseTrivyReport(r.reportJson ?? "{}", severities));
  const suppressed = read.flatMap((r) => parseSuppressions(r.reportJson ?? "{}"));
  const findingText = findings.length > 0 ? describeFindings(findings) : "";
  const notes = [describeSuppressions(suppressed), describeDb(db)].filter((n) => n).join("; ");
  const suffix = notes ? ` [${notes}]` : "";
  if (broken.length > 0) {
    const details = broken
      .map((r) => `trivy --scanners ${r.scanners} exited ${r.exitCode}:\n${indent(tail(r.output, 12))}`)
      .join("\n");
    const partial = findings.length > 0 ? `; the scanners that did run also found ${findingText}` : "";
    throw new ScannerFailedError(
      `${what}: the scanner failed, so there is no verdict (check that Trivy can reach its vulnerability DB, or mirror it)${partial}${suffix}\n${details}`,
    );
  }
  if (findings.length > 0) {
    throw new VulnerabilitiesFoundError(
      `${what}: found ${findingText} at severity ${severities.join(",")}; fix them or, if accepted, list their IDs in .trivyignore${suffix}`,
    );
  }
  return `${what}: no ${severities.join("/")} findings (${runs.map((r) => r.scanners).join(", ")})${suffix}`;
}

const PLURALS: Record<string, string> = {
  vulnerability: "vulnerabilities",
  secret: "secrets",
  misconfiguration: "misconfigurations",
};

function describeFinding(f: Finding): string {
  if (f.kind !== "vulnerability") return `${f.severity} ${f.id} in ${f.target}`;
  const fix = f.fixedVersion ? `fixed in ${f.fixedVersion}` : "no fixed version yet";
  return `${f.severity} ${f.id} in ${f.pkgName} ${f.installedVersion}, ${fix} (${f.target})`;
}

function describeFindings(findings: Finding[]): string {
  const byKind = new Map<string, number>();
  for (const f of findings) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
  const counts = [...byKind].map(([kind, n]) => `${n} ${n === 1 ? kind : PLURALS[kind]}`);
  const first = findings.slice(0, 5).map(describeFinding).join(", ");
  return `${counts.join(", ")} (${first}${findings.length > 5 ? ", ..." : ""})`;
}

function describeSuppressions(suppressed: Suppression[]): string {
  if (suppressed.length === 0) return "";
  const listed = suppressed.map((s) => `${s.id}${s.pkgName ? ` (${s.pkgName})` : ""} by ${s.source}`);
  return `suppressed: ${listed.join(", ")}`;
}

function describeDb(db: DbInfo | undefined): string {
  if (!db?.updatedAt) return "";
  return `vulnerability DB built ${db.updatedAt}${db.digest ? `, ${db.digest.slice(0, 19)}` : ""}`;
}
