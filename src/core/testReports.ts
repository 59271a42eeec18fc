import { StageFailedError } from "./errors.js";
import { indent, tail } from "./output.js";

export type SuiteName = "unit" | "integration" | "security";

/** One pytest run: which suite, its exit code, output, and the JUnit XML it wrote (if any). */
export interface SuiteRun {
  suite: SuiteName;
  exitCode: number;
  output: string;
  junitXml?: string;
}

/** Counts and failing test ids read from a JUnit XML report. */
export interface JunitSummary {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  failed: string[];
}

/**
 * Reads pytest's JUnit XML. Only the attributes pytest writes are needed, so a small scanner is
 * enough (no XML dependency): totals from <testsuite>, failing ids from <testcase> elements that
 * contain <failure> or <error>.
 */
export function parseJunit(xml: string): JunitSummary {
  const suiteTag = /<testsuite\b([^>]*)>/.exec(xml)?.[1] ?? "";
  const count = (name: string) => Number(attribute(suiteTag, name) ?? 0);
  const failed: string[] = [];
  const testcase = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const match of xml.matchAll(testcase)) {
    const body = match[3] ?? "";
    if (/<(failure|error)\b/.test(body)) {
      const attrs = match[1] ?? "";
      failed.push(`${attribute(attrs, "classname") ?? "?"}::${attribute(attrs, "name") ?? "?"}`);
    }
  }
  return {
    tests: count("tests"),
    failures: count("failures"),
    errors: count("errors"),
    skipped: count("skipped"),
    failed,
  };
}

/** Line coverage in percent from a Cobertura coverage.xml (coverage.py's `line-rate` on the root). */
export function parseCoveragePercent(xml: string): number | undefined {
  const rate = /<coverage\b[^>]*\bline-rate="([0-9.]+)"/.exec(xml)?.[1];
  return rate === undefined ? undefined : Math.round(Number(rate) * 10000) / 100;
}

/**
 * The test stage passes when every suite exited 0 and coverage meets the threshold. Otherwise one
 * error names every failing suite, its failing tests (or its output tail when no report was
 * written) and the coverage shortfall.
 */
export function testVerdict(runs: SuiteRun[], coverage: { percent?: number; threshold: number }): string {
  const problems: string[] = [];
  const passedLines: string[] = [];
  for (const run of runs) {
    const summary = run.junitXml ? parseJunit(run.junitXml) : undefined;
    if (run.exitCode === 0) {
      passedLines.push(`${run.suite} ${summary ? summary.tests - summary.skipped : "?"} passed`);
      continue;
    }
    if (summary && summary.failed.length > 0) {
      const shown = summary.failed.slice(0, 10).join(", ");
      const more = summary.failed.length > 10 ? ` and ${summary.failed.length - 10} more` : "";
      problems.push(`${run.suite} suite: ${summary.failed.length} of ${summary.tests} failed: ${shown}${more}`);
    } else if (run.suite === "unit" && isCoverageShortfall(coverage)) {
      // pytest-cov fails the run on the threshold alone; reported below with the numbers.
    } else {
      problems.push(`${run.suite} suite: pytest exited ${run.exitCode}\n${indent(tail(run.output))}`);
    }
  }
  if (coverage.percent === undefined) {
    problems.push("unit coverage: no coverage.xml was written (is pytest-cov in requirements-dev.txt?)");
  } else if (isCoverageShortfall(coverage)) {
    problems.push(
      `unit coverage ${coverage.percent}% is below the threshold ${coverage.threshold}%: add unit tests or lower --coverage-threshold`,
    );
  }
  if (problems.length > 0) {
    throw new StageFailedError(`tests failed: ${problems.join("; ")}`, problems);
  }
  return `${passedLines.join(", ")}; unit coverage ${coverage.percent}% (threshold ${coverage.threshold}%)`;
}

function isCoverageShortfall(coverage: { percent?: number; threshold: number }): boolean {
  return coverage.percent !== undefined && coverage.percent < coverage.threshold;
}

function attribute(tagAttributes: string, name: string): string | undefined {
  const value = new RegExp(`\\b${name}="([^"]*)"`).exec(tagAttributes)?.[1];
  return value === undefined ? undefined : decodeXml(value);
}

function decodeXml(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}
